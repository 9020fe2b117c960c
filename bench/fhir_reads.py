"""make bench-fhir: issue 7's FHIR targets on a 10,000-client practice.

    .venv/bin/python bench/fhir_reads.py [--source REV] [--only sqlite|postgresql]
        [--postgres-url URL] [--responses 1000000] [--requests 300] [--wait-quiet S]
        [--retry-noisy N] [--rebuild] [--strict] [--profile]

The targets: a FHIR read answers with p95 <= 20 ms; ``Patient/{id}/$everything`` for a client
with 300 sessions with p95 <= 300 ms, both through the real server with a Bearer token.

The code measured is a committed revision, checked out as bench/run.py does, with databases of
this benchmark's own (``var/bench/fhir-<sha>.sqlite3``, ``<dbname>_<sha>_fhir`` or
``--postgres-url`` as given): what is seeded here would otherwise change what the other
benchmarks read. For SQLite and, when it answers, PostgreSQL:

1. the large practice, built once as run.py builds it (``kithkin demo``, 10,000 clients,
   500,000 sessions), and reused;
2. seeded once, in bulk, by this script run in the revision's environment (``--seed``), with
   bench/seed.py's and bench/measures_seed.py's own functions: every active client an episode,
   a signed plan with three goals, a check-in and an informed partner; a client of alice's
   with 300 sessions, to whom a partner in joint sessions and an unaware one are added; an
   episode for every other client; feedback up to ``--responses``; then ANALYZE;
3. the SQL of each request counted in-process (``--capture``, django.test.Client), its first
   time there (cold: the validation memo of ``kithkin.fhir.valid`` emptied first) and 20 more,
   and with ``--profile`` a cProfile of ``$everything`` printed;
4. the real server (``kithkin serve``, 2 workers x 4 threads): ``--requests`` sequential GETs
   of ``Patient/{id}``, ``Encounter/{id}`` and ``Patient/{id}/$everything`` with alice's token,
   after 20 warm-up each;
5. a table per database, the targets marked PASS or MISS, var/bench/fhir-<sha>.json.

The per-token rate limit (600/min by default) would answer 429 within a second of sequential
GETs, so the server runs with ``KITHKIN_API_RATE=1000000/m``: the throttle still runs on every
request, at its usual cost.
"""

import argparse
import datetime
import json
import os
import sys
import time

from cpu import Window
from measures import script, stream, update_marker
from run import (
    DEFAULT_POSTGRES_URL,
    ROOT,
    VAR,
    WARMUP,
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
    quietest,
    run,
    say,
    verdict,
    with_dbname,
    write_results,
)
from stats import summary
from web import BenchError, Browser, Server, free_port, sequential

TARGETS = {"read_p95_ms": 20.0, "everything_p95_ms": 300.0}
RESPONSES = 1_000_000
THERAPIST = "alice"
TIMELINE_SESSIONS = 300
BASE = "/fhir/R4/"
RATE = "1000000/m"
EVERYTHING_INPROCESS = 3  # in-process $everything calls timed, beside the server's


# --- the databases -------------------------------------------------------------------------------
def targets_for(source: Source, args) -> list:
    base = os.environ.get("KITHKIN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    short = source.short
    return database_targets(
        args.only,
        sqlite=(VAR / f"fhir-{short}.sqlite3", VAR / f"sqlite-fhir-{short}.built"),
        postgres=(
            args.postgres_url or with_dbname(base, f"{short}_fhir"),
            VAR / f"postgresql-fhir-{short}.built",
        ),
    )


# --- 2. the seed, run in the revision's environment ---------------------------------------------
def seed_in_bench_env(responses: int) -> dict:
    """Plans, partners, the 300-session client and feedback; idempotent (a second run adds
    nothing). Runs with django set up for the revision and bench/ on sys.path."""
    from django.db import connection, transaction
    from measures_seed import seed_episodes, seed_responses
    from seed import analyse, seed_caseload, seed_timeline

    from kithkin.accounts.models import User
    from kithkin.clients.models import Client, Person
    from kithkin.measures.models import Response
    from kithkin.partners.models import TherapyPartner
    from kithkin.plans.models import Goal, PlanVersion
    from kithkin.practices.models import Practice

    practice = Practice.objects.get(slug="demo")
    started = time.perf_counter()
    result = {"episodes_with_plans": 0}
    for therapist in User.objects.filter(practice=practice, role=User.Roles.THERAPIST).order_by(
        "pk"
    ):
        result["episodes_with_plans"] += seed_caseload(therapist) or 0
    say_err(f"plans and partners: {result['episodes_with_plans']:,} episodes with a plan")
    alice = User.objects.get(practice=practice, username=THERAPIST)
    alexis = Client.objects.get(practice=practice, given_name="Alexis")
    timeline = Client.objects.get(pk=seed_timeline(alice, skip=alexis.pk))
    # The partners a release must tell apart: one in joint sessions, one who must not know.
    for name, role, involvement in (
        ("Bench mother", "mother", "joint_sessions"),
        ("Bench roommate", "roommate", "unaware"),
    ):
        if not timeline.people.filter(name=name).exists():
            with transaction.atomic():
                person = Person.objects.create(
                    practice=practice, client=timeline, name=name, role=role
                )
                TherapyPartner.objects.create(
                    practice=practice, person=person, involvement=involvement
                )
    result["episodes_added"] = seed_episodes(practice)
    have = Response.objects.filter(practice=practice).count()
    if have < responses:
        result.update(seed_responses(practice, responses - have))
    analyse()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["timeline_client_id"] = timeline.pk
    result["timeline_sessions"] = timeline.sessions.count()
    result["timeline_responses"] = Response.objects.filter(client=timeline).count()
    result["timeline_partners"] = sorted(
        TherapyPartner.objects.filter(person__client=timeline).values_list("involvement", flat=True)
    )
    result["encounter_id"] = timeline.sessions.order_by("-starts_at").first().pk
    # A goal and a plan version of the same client: reads that once built the whole record.
    version = PlanVersion.objects.filter(plan__client=timeline).order_by("-pk").first()
    result["care_plan_id"] = version.pk if version else None
    goal = Goal.objects.filter(version__plan__client=timeline).order_by("pk").first()
    result["goal_id"] = goal.pk if goal else None
    result["responses"] = Response.objects.filter(practice=practice).count()
    return result


def say_err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def seed(target, env: dict, source: Source, args, built: dict) -> dict:
    earlier = built.get("fhir_seed")
    if earlier and earlier.get("responses", 0) >= args.responses:
        say(f"{target.label}: reusing the FHIR seed of {earlier['at']} ({earlier['seconds']} s)")
        return {**earlier, "reused": True}
    say(f"{target.label}: seeding plans, partners, the 300-session client and feedback")
    argv = script("fhir_reads.py", "--seed", "--responses", str(args.responses))
    out = json.loads(stream(argv, env, "the FHIR seed", source, target.label).splitlines()[-1])
    target.after_build()
    out["at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    update_marker(target, "fhir_seed", out)
    say(
        f"{target.label}: seeded in {out['seconds']:.0f} s; client {out['timeline_client_id']} "
        f"has {out['timeline_sessions']} sessions, {out['timeline_responses']} responses, "
        f"partners {out['timeline_partners']}"
    )
    return {**out, "reused": False}


# --- 3. the SQL of each request, in-process ------------------------------------------------------
def _recording(log: list):
    def wrapper(execute, sql, params, many, context):
        log.append(sql)
        return execute(sql, params, many, context)

    return wrapper


def capture_in_bench_env(paths: list[str], profile: bool, repeat: int) -> dict:
    """Queries per request through django.test.Client with alice's token, and ``repeat``
    timed calls of each (of the last, the $everything, as many as --everything-requests
    allows); with ``profile`` a cProfile of one more $everything goes to stderr."""
    from django.db import connection
    from django.test import Client

    from kithkin.accounts.models import User
    from kithkin.api.services import token_create

    alice = User.objects.get(practice__slug="demo", username=THERAPIST)
    secret = token_create(user=alice, by=None)[1]
    browser = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    result = {}
    try:
        from kithkin.fhir.valid import forget
    except ImportError:  # a revision from before the validation memo
        forget = None
    for path in paths:
        if forget is not None:
            forget()
        # Timed alone: the first request of a path is the cold one, with nothing in the
        # validation memo (and, for the first path, the imports and the connection).
        started = time.perf_counter()
        browser.get(path)
        first_ms = (time.perf_counter() - started) * 1000
        captured = []
        # A wrapper, not CaptureQueriesContext: with DEBUG off its log came back empty here,
        # while every execute passes a wrapper.
        with connection.execute_wrapper(_recording(captured)):
            response = browser.get(path)
        if response.status_code != 200:
            raise SystemExit(f"in-process GET {path} answered {response.status_code}")
        timings = []
        for _ in range(repeat if path != paths[-1] else max(1, min(repeat, EVERYTHING_INPROCESS))):
            started = time.perf_counter()
            browser.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        result[path] = {
            "queries": len(captured),
            "sql": captured,
            "bytes": len(response.content),
            "inprocess": summary(timings),
            "inprocess_first_ms": round(first_ms, 2),
        }
    if profile:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        browser.get(paths[-1])
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        say_err(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        say_err(out.getvalue())
    return result


# --- 4. the real server --------------------------------------------------------------------------
class BearerBrowser(Browser):
    """A keep-alive client that sends a Bearer token, never a cookie."""

    def __init__(self, port: int, token: str):
        super().__init__(port)
        self.token = token

    def request(self, method, path, *, body=None, headers=None):
        sent = {"Accept": "application/fhir+json", "Authorization": f"Bearer {self.token}"}
        return super().request(method, path, body=body, headers={**sent, **(headers or {})})


def measure_server(target, env: dict, source: Source, args, paths: dict) -> tuple[dict, dict]:
    before = quiet_machine(target, args.wait_quiet)
    token = run(kithkin("token", "create", "--user", THERAPIST), env, "a token", source)
    token = token.strip().splitlines()[-1]
    port = free_port()
    argv = kithkin("serve", "--host", "127.0.0.1", "--port", str(port))
    argv += ["--workers", "2", "--threads", "4"]
    log = VAR / f"serve-fhir-{target.name}-{source.short}.log"
    say(f"{target.label}: starting kithkin serve on port {port} (log: {log.relative_to(ROOT)})")
    results = {"before": before}
    with Server(argv, env, log, port, cwd=source.root) as server:
        window = Window(server.pid, target.backend_pids)
        browser = BearerBrowser(port, token)
        try:
            window.start()
            for name, path in paths.items():
                count = args.everything_requests if name == "everything" else args.requests
                # A $everything that takes seconds cannot be warmed 20 times in a run.
                warmup = WARMUP if count >= 100 else max(1, count // 5)
                say(f"{target.label}: {warmup} + {count} sequential GETs of {path}")
                timings = sequential(browser, path, count=count, warmup=warmup)
                results[name] = {"path": path, "latency": summary(timings)}
            window.stop()
        finally:
            browser.close()
    say(f"{target.label}: server stopped")
    before["load_average_after"] = round(os.getloadavg()[0], 2)
    return results, window.report()


# --- 5. the report -------------------------------------------------------------------------------
def bench_one(target, source: Source, args) -> dict:
    env = bench_env(target, source)
    env["KITHKIN_API_RATE"] = RATE
    built = build(target, env, source, rebuild=args.rebuild)
    seeded = seed(target, env, source, args, built)
    client_id = seeded["timeline_client_id"]
    paths = {
        "patient": f"{BASE}Patient/{client_id}",
        "encounter": f"{BASE}Encounter/{seeded['encounter_id']}",
        "goal": f"{BASE}Goal/{seeded['goal_id']}",
        "care_plan": f"{BASE}CarePlan/{seeded['care_plan_id']}",
        "everything": f"{BASE}Patient/{client_id}/$everything",
    }
    argv = script("fhir_reads.py", "--capture", *paths.values())
    if args.profile:
        argv.append("--profile")
    captured = json.loads(
        stream(argv, env, "the in-process capture", source, target.label).splitlines()[-1]
    )
    served, cpu, attempts = quietest(
        target,
        "measuring the server",
        lambda: measure_server(target, env, source, args, paths),
        args,
    )
    requests = {
        name: {**served[name], **captured[path], "sql": captured[path]["sql"]}
        for name, path in paths.items()
    }
    result = {
        "source": source.short,
        "database": target.label,
        "where": target.describe(),
        "server_version": target.server_version(),
        "build": {k: v for k, v in built.items() if not k.startswith(("fhir_", "measures_"))},
        "seeded": seeded,
        "requests": requests,
        "machine_before_server": served["before"],
        "cpu_during_server": cpu,
        "attempts": attempts,
    }
    result["targets"] = [
        {
            "target": label,
            "value": requests[name]["latency"]["p95"],
            "unit": "ms",
            "verdict": verdict(requests[name]["latency"]["p95"] <= limit),
        }
        for label, name, limit in (
            ("FHIR read Patient/{id}, p95 <= 20 ms", "patient", TARGETS["read_p95_ms"]),
            ("FHIR read Encounter/{id}, p95 <= 20 ms", "encounter", TARGETS["read_p95_ms"]),
            ("FHIR read Goal/{id}, p95 <= 20 ms", "goal", TARGETS["read_p95_ms"]),
            ("FHIR read CarePlan/{id}, p95 <= 20 ms", "care_plan", TARGETS["read_p95_ms"]),
            (
                f"$everything ({seeded['timeline_sessions']} sessions), p95 <= 300 ms",
                "everything",
                TARGETS["everything_p95_ms"],
            ),
        )
    ]
    return result


def print_report(result: dict) -> None:
    seeded = result["seeded"]
    print(
        f"\n== {result['source']} on {result['database']} {result['server_version']} "
        f"({result['where']}) =="
    )
    print(
        f"large practice: {result['build']['clients']:,} clients, "
        f"{result['build']['sessions']:,} sessions; {seeded['responses']:,} responses; "
        f"client {seeded['timeline_client_id']}: {seeded['timeline_sessions']} sessions, "
        f"{seeded['timeline_responses']} responses, partners {seeded['timeline_partners']}"
    )
    header = f"{'ms':<44}{'min':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'n':>6}{'queries':>9}{'KiB':>8}"
    print(header)
    print("-" * len(header))
    for figures in result["requests"].values():
        lat, inproc = figures["latency"], figures["inprocess"]
        print(
            f"{figures['path']:<44}{lat['min']:>8.2f}{lat['p50']:>8.2f}{lat['p95']:>8.2f}"
            f"{lat['p99']:>8.2f}{lat['n']:>6}{figures['queries']:>9}{figures['bytes'] / 1024:>8.0f}"
        )
        print(
            f"{'  in-process (django.test.Client)':<44}{inproc['min']:>8.2f}{inproc['p50']:>8.2f}"
            f"{inproc['p95']:>8.2f}{inproc['p99']:>8.2f}{inproc['n']:>6}"
        )
        if "inprocess_first_ms" in figures:
            print(f"{'  in-process, first (cold memo)':<44}{figures['inprocess_first_ms']:>8.2f}")
    before, window = result["machine_before_server"], result["cpu_during_server"]
    line = f"before measuring: CPUs {before.get('cpu_busy_percent')}% busy with other work"
    if window:
        line += (
            f"; during it ({window['seconds']:.0f} s) other work used "
            f"{window['other_work_percent']}% of the {window['cpus']} CPUs"
        )
    print(line)
    print("targets:")
    for check in result["targets"]:
        print(f"  {check['verdict']}  {check['target']:<56} {check['value']:8.2f} {check['unit']}")


def bench_source(source: Source, args) -> tuple[dict, list]:
    source.features = probe(source)
    say(f"source {source.describe()}: kithkin imported from the worktree")
    report = {
        "date": datetime.date.today().isoformat(),
        "source": {"rev": source.rev, "sha": source.sha, "short": source.short},
        "machine": machine(),
        "targets": TARGETS,
        "requests": args.requests,
        "warmup": WARMUP,
        "databases": {},
        "errors": {},
    }
    measure_databases(report, targets_for(source, args), source, args, bench_one, print_report)
    missed = write_results(report, VAR / f"fhir-{source.short}.json", args.only)
    return report, missed


def in_bench_env(args) -> None:
    """--seed and --capture: this script as a subprocess of itself, with the revision's code."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kithkin.settings")
    import django

    django.setup()
    if args.seed:
        print(json.dumps(seed_in_bench_env(args.responses)))
    else:
        print(json.dumps(capture_in_bench_env(args.capture, args.profile, 20)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="HEAD", metavar="REV", help="the revision to measure")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--postgres-url", help="the PostgreSQL database to use, as given")
    parser.add_argument(
        "--responses",
        type=int,
        default=RESPONSES,
        help=f"feedback responses the practice holds (default {RESPONSES:,})",
    )
    parser.add_argument("--requests", type=int, default=300, help="timed GETs per request")
    parser.add_argument(
        "--everything-requests",
        type=int,
        default=300,
        help="timed GETs of $everything (fewer when each takes seconds)",
    )
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS")
    parser.add_argument("--retry-noisy", type=int, default=0, metavar="N")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the large practice")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--profile", action="store_true", help="cProfile $everything in-process")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--capture", nargs="+", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed or args.capture:
        in_bench_env(args)
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
