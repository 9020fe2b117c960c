"""make bench-load: issue 10's load test, the real server under a mixed load on the large practice.

    .venv/bin/python bench/load.py [--source REV] [--only sqlite|postgresql]
        [--connections 8,16,32] [--seconds 60] [--writers 64] [--writer-seconds 120]
        [--therapists 8] [--responses 150000] [--wait-quiet S] [--rebuild] [--strict]

The targets, on SQLite: at least 400 requests/s with p95 <= 75 ms and no errors; on PostgreSQL
no errors; 64 concurrent writers for two minutes without one "database is locked".

The code measured is a committed revision, checked out as bench/run.py does, with databases of
this benchmark's own (``var/bench/load-<sha>.sqlite3``, ``<dbname>_<sha>_load``): the load
writes responses, which would change what the other benchmarks read. For SQLite and, when it
answers, PostgreSQL:

1. the large practice, built once as run.py builds it (``kithkin demo``, 10,000 clients,
   500,000 sessions), and reused; seeded once as bench/fhir_reads.py seeds it (an episode, a
   signed plan with goals, a check-in and a partner for every active client; feedback up to
   ``--responses``);
2. prepared (``--prepare``, in the revision's environment): for ``--therapists`` therapists
   (alice and the large practice's synthetic ones), their active clients with a goal and an
   attended session, two sphere maps of 20 people each made through the services, a browser
   session and an API token;
3. the real server (``kithkin serve``: gunicorn, 2 workers x 4 threads, DEBUG off) driven by
   this process with bench/loadgen.py (asyncio, closed loop): for each of ``--connections``, a
   60 s run of the mix (90% reads: the caseload, the client page, the sphere map, the plan, FHIR
   Patient, Encounter and Goal reads; 10% writes: a PHQ-9 or alliance response entered in the
   office form), each connection a therapist; then ``--writers`` connections that only write,
   for ``--writer-seconds``;
4. every answer's status checked (200, or 302 for a write), the server's log searched for
   "database is locked" and tracebacks, and ``kithkin audit verify`` run after the load;
5. a table per database, the targets marked PASS or MISS, var/bench/load-<sha>.json.

The per-token API rate limit would answer 429 within a second, so the server runs with
``KITHKIN_API_RATE=1000000/m``, as bench/fhir_reads.py does: the throttle still runs.
"""

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

import fhir_reads
from cpu import Window, cpu_per_request
from loadgen import HOST, MIX, WRITES_ONLY, agents_for, drive
from measures import script, stream, update_marker
from run import (
    DEFAULT_POSTGRES_URL,
    ROOT,
    VAR,
    Source,
    bench_env,
    build,
    checkout,
    database_targets,
    kithkin,
    machine,
    measure_databases,
    probe,
    quiet_machine,
    run,
    say,
    verdict,
    with_dbname,
    write_results,
)
from stats import summary
from web import BenchError, Server, free_port

TARGETS = {"throughput_rps": 400.0, "p95_ms": 75.0}
RATE = "1000000/m"
MAP_PEOPLE = 20
MAPS_PER_THERAPIST = 2
LOCKED = "database is locked"


def targets_for(source: Source, args) -> list:
    base = os.environ.get("KITHKIN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    short = source.short
    return database_targets(
        args.only,
        sqlite=(VAR / f"load-{short}.sqlite3", VAR / f"sqlite-load-{short}.built"),
        postgres=(
            args.postgres_url or with_dbname(base, f"{short}_load"),
            VAR / f"postgresql-load-{short}.built",
        ),
    )


# --- 2. the therapists the connections act as, in the revision's environment -------------------
def prepare_in_bench_env(therapists: int) -> dict:
    """Each therapist's caseload (clients with a goal and an attended session), two sphere maps
    made through the services (once), a browser session and a fresh API token."""
    from django.db.models import OuterRef, Subquery
    from django.test import Client as Browser
    from seed import seed_map

    from kithkin.accounts.models import User
    from kithkin.api.services import token_create
    from kithkin.clients.models import Client
    from kithkin.plans.models import Goal
    from kithkin.practices.models import Practice
    from kithkin.schedule.models import Session
    from kithkin.spheres.models import SphereMap

    practice = Practice.objects.get(slug="demo")
    # alice first (the caseload of 200), then the others: the large practice's synthetic
    # therapists, or bob in the small demo practice.
    users = [User.objects.get(practice=practice, username="alice")]
    users += list(
        User.objects.filter(practice=practice, role=User.Roles.THERAPIST, is_active=True)
        .exclude(username="alice")
        .order_by("username")
    )
    latest_session = Session.objects.filter(
        client=OuterRef("pk"), status=Session.Status.ATTENDED
    ).order_by("-starts_at", "-pk")
    first_goal = Goal.objects.filter(version__plan__client=OuterRef("pk")).order_by("pk")
    out = []
    for user in users:
        rows = (
            Client.objects.filter(
                therapy_relationships__therapist=user, therapy_relationships__ended_on__isnull=True
            )
            .annotate(
                session_id=Subquery(latest_session.values("pk")[:1]),
                goal_id=Subquery(first_goal.values("pk")[:1]),
            )
            .filter(session_id__isnull=False, goal_id__isnull=False)
            .order_by("pk")
            .values("pk", "session_id", "goal_id")
        )
        clients = [
            {"id": r["pk"], "session_id": r["session_id"], "goal_id": r["goal_id"]} for r in rows
        ]
        if not clients:
            continue  # nothing on their caseload the mix could open
        maps = []
        for client in clients[:MAPS_PER_THERAPIST]:
            found = SphereMap.objects.filter(client_id=client["id"]).order_by("pk").first()
            map_id = (
                found.pk
                if found
                else seed_map(Client.objects.get(pk=client["id"]), user, MAP_PEOPLE)
            )
            maps.append([client["id"], map_id])
        browser = Browser()
        browser.force_login(user)
        _, token = token_create(user=user, by=None, name="load test")
        out.append(
            {
                "username": user.username,
                "clients": clients,
                "maps": maps,
                "sessionid": browser.cookies["sessionid"].value,
                "token": token,
            }
        )
        print(f"{user.username}: {len(clients)} clients, maps {maps}", file=sys.stderr, flush=True)
        if len(out) == therapists:
            break
    if not out:
        raise RuntimeError("no therapist has an active client with a plan and a session")
    return {"therapists": out}


def prepare(target, env: dict, source: Source, args) -> dict:
    say(f"{target.label}: preparing {args.therapists} therapists' sessions, tokens and maps")
    argv = script("load.py", "--prepare", "--therapists", str(args.therapists))
    return json.loads(stream(argv, env, "the preparation", source, target.label).splitlines()[-1])


# --- 2b. what each route costs the server, in the revision's environment ----------------------
CPU_REPEAT = 40


def cpu_in_bench_env(prepared: dict, repeat: int) -> dict:
    """Each route of the mix answered in this process, one after another, by Django's test
    client: the CPU it takes (this process's, so SQLite's work too, but not a PostgreSQL
    server's), without HTTP, gunicorn or the load generator. The weighted mean bounds what
    the machine can serve: at best its cores x 1,000 / mean ms requests a second."""
    import random

    from django.test import Client as Browser

    agent = agents_for(prepared, 1)[0]
    rng = random.Random(0)
    routes = {}
    for route in MIX:
        # The host the server is reached at, which every installation allows.
        browser = Browser(HTTP_HOST=HOST)
        browser.cookies["sessionid"] = agent.cookies["sessionid"]
        # Built before the timing starts, so only the answer is timed.
        built = iter([route.build(agent, rng) for _ in range(3 + repeat)])

        def send(route=route, browser=browser, built=built):
            method, path, headers, body = next(built)
            extra = {
                f"HTTP_{name.upper().replace('-', '_')}": value
                for name, value in headers.items()
                if name not in ("Cookie", "Content-Type")
            }
            answer = browser.generic(
                method,
                path,
                body,
                content_type=headers.get("Content-Type", "application/octet-stream"),
                **extra,
            )
            if answer.status_code != route.expect:
                raise RuntimeError(f"{route.name} {path}: {answer.status_code}")

        # three to warm each route's code and caches
        timed = cpu_per_request(send, warmup=3, repeat=repeat)
        routes[route.name] = {"weight": route.weight, **timed}
    weights = sum(r["weight"] for r in routes.values())
    mean = sum(r["weight"] * r["mean_ms"] for r in routes.values()) / weights
    cores = os.cpu_count() or 1
    return {
        "repeat": repeat,
        "routes": routes,
        "weighted_mean_ms": round(mean, 2),
        "cores": cores,
        "ceiling_rps": round(cores * 1000 / mean, 1),
    }


def cpu_per_route(target, env: dict, source: Source, prepared: dict) -> dict:
    say(f"{target.label}: the CPU each route takes, in one process, {CPU_REPEAT} requests each")
    path = VAR / f"load-prepared-{target.name}-{source.short}.json"
    path.write_text(json.dumps(prepared))
    argv = script("load.py", "--cpu", str(path))
    out = stream(argv, env, "the CPU per route", source, target.label)
    found = json.loads(out.splitlines()[-1])
    say(
        f"{target.label}: weighted mean {found['weighted_mean_ms']} ms of CPU a request: at "
        f"most {found['ceiling_rps']} req/s on {found['cores']} cores before HTTP and the load"
    )
    return found


# --- 3 and 4. the real server under load --------------------------------------------------------
def figures(load: dict, connections: int) -> dict:
    every = [ms for values in load["latencies"].values() for ms in values]
    writes = load["latencies"].get("submit response", [])
    answered = len(every) + sum(load["errors"].values())
    return {
        "connections": connections,
        "seconds": round(load["seconds"], 1),
        "requests": answered,
        "throughput_rps": round(answered / load["seconds"], 1),
        "latency": summary(every),
        "write_share": round(len(writes) / len(every), 3) if every else None,
        "routes": {name: summary(values) for name, values in sorted(load["latencies"].items())},
        "errors": load["errors"],
        "error_samples": load["error_samples"],
    }


def log_findings(log_text: str) -> dict:
    return {
        "database_is_locked": log_text.count(LOCKED),
        "tracebacks": log_text.count("Traceback (most recent call last)"),
    }


def measure_server(target, env: dict, source: Source, args, prepared: dict) -> dict:
    before = quiet_machine(target, args.wait_quiet)
    port = free_port()
    argv = kithkin("serve", "--host", "127.0.0.1", "--port", str(port))
    argv += ["--workers", "2", "--threads", "4"]
    log = VAR / f"serve-load-{target.name}-{source.short}.log"
    say(f"{target.label}: starting kithkin serve on port {port} (log: {log.relative_to(ROOT)})")
    results = {"before": before, "mix": [], "writers": None}
    with Server(argv, env, log, port, cwd=source.root) as server:
        say(f"{target.label}: warming up: 10 s of the mix on 8 connections, not counted")
        drive(port, agents_for(prepared, 8), routes=MIX, seconds=10, seed=0)
        for connections in args.connections:
            say(f"{target.label}: the mix on {connections} connections for {args.seconds:.0f} s")
            window = Window(server.pid, target.backend_pids)
            window.start()
            load = drive(port, agents_for(prepared, connections), routes=MIX, seconds=args.seconds)
            window.stop()
            result = {**figures(load, connections), "cpu_window": window.report()}
            say(
                f"{target.label}: {result['throughput_rps']} req/s, p95 "
                f"{result['latency'].get('p95')} ms, errors {sum(result['errors'].values())}"
            )
            results["mix"].append(result)
        if args.writers:
            say(
                f"{target.label}: {args.writers} writers for {args.writer_seconds:.0f} s, "
                "nothing but responses"
            )
            window = Window(server.pid, target.backend_pids)
            window.start()
            load = drive(
                port,
                agents_for(prepared, args.writers),
                routes=WRITES_ONLY,
                seconds=args.writer_seconds,
                seed=7,
                timeout=60,
            )
            window.stop()
            results["writers"] = {**figures(load, args.writers), "cpu_window": window.report()}
            say(
                f"{target.label}: writers: {results['writers']['throughput_rps']} writes/s, p95 "
                f"{results['writers']['latency'].get('p95')} ms, errors "
                f"{sum(results['writers']['errors'].values())}"
            )
    say(f"{target.label}: server stopped")
    results["log"] = log_findings(log.read_text(errors="replace"))
    started = time.perf_counter()
    out = run(kithkin("audit", "verify"), env, "kithkin audit verify", source)
    results["audit_verify"] = {
        "ok": True,
        "seconds": round(time.perf_counter() - started, 1),
        "said": out.strip().splitlines()[-1] if out.strip() else "",
    }
    return results


# --- 5. the report ------------------------------------------------------------------------------
def bench_one(target, source: Source, args) -> dict:
    env = bench_env(target, source)
    env["KITHKIN_API_RATE"] = RATE
    built = build(target, env, source, rebuild=args.rebuild)
    seeded = fhir_reads.seed(target, env, source, args, built)
    prepared = prepare(target, env, source, args)
    update_marker(
        target, "load_prepared_at", {"at": datetime.datetime.now(datetime.UTC).isoformat()}
    )
    cpu = cpu_per_route(target, env, source, prepared)
    server = measure_server(target, env, source, args, prepared)
    server["cpu_per_route"] = cpu
    return {
        "label": target.label,
        "build": {k: built.get(k) for k in ("clients", "sessions", "reused", "demo_seconds")},
        "responses": seeded.get("responses"),
        "therapists": [
            {"username": t["username"], "clients": len(t["clients"])}
            for t in prepared["therapists"]
        ],
        **server,
        "targets": judge(target, server),
    }


def judge(target, server: dict) -> list[dict]:
    checks = []
    best = max(server["mix"], key=lambda r: r["throughput_rps"], default=None)
    for result in server["mix"]:
        errors = sum(result["errors"].values())
        checks.append(
            {
                "what": f"the mix on {result['connections']} connections: no errors",
                "value": errors,
                "verdict": verdict(errors == 0),
            }
        )
    if target.name == "sqlite" and best is not None:
        fast = [r for r in server["mix"] if r["latency"].get("p95", 1e9) <= TARGETS["p95_ms"]]
        top = max(fast, key=lambda r: r["throughput_rps"], default=None)
        checks.append(
            {
                "what": "at least 400 req/s with p95 <= 75 ms",
                "value": (
                    f"{top['throughput_rps']} req/s at p95 {top['latency']['p95']} ms "
                    f"({top['connections']} connections)"
                    if top
                    else f"no run had p95 <= 75 ms; the fastest: {best['throughput_rps']} req/s"
                ),
                "verdict": verdict(top is not None and top["throughput_rps"] >= 400),
            }
        )
    writers = server.get("writers")
    if writers is not None:
        errors = sum(writers["errors"].values())
        checks.append(
            {
                "what": f"{writers['connections']} writers: no errors",
                "value": errors,
                "verdict": verdict(errors == 0),
            }
        )
    locked = server["log"]["database_is_locked"]
    checks.append(
        {
            "what": '"database is locked" in the log',
            "value": locked,
            "verdict": verdict(locked == 0),
        }
    )
    return checks


def print_report(result: dict) -> None:
    print(f"\n== {result['label']}: {result['build']['clients']:,} clients ==")
    cpu = result.get("cpu_per_route")
    if cpu:
        print(
            f"CPU a request, in one process: weighted mean {cpu['weighted_mean_ms']} ms, so at "
            f"most {cpu['ceiling_rps']} req/s on {cpu['cores']} cores"
        )
        for name, r in cpu["routes"].items():
            print(f"           {name:16} weight {r['weight']:3}  mean {r['mean_ms']:6.1f} ms")
    for run_ in [*result["mix"], *([result["writers"]] if result["writers"] else [])]:
        kind = "mix" if run_ is not result["writers"] else "writers"
        cpu = (run_.get("cpu_window") or {}).get("other_work_percent")
        print(
            f"{kind:8} {run_['connections']:3} conn: {run_['throughput_rps']:7.1f} req/s  "
            f"p50 {run_['latency'].get('p50', 0):7.1f}  p95 {run_['latency'].get('p95', 0):7.1f}  "
            f"p99 {run_['latency'].get('p99', 0):7.1f} ms  errors {sum(run_['errors'].values())}"
            f"  other work {cpu}%"
        )
        for name, s in run_["routes"].items():
            print(f"           {name:16} n {s['n']:6}  p50 {s['p50']:7.1f}  p95 {s['p95']:7.1f} ms")
        for sample in run_["error_samples"]:
            print(f"           error: {sample}")
    print(f"log: {result['log']}; audit verify: {result['audit_verify']}")
    for check in result["targets"]:
        print(f"{check['verdict']:5} {check['what']}: {check['value']}")


def bench_source(source: Source, args) -> tuple[dict, list]:
    source.features = probe(source)
    say(f"source {source.describe()}: kithkin imported from the worktree")
    report = {
        "date": datetime.date.today().isoformat(),
        "source": {"rev": source.rev, "sha": source.sha, "short": source.short},
        "machine": machine(),
        "targets": TARGETS,
        "args": {
            "connections": args.connections,
            "seconds": args.seconds,
            "writers": args.writers,
            "writer_seconds": args.writer_seconds,
            "therapists": args.therapists,
        },
        "databases": {},
        "errors": {},
    }
    measure_databases(report, targets_for(source, args), source, args, bench_one, print_report)
    missed = write_results(report, VAR / f"load-{source.short}.json", args.only)
    return report, missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="HEAD", metavar="REV", help="the revision to measure")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--postgres-url", help="the PostgreSQL database to use, as given")
    parser.add_argument(
        "--connections",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[8, 16, 32],
        help="connection counts of the mixed runs, comma-separated (default 8,16,32)",
    )
    parser.add_argument("--seconds", type=float, default=60, help="length of each mixed run")
    parser.add_argument("--writers", type=int, default=64, help="writer connections (0: none)")
    parser.add_argument("--writer-seconds", type=float, default=120)
    parser.add_argument("--therapists", type=int, default=8, help="therapists the load acts as")
    parser.add_argument(
        "--responses", type=int, default=150_000, help="feedback the practice holds"
    )
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the large practice")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cpu", metavar="PREPARED", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare or args.cpu:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kithkin.settings")
        import django

        django.setup()
        if args.cpu:
            prepared = json.loads(Path(args.cpu).read_text())
            print(json.dumps(cpu_in_bench_env(prepared, CPU_REPEAT)))
        else:
            print(json.dumps(prepare_in_bench_env(args.therapists)))
        return 0
    try:
        source = checkout(args.source)
        report, missed = bench_source(source, args)
    except BenchError as error:
        say(f"source {args.source}: FAILED: {error}")
        return 1
    if report["errors"]:
        return 1
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
