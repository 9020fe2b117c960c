"""make bench-export: issue 7's bulk $export target, >= 3,000 resources/s on one core, and its
memory at two practice sizes (it must stay flat).

    .venv/bin/python bench/export.py [--sizes 1000,4000] [--sessions-per-client 20]
        [--only sqlite|postgresql] [--cpu N]

Unlike run.py this measures the working tree (src/ as it is), not a committed revision. For
each size and database (SQLite ``var/bench/export-<size>.sqlite3``; PostgreSQL
``helper_exportbench``, or KITHKIN_BENCH_EXPORT_POSTGRES_URL, rebuilt for each size):

1. the practice, built as run.py builds the large one, smaller: ``kithkin migrate`` and
   ``kithkin demo --clients N --sessions M`` (bulk, seeded, synthetic), then feedback by
   bench/measures_seed.py (an episode per client, PHQ-9, GAD-7 and alliance responses with
   their answers, two per client), then ANALYZE;
2. a child process, pinned to one CPU, runs the whole export (every type) exactly as the huey
   task does (``export_start`` then ``export_run``), timing where the time goes: loading and
   building (fhir.resources validates each resource as it is built, and the dict it accepted
   is what is written), the release guard (which validates again only what it changed), and
   writing;
3. the parent reads the child's peak RSS (ru_maxrss from wait4) and prints resources/s per
   database and size, and the peak RSS of both sizes side by side.
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time

from run import KITHKIN_VAR, ROOT, VAR, database_targets, kithkin, machine, say, with_dbname

TARGET_PER_SECOND = 3000.0
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/helper_exportbench"
EXPORTER = "bench-exporter"


def env_for(target) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    env["KITHKIN_VAR_DIR"] = str(KITHKIN_VAR)
    env["DJANGO_SETTINGS_MODULE"] = "kithkin.settings"
    env["PYTHONUNBUFFERED"] = "1"
    env["KITHKIN_DATABASE_URL"] = target.url
    env["KITHKIN_DEBUG"] = "0"  # DEBUG keeps every query in memory
    return env


def call(argv: list[str], env: dict, what: str) -> str:
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        raise SystemExit(f"{what} failed with exit code {done.returncode}:\n{tail}")
    return done.stdout


def build(target, clients: int, sessions: int, *, reuse: bool) -> dict:
    env = env_for(target)
    wanted = {"url": target.url, "clients": clients, "sessions": sessions}
    if reuse:
        with contextlib.suppress(OSError, ValueError):
            marker = json.loads(target.marker.read_text())
            if {k: marker.get(k) for k in wanted} == wanted and target.counts():
                return {"build_seconds": marker["build_seconds"], "reused": True}
    target.reset()
    started = time.perf_counter()
    call(kithkin("migrate", "--noinput"), env, "kithkin migrate")
    demo = ["demo", "--clients", str(clients), "--sessions", str(sessions), "--quiet"]
    call(kithkin(*demo), env, "kithkin demo")
    seed = [sys.executable, str(ROOT / "bench" / "measures_seed.py")]
    call([*seed, "--responses", str(2 * clients)], env, "measures_seed.py")
    target.after_build()
    built = {"build_seconds": round(time.perf_counter() - started, 1)}
    target.marker.write_text(json.dumps({**wanted, **built}) + "\n")
    return built


def measure(target, cpu: int) -> dict:
    """The export in a child of its own, so its ru_maxrss is the export's alone."""
    argv = [sys.executable, str(ROOT / "bench" / "export.py"), "--child", "--cpu", str(cpu)]
    proc = subprocess.Popen(  # noqa: S603
        argv, env=env_for(target), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    # wait4 gives this child's own rusage (RUSAGE_CHILDREN would mix in the builds').
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"the export child failed:\n{err.decode()[-3000:]}")
    result = json.loads(out)
    result["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)  # Linux: kilobytes
    return result


# --- the child ----------------------------------------------------------------------------------
def child(cpu: int) -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {cpu})  # one core, as the target says
    import django

    django.setup()
    from django.db import connection

    from kithkin.accounts.models import User
    from kithkin.clients.models import Client
    from kithkin.fhir import export
    from kithkin.practices.models import Practice

    practice = Practice.objects.get(slug="demo")
    user, _ = User.objects.update_or_create(
        username=EXPORTER,
        defaults={"role": "admin", "practice": practice, "may_bulk_export": True},
    )
    timers = {"guard": 0.0, "write": 0.0}
    # A revision from before released_json (the guard's texts) times released_dicts instead.
    guard_name = "released_json" if hasattr(export, "released_json") else "released_dicts"
    released, write = getattr(export, guard_name), export._Writer.write

    def timed_released(resources, **kwargs):
        started = time.perf_counter()
        try:
            return released(resources, **kwargs)
        finally:
            timers["guard"] += time.perf_counter() - started

    def timed_write(self, *resource):
        started = time.perf_counter()
        write(self, *resource)
        timers["write"] += time.perf_counter() - started

    setattr(export, guard_name, timed_released)
    export._Writer.write = timed_write
    job = export.export_start(user=user, types=list(export.EXPORT_TYPES), request_url="bench")
    started = time.perf_counter()
    cpu_started = time.process_time()
    job = export.export_run(job.pk)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    if job.status != "completed":
        raise SystemExit(f"the export ended {job.status}: {job.error}")
    resources = sum(job.counts.values())
    size = sum(p.stat().st_size for p in export.job_dir(job).iterdir())
    export.remove_files(job)
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "clients": Client.objects.filter(practice=practice).count(),
                "resources": resources,
                "counts": job.counts,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu_seconds, 2),
                "per_second": round(resources / seconds),
                "bytes": size,
                # Load and build (with the builders' validation) is what the other two leave.
                "guard_seconds": round(timers["guard"], 2),
                "write_seconds": round(timers["write"], 2),
                "load_and_build_seconds": round(seconds - timers["guard"] - timers["write"], 2),
            }
        )
    )


# --- the parent ---------------------------------------------------------------------------------
def targets_for(only: str | None, size: int) -> list:
    url = os.environ.get("KITHKIN_BENCH_EXPORT_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    return database_targets(
        only,
        sqlite=(VAR / f"export-{size}.sqlite3", VAR / f"sqlite-export-{size}.built"),
        # One database per size, as for SQLite: a shared one would hold the larger size's rows.
        postgres=(with_dbname(url, f"export_{size}"), VAR / f"postgresql-export-{size}.built"),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000", help="clients, comma-separated")
    parser.add_argument("--sessions-per-client", type=int, default=20)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--cpu", type=int, default=0, help="the CPU the export runs on")
    parser.add_argument(
        "--rebuild", action="store_true", help="build the practices again even if they are there"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.cpu)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    info = machine()
    # run.py measures a committed revision; this measures the working tree as it is.
    info["working_tree"] = info["working_tree"].replace(" (src/ modified, not measured)", "")
    info["measured"] = "the working tree"
    say(f"machine: {json.dumps(info)}")
    results = []
    for size in sizes:
        for target in targets_for(args.only, size):
            say(f"{target.label}: building {size:,} clients at {target.describe()}")
            built = build(target, size, size * args.sessions_per_client, reuse=not args.rebuild)
            say(f"{target.label}: built in {built['build_seconds']} s; exporting on CPU {args.cpu}")
            result = {"label": target.label, "size": size, **built, **measure(target, args.cpu)}
            say(f"{target.label}: {json.dumps(result)}")
            results.append(result)
    print()
    print(
        f"{'database':<11} {'clients':>8} {'resources':>10} {'s':>7} {'res/s':>7} "
        f"{'build+valid s':>13} {'guard s':>8} {'write s':>8} {'peak RSS MiB':>12}  target"
    )
    for r in results:
        ok = "PASS" if r["per_second"] >= TARGET_PER_SECOND else "MISS"
        print(
            f"{r['label']:<11} {r['clients']:>8,} {r['resources']:>10,} {r['seconds']:>7} "
            f"{r['per_second']:>7,} {r['load_and_build_seconds']:>13} {r['guard_seconds']:>8} "
            f"{r['write_seconds']:>8} {r['peak_rss_mib']:>12}  {ok} (>= {TARGET_PER_SECOND:,.0f}/s)"
        )
    (VAR / "export.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
