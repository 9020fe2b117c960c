"""make bench-floor: what a request costs Kithkin before a page does any work of its own.

    .venv/bin/python bench/floor.py [--source REV] [--seconds 20] [--connections 16]

Issue 10 asks for 400 requests/s with p95 <= 75 ms on SQLite, on this machine kind (2 cores).
bench/load.py measures the mix; this measures the floor under it, a ladder of requests that
each add one part of what every signed-in page and audited read of Kithkin does:

1. ``/healthz``: the WSGI server, the middleware and one ``SELECT 1``, nobody signed in;
2. ``/floor/signed-in``: a therapist's session and user, and what the middleware does for them;
3. ``/floor/audited-read/<client>``: the access check on one client, with its audit event;
4. ``/floor/empty-page/<client>``: the page frame (base.html) with nothing in it;
5. ``/clients/<client>/``: the client page, the cheapest page of the mix, for comparison.

Rungs 2 to 4 are views of bench/floor_urls.py, served beside all of Kithkin's URLs by
bench/floor_settings.py; they call Kithkin's own access check and templates. The code measured is
a committed revision, checked out as bench/run.py does, on a small demo practice of this
benchmark's own (``var/bench/floor-<sha>.sqlite3``): the floor does not depend on its size.

For each rung: the CPU one request takes in one process (Django's test client, no HTTP), and
then the real server (``kithkin serve``: gunicorn, 2 workers x 4 threads, DEBUG off) driven by
wrk for ``--seconds`` on ``--connections`` connections: requests/s, p50, p95 and errors.
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cpu import Window, cpu_per_request
from measures import script
from run import ROOT, VAR, Source, bench_env, checkout, kithkin, machine, probe, run, say
from web import BenchError, Server, free_port

HERE = Path(__file__).resolve().parent
CPU_REPEAT = 200
WARMUP = 5
RUNGS = [
    ("/healthz", "/healthz", False),
    ("signed in", "/floor/signed-in", True),
    ("audited read", "/floor/audited-read/{client}", True),
    ("empty page", "/floor/empty-page/{client}", True),
    ("client page", "/clients/{client}/", True),
]
# wrk's own summary has no p95; this prints what the report needs as one JSON line.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, '
    .. '"errors": %d, "non_2xx": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


class Target:
    """The one database this benchmark uses, as run.py's bench_env takes it."""

    def __init__(self, path: Path):
        self.path = path
        self.url = f"sqlite:///{path}"


# --- in the revision's environment ---------------------------------------------------------
def prepare_in_bench_env() -> dict:
    """alice's browser session and one client of her caseload."""
    from django.test import Client as Browser

    from kithkin.accounts.models import User
    from kithkin.clients.models import Client

    alice = User.objects.get(practice__slug="demo", username="alice")
    client = (
        Client.objects.filter(
            therapy_relationships__therapist=alice, therapy_relationships__ended_on__isnull=True
        )
        .order_by("pk")
        .first()
    )
    browser = Browser()
    browser.force_login(alice)
    return {"sessionid": browser.cookies["sessionid"].value, "client": client.pk}


def cpu_in_bench_env(prepared: dict, repeat: int) -> dict:
    """Each rung answered ``repeat`` times in this process: the mean CPU ms of one request."""
    from django.test import Client as Browser

    found = {}
    for name, path, signed_in in RUNGS:
        browser = Browser(HTTP_HOST="127.0.0.1")
        if signed_in:
            browser.cookies["sessionid"] = prepared["sessionid"]
        url = path.format(client=prepared["client"])

        def send(browser=browser, url=url):
            answer = browser.get(url)
            if answer.status_code != 200:
                raise RuntimeError(f"{url}: {answer.status_code}")

        found[name] = cpu_per_request(send, warmup=WARMUP, repeat=repeat)
    return found


# --- in this process ------------------------------------------------------------------------
def build(target: Target, env: dict, source: Source) -> None:
    if target.path.exists():
        say(f"reusing {target.path.relative_to(ROOT)}")
        return
    say(f"building the demo practice in {target.path.relative_to(ROOT)}")
    run(kithkin("migrate", "--noinput"), env, "kithkin migrate", source)
    run(kithkin("demo", "--quiet"), env, "kithkin demo", source)


def in_bench_env(env: dict, source: Source, *args: str) -> dict:
    out = run(script("floor.py", *args), env, f"floor.py {args[0]}", source)
    return json.loads(out.splitlines()[-1])


def wrk(port: int, path: str, cookie: str | None, connections: int, seconds: float) -> dict:
    wrk_bin = shutil.which("wrk")
    if wrk_bin is None:
        raise BenchError("wrk is not installed (apt-get install -y wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(WRK_SCRIPT)
    # wrk gives up on an answer after 2 s by default and counts it an error; the load test
    # waits 30 s (bench/loadgen.py), so an error here is the server's, and slowness is in p99.
    argv = [wrk_bin, "-t2", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "30s"]
    argv += ["-s", lua.name]
    if cookie:
        argv += ["-H", f"Cookie: sessionid={cookie}"]
    argv.append(f"http://127.0.0.1:{port}{path}")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    finally:
        os.unlink(lua.name)
    if done.returncode != 0:
        raise BenchError(f"wrk failed: {done.stderr.strip()}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    return result


def measure(source: Source, args) -> dict:
    target = Target(VAR / f"floor-{source.short}.sqlite3")
    env = bench_env(target, source)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env["PYTHONPATH"]])
    env["DJANGO_SETTINGS_MODULE"] = "floor_settings"
    build(target, env, source)
    prepared = in_bench_env(env, source, "--prepare")
    say(f"the CPU of one request, in one process, {CPU_REPEAT} requests a rung")
    path = VAR / f"floor-prepared-{source.short}.json"
    path.write_text(json.dumps(prepared))
    cpu = in_bench_env(env, source, "--cpu", str(path))
    port = free_port()
    argv = kithkin("serve", "--host", "127.0.0.1", "--port", str(port))
    argv += ["--workers", "2", "--threads", "4"]
    log = VAR / f"serve-floor-{source.short}.log"
    rungs = []
    with Server(argv, env, log, port, cwd=source.root) as server:
        for name, template, signed_in in RUNGS:
            url = template.format(client=prepared["client"])
            cookie = prepared["sessionid"] if signed_in else None
            say(f"{name}: warming up, then wrk on {args.connections} connections")
            wrk(port, url, cookie, connections=4, seconds=3)
            window = Window(server.pid, set)
            window.start()
            load = wrk(port, url, cookie, args.connections, args.seconds)
            window.stop()
            rungs.append({"name": name, "path": url, **cpu[name], **load, "cpu": window.report()})
            say(
                f"{name}: {cpu[name]['mean_ms']} ms CPU; {load['rps']} req/s, p50 "
                f"{load['p50_ms']} ms, p95 {load['p95_ms']} ms, errors "
                f"{load['errors'] + load['non_2xx']}"
            )
    return {"rungs": rungs}


def print_report(report: dict) -> None:
    cores = report["machine"].get("nproc") or 1
    print(f"\nbench/floor.py at {report['source']['short']}, {report['date']}, {cores} cores")
    print(
        f"{'rung':<14} {'CPU ms':>7} {'ceiling':>8} {'req/s':>7} {'p50':>7} {'p95':>7}"
        f" {'errors':>6}  other work"
    )
    for r in report["rungs"]:
        other = r["cpu"].get("other_work_percent")
        print(
            f"{r['name']:<14} {r['mean_ms']:>7.2f} {cores * 1000 / r['mean_ms']:>8.0f}"
            f" {r['rps']:>7.1f} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f}"
            f" {r['errors'] + r['non_2xx']:>6}  {other}%"
        )
    print("ceiling: cores x 1,000 / CPU ms, before HTTP, gunicorn and the load generator")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="HEAD", metavar="REV", help="the revision to measure")
    parser.add_argument("--seconds", type=float, default=20, help="length of each rung's run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cpu", metavar="PREPARED", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare or args.cpu:
        import django

        django.setup()
        if args.cpu:
            print(json.dumps(cpu_in_bench_env(json.loads(Path(args.cpu).read_text()), CPU_REPEAT)))
        else:
            print(json.dumps(prepare_in_bench_env()))
        return 0
    try:
        source = checkout(args.source)
        source.features = probe(source)
        report = {
            "date": datetime.date.today().isoformat(),
            "source": {"rev": source.rev, "sha": source.sha, "short": source.short},
            "machine": machine(),
            "args": {"seconds": args.seconds, "connections": args.connections},
            **measure(source, args),
        }
    except BenchError as error:
        say(f"source {args.source}: FAILED: {error}")
        return 1
    results = VAR / f"floor-{source.short}.json"
    results.write_text(json.dumps(report, indent=2))
    print_report(report)
    say(f"results: {results.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
