"""make bench-measures: issue 6's two targets, response submission and the practice view.

    .venv/bin/python bench/measures.py [--source REV] [--only sqlite|postgresql]
        [--responses 1000000] [--requests 300] [--wait-quiet S] [--retry-noisy N]
        [--rebuild] [--resummarise] [--strict]

The targets: submitting a response (validate, score, store, evaluate alerts, audit) takes p95
<= 30 ms, timed in-process around ``response_submit``; the practice view over 1,000,000
responses answers with p95 <= 300 ms through the real server.

The code measured is a committed revision, checked out as bench/run.py does (its worktree, its
environment, its subprocesses importing kithkin from the worktree). Each revision gets its own
databases for this benchmark, apart from run.py's: ``var/bench/measures-<sha>.sqlite3`` and
``<dbname>_<sha>_measures``. A million responses and the submissions timed here would
otherwise change what run.py's client page, caseload and timeline read, depending on whether
this ran first. For SQLite and, when it answers, PostgreSQL:

1. the large practice, built once as run.py builds it (``kithkin demo``, 10,000 clients,
   500,000 sessions), and reused;
2. feedback seeded in bulk up to ``--responses`` (bench/measures_seed.py), once: an episode per
   client, alliance check-ins, PHQ-9 and GAD-7 with their answers; then ANALYZE (and VACUUM on
   PostgreSQL, as autovacuum would). The build's marker records it;
3. ``summaries_rebuild(practice)`` timed, after a seeding (or with --resummarise); a revision
   without it skips the practice view, saying so;
4. in-process (bench/measures_capture.py): ``response_submit`` for alice's clients with the
   longest histories, alliance and PHQ-9 in turn, 20 warm-up and --requests timed calls, with
   the SQL of one call; the practice view through django.test.Client as adam (practice admin)
   and alice (therapist);
5. the real server (``kithkin serve``, 2 workers x 4 threads): --requests sequential GETs of
   /practice/feedback/ as adam and as alice after 20 warm-up, then alice entering the same
   questionnaires in the office form (POST measures_enter, each with a fresh idempotency key);
6. a table per database, the targets marked PASS or MISS, var/bench/measures-<sha>.json.

The CPU share other work took while measuring is reported as run.py reports it (bench/cpu.py).
"""

import argparse
import datetime
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.parse
import uuid

from cpu import Window
from measures_capture import VIEW_PATH, WARMUP, draw, instrument_of
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
    quietest,
    say,
    verdict,
    with_dbname,
    write_results,
)
from stats import summary
from web import BenchError, Browser, Server, free_port, sequential

RESPONSES = 1_000_000
TARGETS = {"submit_p95_ms": 30.0, "practice_view_p95_ms": 300.0}
# The demo's practice admin and the therapist whose clients the submissions go to.
ADMIN, THERAPIST = "adam", "alice"
VIEW_REQUESTS_INPROCESS = 100


# --- the databases and the subprocesses ----------------------------------------------------------
def targets_for(source: Source, only: str | None) -> list:
    base = os.environ.get("KITHKIN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    short = source.short
    return database_targets(
        only,
        sqlite=(VAR / f"measures-{short}.sqlite3", VAR / f"sqlite-measures-{short}.built"),
        postgres=(
            with_dbname(base, f"{short}_measures"),
            VAR / f"postgresql-measures-{short}.built",
        ),
    )


def stream(argv: list[str], env: dict, what: str, source: Source, label: str) -> str:
    """Runs a bench script, passing its progress (stderr) on as it comes; returns its stdout."""
    proc = subprocess.Popen(  # noqa: S603 - argv is built here, no shell
        argv,
        env=env,
        cwd=source.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    tail = []
    for line in proc.stderr:
        line = line.rstrip()
        tail = [*tail[-24:], line]
        say(f"{label}: {line}")
    out = proc.stdout.read()
    if proc.wait() != 0:
        raise BenchError(f"{what} failed with exit code {proc.returncode}:\n" + "\n".join(tail))
    return out


def script(name: str, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / "bench" / name), *args]


def update_marker(target, key: str, value: dict) -> None:
    marker = json.loads(target.marker.read_text())
    marker[key] = value
    target.marker.write_text(json.dumps(marker, indent=2) + "\n")


# --- 2 and 3. the feedback and its summaries ----------------------------------------------------
def seed(target, env: dict, source: Source, args, built: dict) -> dict:
    say(f"{target.label}: feedback: making sure the practice holds {args.responses:,} responses")
    argv = script("measures_seed.py", "--responses", str(args.responses))
    out = json.loads(stream(argv, env, "seeding the responses", source, target.label))
    if not out["added"]:
        earlier = built.get("measures_seed") or {}
        say(
            f"{target.label}: reusing {out['responses']:,} responses and {out['answers']:,} "
            f"answers (seeded {earlier.get('at', 'in an earlier run')}"
            + (f" in {earlier['total_seconds']:.0f} s" if "total_seconds" in earlier else "")
            + ")"
        )
        return {**earlier, **out, "reused": True}
    started = time.perf_counter()
    target.after_build()  # VACUUM ANALYZE on PostgreSQL, as autovacuum would after the load
    out["vacuum_seconds"] = round(time.perf_counter() - started, 1)
    out["at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    say(
        f"{target.label}: seeded {out['added']:,} responses ({out['answers_added']:,} answers) "
        f"for {out['clients']:,} clients in {out['seconds']:.0f} s, ANALYZE "
        f"{out['analyse_seconds']:.0f} s, vacuum {out['vacuum_seconds']:.0f} s; "
        f"{out['responses']:,} responses in all"
    )
    update_marker(target, "measures_seed", out)
    return {**out, "reused": False}


def summarise(target, env: dict, source: Source, args, built: dict, seeded: dict) -> dict:
    earlier = built.get("measures_summaries")
    if earlier and seeded["reused"] and not args.resummarise and "rows" in earlier:
        say(
            f"{target.label}: feedback summaries rebuilt {earlier['at']}: {earlier['rows']:,} "
            f"rows in {earlier['seconds']:.1f} s (--resummarise to time it again)"
        )
        return {**earlier, "reused": True}
    say(f"{target.label}: summaries_rebuild(practice) over {seeded['responses']:,} responses")
    out = json.loads(
        stream(script("measures_seed.py", "--summaries"), env, "summaries", source, target.label)
    )
    if "missing" in out:
        say(
            f"{target.label}: NOTICE: kithkin.measures.summaries.summaries_rebuild is not in "
            f"{source.short} ({out['missing']}); the practice view is skipped"
        )
        return {**out, "reused": False}
    out["at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    out["responses"] = seeded["responses"]
    say(f"{target.label}: summaries_rebuild wrote {out['rows']:,} rows in {out['seconds']:.1f} s")
    update_marker(target, "measures_summaries", out)
    return {**out, "reused": False}


# --- 4. in-process -------------------------------------------------------------------------------
def in_process(target, env: dict, source: Source, args) -> tuple[dict, dict]:
    before = quiet_machine(target, args.wait_quiet)
    say(
        f"{target.label}: in-process: {WARMUP} + {args.requests} calls of response_submit, then "
        f"{VIEW_PATH} as {ADMIN} and {THERAPIST}"
    )
    window = Window(os.getpgrp(), target.backend_pids)
    window.start()
    argv = script(
        "measures_capture.py",
        "--submissions",
        str(args.requests),
        "--view-requests",
        str(VIEW_REQUESTS_INPROCESS),
        "--admin",
        ADMIN,
        "--therapist",
        THERAPIST,
    )
    captured = json.loads(stream(argv, env, "the in-process timings", source, target.label))
    window.stop()
    window.add_ours(captured.get("backend_ticks", 0))
    return {"captured": captured, "before": before}, window.report()


# --- 5. the real server --------------------------------------------------------------------------
def measure_server(target, env: dict, source: Source, args, captured: dict) -> tuple[dict, dict]:
    before = quiet_machine(target, args.wait_quiet)
    port = free_port()
    argv = kithkin("serve", "--host", "127.0.0.1", "--port", str(port))
    argv += ["--workers", "2", "--threads", "4"]
    log = VAR / f"serve-measures-{target.name}-{source.short}.log"
    say(f"{target.label}: starting kithkin serve on port {port} (log: {log.relative_to(ROOT)})")
    results = {"views": {}, "before": before}
    with Server(argv, env, log, port, cwd=source.root) as server:
        window = Window(server.pid, target.backend_pids)
        browsers = {}
        try:
            for username in (ADMIN, THERAPIST):
                browsers[username] = Browser(port)
                browsers[username].login(username, env["KITHKIN_DEMO_PASSWORD"])
            window.start()
            for username, browser in browsers.items():
                results["views"][username] = view_over_http(target, browser, username, args)
            results["submit"] = submit_over_http(target, browsers[THERAPIST], captured, args)
            window.stop()
        finally:
            for browser in browsers.values():
                browser.close()
    say(f"{target.label}: server stopped")
    before["load_average_after"] = round(os.getloadavg()[0], 2)
    return results, window.report()


def view_over_http(target, browser: Browser, username: str, args) -> dict:
    status, body, _ = browser.get(VIEW_PATH)
    if status != 200:
        say(f"{target.label}: NOTICE: GET {VIEW_PATH} as {username} answered {status}; skipped")
        return {"status": status}
    say(f"{target.label}: {args.requests} sequential GETs of {VIEW_PATH} as {username}")
    timings = sequential(browser, VIEW_PATH, count=args.requests, warmup=WARMUP)
    return {"status": 200, "latency": summary(timings), "bytes": len(body)}


CSRF = re.compile(rb'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


def submit_over_http(target, browser: Browser, captured: dict, args) -> dict:
    """alice enters the client's questionnaire in the office form: each POST with a fresh key
    and the client's latest attended session. The POST (validation, response_submit, 302) is
    timed; the measures page it redirects to is loaded after it, untimed in the figure, so the
    confirmation message is read as a browser would."""
    clients = captured["clients"]
    first = f"/clients/{clients[0]['id']}/measures/enter/alliance/"
    status, body, _ = browser.get(first)
    match = CSRF.search(body)
    if status != 200 or not match:
        say(f"{target.label}: NOTICE: GET {first} answered {status} without a form; skipped")
        return {"status": status}
    token = match.group(1).decode()
    say(f"{target.label}: {WARMUP} + {args.requests} POSTs of the office questionnaire form")
    rng = random.Random(args.requests + 1)
    posts, pages = {"alliance": [], "phq9": []}, []
    for index in range(WARMUP + args.requests):
        client = clients[index % len(clients)]
        code = instrument_of(index, len(clients))
        form = {
            "csrfmiddlewaretoken": token,
            "key": str(uuid.uuid4()),
            "session": str(client["session_id"]),
            **{f"item_{n}": str(value) for n, value in draw(rng, code).items()},
        }
        if code == "alliance":
            form.update(respondent="client", free_text="")
        path = f"/clients/{client['id']}/measures/enter/{code}/"
        status, body, elapsed_ms = browser.request(
            "POST",
            path,
            body=urllib.parse.urlencode(form).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{browser.origin}{path}",
            },
        )
        if status != 302:
            raise BenchError(f"POST {path} answered {status}: {body[:300]!r}")
        status, _, page_ms = browser.get(browser.location)
        if status != 200:
            raise BenchError(f"GET {browser.location} after the POST answered {status}")
        if index >= WARMUP:
            posts[code].append(elapsed_ms)
            pages.append(page_ms)
    return {
        "status": 200,
        "latency": summary(posts["alliance"] + posts["phq9"]),
        "by_instrument": {code: summary(values) for code, values in posts.items()},
        "redirected_page": summary(pages),
    }


# --- 6. the report -------------------------------------------------------------------------------
def bench_one(target, source: Source, args) -> dict:
    env = bench_env(target, source)
    built = build(target, env, source, rebuild=args.rebuild)
    seeded = seed(target, env, source, args, built)
    summaries = summarise(target, env, source, args, built, seeded)

    kept, cpu_inprocess, attempts_inprocess = quietest(
        target, "the in-process timings", lambda: in_process(target, env, source, args), args
    )
    captured, before_inprocess = kept["captured"], kept["before"]
    served, cpu_server, attempts_server = quietest(
        target,
        "measuring the server",
        lambda: measure_server(target, env, source, args, captured),
        args,
    )
    submit = captured["submit"]
    timings = submit["timings_ms"]
    views = {}
    for username in (ADMIN, THERAPIST):
        inproc = captured["views"][username]
        over_http = served["views"].get(username, {})
        views[username] = {
            "status": over_http.get("status", inproc.get("status")),
            "role": inproc.get("role"),
            "latency": over_http.get("latency"),
            "bytes": over_http.get("bytes"),
            "inprocess": summary(inproc.get("inprocess_ms", [])),
            "queries": len(inproc.get("queries", [])),
            "sql": inproc.get("queries", []),
        }
    clients = captured["clients"]
    result = {
        "source": source.short,
        "database": target.label,
        "where": target.describe(),
        "server_version": target.server_version(),
        "build": {key: value for key, value in built.items() if not key.startswith("measures_")},
        "seeded": seeded,
        "summaries": summaries,
        "submit": {
            "clients": len(clients),
            "client_ids": [c["id"] for c in clients],
            "client_sessions_mean": round(sum(c["sessions"] for c in clients) / len(clients), 1),
            "client_responses_mean": round(sum(c["responses"] for c in clients) / len(clients), 1),
            "inprocess": summary(timings["alliance"] + timings["phq9"]),
            "inprocess_by_instrument": {code: summary(values) for code, values in timings.items()},
            "alerts_raised": submit["alerts_raised"],
            "queries": {code: len(queries) for code, queries in submit["queries"].items()},
            "sql": submit["queries"],
            "http": served.get("submit", {}),
        },
        "views": views,
        "machine_before_inprocess": before_inprocess,
        "machine_before_server": served["before"],
        "cpu_during_inprocess": cpu_inprocess,
        "cpu_during_server": cpu_server,
        "attempts": {"inprocess": attempts_inprocess, "server": attempts_server},
    }
    result["targets"] = judge(result)
    return result


def judge(result: dict) -> list[dict]:
    responses = result["seeded"]["responses"]
    short = (
        f" (only {responses:,} responses: not the target's million)"
        if responses < RESPONSES
        else ""
    )
    checks = [
        (
            "response submit, in-process, p95 <= 30 ms",
            result["submit"]["inprocess"]["p95"],
            TARGETS["submit_p95_ms"],
        )
    ]
    for username, view in result["views"].items():
        if view.get("latency"):
            label = f"practice view as {username} ({view['role']}), {responses:,} responses"
            checks.append((f"{label}, p95 <= 300 ms{short}", view["latency"]["p95"], 300.0))
    return [
        {"target": label, "value": value, "unit": "ms", "verdict": verdict(value <= limit)}
        for label, value, limit in checks
    ]


def row(label: str, figures: dict, extra: str = "") -> str:
    if not figures or not figures.get("n"):
        return f"{label:<34}{'(not measured)':>40}"
    return (
        f"{label:<34}{figures['min']:>8.2f}{figures['p50']:>8.2f}{figures['p95']:>8.2f}"
        f"{figures['p99']:>8.2f}{figures['mean']:>8.2f}{figures['n']:>6}  {extra}"
    )


def print_report(result: dict) -> None:
    built, seeded, summaries = result["build"], result["seeded"], result["summaries"]
    print(
        f"\n== {result['source']} on {result['database']} {result['server_version']} "
        f"({result['where']}) =="
    )
    when = "reused" if seeded["reused"] else "this run"
    took = f", seeding took {seeded['total_seconds']:.0f} s" if "total_seconds" in seeded else ""
    print(
        f"large practice: {built['clients']:,} clients, {built['sessions']:,} sessions; "
        f"{seeded['responses']:,} responses, {seeded['answers']:,} answers ({when}{took})"
    )
    if "rows" in summaries:
        when = "an earlier run" if summaries["reused"] else "this run"
        print(
            f"summaries_rebuild(practice): {summaries['rows']:,} rows in "
            f"{summaries['seconds']:.1f} s ({when})"
        )
    else:
        print(f"summaries_rebuild: not in this revision ({summaries.get('missing')})")
    submit = result["submit"]
    header = f"{'ms':<34}{'min':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'mean':>8}{'n':>6}"
    print(header)
    print("-" * (len(header) + 12))
    queries = submit["queries"]
    print(
        row(
            "response_submit, in-process",
            submit["inprocess"],
            f"queries: alliance {queries.get('alliance')}, PHQ-9 {queries.get('phq9')}",
        )
    )
    for code, figures in submit["inprocess_by_instrument"].items():
        print(row(f"  {code}", figures))
    http = submit["http"]
    print(row("office form POST, over HTTP", http.get("latency", {}), "(validation + 302)"))
    print(row("  the measures page after it", http.get("redirected_page", {})))
    for username, view in result["views"].items():
        if view.get("status") != 200:
            print(f"{VIEW_PATH} as {username}: answered {view.get('status')}; not measured")
            continue
        print(row(f"{VIEW_PATH} as {username}", view["latency"], f"queries: {view['queries']}"))
        print(row("  in-process (django.test.Client)", view["inprocess"]))
    print(
        f"submissions: {submit['clients']} of {THERAPIST}'s clients in turn, on average "
        f"{submit['client_sessions_mean']} attended sessions and {submit['client_responses_mean']}"
        f" responses each; {submit['alerts_raised']} alerts raised by the timed calls"
    )
    for what, before, window in [
        (
            "the in-process timings",
            result["machine_before_inprocess"],
            result["cpu_during_inprocess"],
        ),
        ("measuring the server", result["machine_before_server"], result["cpu_during_server"]),
    ]:
        line = f"before {what}: CPUs {before.get('cpu_busy_percent')}% busy with other work"
        if window:
            line += (
                f"; during it ({window['seconds']:.0f} s) other work used "
                f"{window['other_work_percent']}% of the {window['cpus']} CPUs, the benchmark's "
                f"processes {window['benchmark_percent']}%"
            )
        print(line)
    print("targets:")
    for check in result["targets"]:
        print(f"  {check['verdict']}  {check['target']:<80} {check['value']:8.2f} {check['unit']}")
    if not any(view.get("latency") for view in result["views"].values()):
        print("  SKIP  the practice view: not in this revision")


def bench_source(source: Source, args) -> tuple[dict, list]:
    source.features = probe(source)
    say(f"source {source.describe()}: kithkin imported from the worktree")
    report = {
        "date": datetime.date.today().isoformat(),
        "source": {
            "rev": source.rev,
            "sha": source.sha,
            "short": source.short,
            "subject": source.subject,
            "committed_at": source.committed_at,
            "worktree": str(source.root.relative_to(ROOT)),
        },
        "machine": machine(),
        "targets": TARGETS,
        "requests": args.requests,
        "warmup": WARMUP,
        "responses_wanted": args.responses,
        "databases": {},
        "errors": {},
    }
    measure_databases(report, targets_for(source, args.only), source, args, bench_one, print_report)
    missed = write_results(report, VAR / f"measures-{source.short}.json", args.only)
    return report, missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="HEAD", metavar="REV", help="the revision to measure")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument(
        "--responses",
        type=int,
        default=RESPONSES,
        help=f"responses the practice holds (default {RESPONSES:,}; fewer for a quick run)",
    )
    parser.add_argument("--requests", type=int, default=300, help="timed calls and GETs (>= 300)")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait up to SECONDS for other work on the CPUs to stop before measuring",
    )
    parser.add_argument(
        "--retry-noisy",
        type=int,
        default=0,
        metavar="N",
        help="measure again, up to N times, when other work used more than 10%% of the CPUs",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the large practice")
    parser.add_argument("--resummarise", action="store_true", help="time summaries_rebuild again")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    if args.requests < 300:
        say(f"note: --requests {args.requests} is below the 300 the targets are judged on")
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
