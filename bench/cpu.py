"""How much of the machine other work used while the benchmark measured (Linux /proc only).

Latency on a 2-core machine is as much about what else runs as about the code, so the report
states the CPU share that went neither to the benchmark's client, nor to the server under test,
nor to the database backends serving it. Processes that start and exit inside the window are
still counted, through the machine-wide total in /proc/stat.
"""

import contextlib
import os
import statistics
import time
from pathlib import Path


def _machine() -> tuple[int, int]:
    """(busy, total) clock ticks over all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # guest time is already inside user time
    return total - idle, total


def _process_ticks() -> dict[int, tuple[int, int, str]]:
    """pid -> (process group, utime + stime ticks, command name), for every process."""
    result = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            raw = (entry / "stat").read_text()
            name = raw[raw.index("(") + 1 : raw.rindex(")")]
            fields = raw[raw.rindex(")") + 2 :].split()
            result[int(entry.name)] = (int(fields[2]), int(fields[11]) + int(fields[12]), name)
    return result


def _self_with_children() -> int:
    """This process's ticks plus those of its children that have exited and been waited for
    (a subprocess.run inside the window, such as the in-process capture)."""
    raw = Path("/proc/self/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    return sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime


def busy_percent(seconds: float = 2.0) -> float | None:
    """Percent of all CPUs' time not idle over the next ``seconds``; None without /proc."""
    try:
        busy0, total0 = _machine()
        time.sleep(seconds)
        busy1, total1 = _machine()
    except (OSError, ValueError, IndexError):
        return None
    return round(100 * (busy1 - busy0) / max(1, total1 - total0), 1)


class Window:
    """Start it when measuring starts, stop it when measuring ends, then read ``report()``."""

    def __init__(self, server_pgid: int, backend_pids=set):
        self.server_pgid = server_pgid
        self.backend_pids = backend_pids
        self.available = Path("/proc/stat").exists()

    def _ours(self, ticks: dict) -> dict[int, int]:
        backends = self.backend_pids()
        me = os.getpid()
        ours = {
            pid: spent
            for pid, (pgid, spent, _) in ticks.items()
            if pid != me and (pgid == self.server_pgid or pid in backends)
        }
        with contextlib.suppress(OSError, ValueError, IndexError):
            ours[me] = _self_with_children()
        return ours

    def add_ours(self, ticks: int) -> None:
        """Ticks of a process of the benchmark's that the window could not see (a database
        backend that served a subprocess and exited with it)."""
        self.extra = getattr(self, "extra", 0) + ticks

    def start(self) -> None:
        if self.available:
            self.machine0 = _machine()
            self.ours0 = self._ours(_process_ticks())
            self.started = time.monotonic()

    def stop(self) -> None:
        if self.available:
            self.machine1 = _machine()
            self.ours1 = self._ours(_process_ticks())
            self.seconds = time.monotonic() - self.started

    def report(self) -> dict:
        if not self.available or not hasattr(self, "machine1"):
            return {}
        busy = self.machine1[0] - self.machine0[0]
        total = max(1, self.machine1[1] - self.machine0[1])
        ours = sum(spent - self.ours0.get(pid, 0) for pid, spent in self.ours1.items())
        ours += getattr(self, "extra", 0)
        return {
            "seconds": round(self.seconds, 1),
            "cpus": os.cpu_count(),
            "benchmark_percent": round(100 * ours / total, 1),
            "other_work_percent": round(100 * max(0, busy - ours) / total, 1),
        }


def cpu_per_request(send, *, warmup: int, repeat: int) -> dict:
    """``send()`` answered ``warmup`` times to warm its code and caches, then ``repeat`` times
    timed: this process's CPU ms for one answer, SQLite's work included. ``send`` raises when
    the answer is not the one expected."""
    samples = []
    for n in range(warmup + repeat):
        started = time.process_time()
        send()
        if n >= warmup:
            samples.append((time.process_time() - started) * 1000)
    return {
        "mean_ms": round(statistics.fmean(samples), 2),
        "p50_ms": round(statistics.median(samples), 2),
    }
