"""make bench: how fast the caseload and the client page are on a large practice.

The code measured is a committed revision (--source REV, default HEAD), never the working tree:
the revision is checked out in a detached git worktree under var/bench/src/<short-sha>, and every
kithkin or Django subprocess runs with that worktree's src/ first on PYTHONPATH. Each revision
has its own databases, build markers and results file. For SQLite and, when it answers,
PostgreSQL:

1. build the large practice once (10,000 clients, 500,000 sessions; alice holds 200 of them)
   with ``kithkin migrate`` and ``kithkin demo``, and reuse it on later runs;
2. capture the SQL each page runs, in-process (bench/capture.py), with in-process timings of
   the view with and without the audit append; replay the page's SELECTs over a plain DB-API
   connection: the floor no page can beat;
3. start the real server (``kithkin serve``: gunicorn, 2 workers x 4 threads), log in as alice
   through the login form, time sequential GETs of the two pages, then load each with
   concurrent connections;
4. time GET /healthz (one ``SELECT 1``), sequentially and under load: the ceiling of the stack;
5. print a table per database, mark each target PASS or MISS, and write
   var/bench/results-<short-sha>.json.

Options: --source REV (repeatable), --rebuild, --requests N, --only sqlite|postgresql,
--wait-quiet SECONDS, --retry-noisy N, --strict (exit 1 on a MISS). bench/compare.py sets the
recorded runs of several revisions side by side. See docs/performance.md.
"""

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from cpu import Window, busy_percent
from databases import PostgresTarget, SQLiteTarget, pick_client, read_marker
from stats import summary
from tqdm import tqdm
from web import BenchError, Browser, Server, concurrent, free_port, sequential

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
WORKTREES = VAR / "src"
# Every revision's subprocesses share one var/ (secret key, field keys): a worktree's own
# default would be <worktree>/var, with keys of its own.
KITHKIN_VAR = Path(os.environ.get("KITHKIN_VAR_DIR", ROOT / "var")).resolve()
CLIENTS, SESSIONS = 10_000, 500_000
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/kithkin_bench"
DEMO_PASSWORD = "kithkin-demo-2026"  # noqa: S105 - the synthetic demo practice's documented default
WARMUP = 20
NOISY = 10.0  # percent of the CPUs other work may use while measuring (see --retry-noisy)
TARGETS = {
    "caseload_p95_ms": 50.0,
    "client_p95_ms": 25.0,
    "sphere_map_p95_ms": 30.0,
    "timeline_p95_ms": 50.0,
    "floor_ratio": 3.0,
    "build_s": 300.0,
}
# The bullseye page is measured with this many people on the map (bench/seed.py).
MAP_PEOPLE = 40

STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


# --- 0. the code under test: a committed revision in a worktree of its own ------------------------
@dataclass
class Source:
    rev: str  # as given
    sha: str
    short: str
    subject: str
    committed_at: str
    root: Path  # the worktree
    features: dict = field(default_factory=dict)

    @property
    def src(self) -> Path:
        return self.root / "src"

    def describe(self) -> str:
        return f"{self.short} ({self.subject})"


def git(*args: str, cwd: Path = ROOT, check: bool = True) -> str:
    done = subprocess.run(  # noqa: S603
        [shutil.which("git") or "git", *args], cwd=cwd, capture_output=True, text=True
    )
    if check and done.returncode != 0:
        raise BenchError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip() if done.returncode == 0 else ""


def checkout(rev: str) -> Source:
    """The revision's detached worktree at var/bench/src/<short-sha>, created or reused."""
    sha = git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    if not sha:
        raise BenchError(f"--source {rev}: not a commit of this repository")
    short = git("rev-parse", "--short=7", sha)
    path = WORKTREES / short
    if path.exists():
        at = git("rev-parse", "HEAD", cwd=path, check=False)
        if at != sha or git("rev-parse", "--show-toplevel", cwd=path, check=False) != str(path):
            raise BenchError(
                f"{path.relative_to(ROOT)} exists but is not a worktree of {short}; remove it "
                f"(git worktree remove --force {path.relative_to(ROOT)}) and run again"
            )
        changed = git("status", "--porcelain", "--untracked-files=no", cwd=path)
        if changed:
            raise BenchError(
                f"the worktree {path.relative_to(ROOT)} has local changes; the benchmark "
                f"measures committed code only:\n{changed}"
            )
        say(f"source {short}: reusing the worktree {path.relative_to(ROOT)}")
    else:
        WORKTREES.mkdir(parents=True, exist_ok=True)
        git("worktree", "prune")  # forget worktrees whose directory was deleted by hand
        git("worktree", "add", "--detach", str(path), sha)
        say(f"source {short}: checked out in the worktree {path.relative_to(ROOT)}")
    subject, committed_at = git("log", "-1", "--format=%s%n%cI", sha).split("\n", 1)
    return Source(rev, sha, short, subject, committed_at, path)


# Run in a subprocess with the bench env: where kithkin is imported from, and what this
# revision has of the features the harness knows about (older revisions lack some).
PROBE = """
import importlib.util, json, kithkin, django
django.setup()
from django.apps import apps
from django.conf import settings
print(json.dumps({
    "kithkin_file": kithkin.__file__,
    "audit_trail": apps.is_installed("kithkin.audit"),
    "field_encryption": hasattr(settings, "KITHKIN_FIELD_KEYS"),
    "two_factor_setting": hasattr(settings, "KITHKIN_REQUIRE_2FA"),
    "security_middleware": [
        m.rsplit(".", 1)[-1]
        for m in settings.MIDDLEWARE
        if m.startswith(("kithkin.", "axes.", "django_otp."))
    ],
    "caseload_presenter": importlib.util.find_spec("kithkin.clients.presenters") is not None,
    "analyze_after_load": importlib.util.find_spec("kithkin.web.maintenance") is not None,
}))
"""


def probe(source: Source) -> dict:
    """Proves that the subprocesses import kithkin from the worktree, not from the editable
    install of the working tree, and records the revision's features."""
    env = source_env(source)
    out = run([sys.executable, "-c", PROBE], env, "importing kithkin from the worktree", source)
    features = json.loads(out.strip().splitlines()[-1])
    imported = Path(features["kithkin_file"]).resolve()
    if not imported.is_relative_to(source.src.resolve()):
        raise BenchError(
            f"subprocesses import kithkin from {imported}, not from {source.src}; "
            "is kithkin installed other than editable (a .pth path entry)?"
        )
    serve_py = source.src / "kithkin" / "web" / "management" / "commands" / "serve.py"
    features["serve_no_control_socket"] = (
        serve_py.exists() and "--no-control-socket" in serve_py.read_text()
    )
    return features


def kithkin(*args: str) -> list[str]:
    script = ROOT / ".venv" / "bin" / "kithkin"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "kithkin.cli", *args]


def source_env(source: Source) -> dict:
    """The environment of every kithkin or Django subprocess: the revision's src/ first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source.src), env.get("PYTHONPATH")]))
    env["KITHKIN_VAR_DIR"] = str(KITHKIN_VAR)
    env["DJANGO_SETTINGS_MODULE"] = "kithkin.settings"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def bench_env(target, source: Source) -> dict:
    env = source_env(source)
    env["KITHKIN_DATABASE_URL"] = target.url
    env.setdefault("KITHKIN_DEMO_PASSWORD", DEMO_PASSWORD)
    # The test client's host must be allowed for the query capture; harmless for the server.
    env["KITHKIN_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    # DEBUG keeps every query in memory and serves tracebacks; production speed means off.
    env["KITHKIN_DEBUG"] = "0"
    # Outside production a second factor is optional, and the demo accounts have none; pinned
    # so an operator's environment cannot send the benchmark's login to /2fa/. Revisions from
    # before two-factor ignore it.
    env["KITHKIN_REQUIRE_2FA"] = "0"
    if not source.features.get("serve_no_control_socket", True):
        # A revision whose `kithkin serve` predates --no-control-socket: gunicorn reads extra
        # options from here, so concurrent servers on this machine still cannot collide.
        env["GUNICORN_CMD_ARGS"] = "--no-control-socket"
    return env


def run(argv: list[str], env: dict, what: str, source: Source) -> str:
    done = subprocess.run(  # noqa: S603
        argv, env=env, cwd=source.root, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        raise BenchError(f"{what} failed with exit code {done.returncode}:\n{tail}")
    return done.stdout


# --- 1. the large practice ----------------------------------------------------------------------
def migration_fingerprint(source: Source) -> dict[str, str]:
    """A digest of each of the revision's migration files, to tell new migrations (applied to
    the reused database) from a rewritten history (which needs a fresh build)."""
    src = source.src / "kithkin"
    return {
        str(path.relative_to(src)): hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        for path in sorted(src.glob("*/migrations/0*.py"))
    }


def build(target, env: dict, source: Source, *, rebuild: bool) -> dict:
    """The large practice: reused when a finished build of it is there, else built afresh."""
    if rebuild:
        target.marker.unlink(missing_ok=True)
    fingerprint = migration_fingerprint(source)
    marker = None if rebuild else reusable(target, fingerprint)
    if marker:
        say(
            f"{target.label}: reusing the large practice built {marker['built_at']} "
            f"(demo build took {marker['demo_seconds']:.1f} s); --rebuild to rebuild"
        )
        # Harmless for a fixed revision; kept in case the marker predates a migration.
        run(kithkin("migrate", "--noinput"), env, "kithkin migrate", source)
        reused = True
    else:
        marker = fresh_build(target, env, source)
        reused = False
    marker["migrations"] = fingerprint
    target.marker.parent.mkdir(parents=True, exist_ok=True)
    target.marker.write_text(json.dumps(marker, indent=2) + "\n")
    return {**marker, "migrations": len(fingerprint), "reused": reused}


def reusable(target, fingerprint: dict) -> dict | None:
    marker = read_marker(target)
    if marker is None:
        return None
    rewritten = sorted(
        name
        for name, digest in marker.get("migrations", {}).items()
        if fingerprint.get(name) != digest
    )
    if rewritten:
        say(
            f"{target.label}: migrations changed or removed since the build "
            f"({', '.join(rewritten[:3])}{'...' if len(rewritten) > 3 else ''}); rebuilding"
        )
        return None
    return marker


def fresh_build(target, env: dict, source: Source) -> dict:
    say(f"{target.label}: building the large practice from scratch at {target.describe()}")
    target.reset()
    started = time.perf_counter()
    run(kithkin("migrate", "--noinput"), env, "kithkin migrate", source)
    migrate_seconds = time.perf_counter() - started
    say(f"{target.label}: migrated in {migrate_seconds:.1f} s; loading the demo practice")
    started = time.perf_counter()
    out = run(
        kithkin("demo", "--clients", str(CLIENTS), "--sessions", str(SESSIONS), "--quiet"),
        env,
        "kithkin demo",
        source,
    )
    demo_seconds = time.perf_counter() - started
    added = next((line for line in out.splitlines() if line.startswith("Added")), out.strip())
    say(f"{target.label}: demo build took {demo_seconds:.1f} s ({added})")
    started = time.perf_counter()
    target.after_build()
    after_seconds = time.perf_counter() - started
    clients, sessions = target.counts()
    return {
        "url": target.url,
        "built_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "migrate_seconds": round(migrate_seconds, 1),
        "demo_seconds": round(demo_seconds, 1),
        "after_build_seconds": round(after_seconds, 1),
        "clients": clients,
        "sessions": sessions,
        "demo_command": f"kithkin demo --clients {CLIENTS} --sessions {SESSIONS} --quiet",
        "source": source.sha,
    }


# --- 2. the SQL of each page, and its floor -----------------------------------------------------
def seed(env: dict, source: Source, client_id: int) -> dict:
    """What the later pages need (bench/seed.py): the 40-person map, the busy caseload, the
    300-session timeline client. A revision without a feature gets None for it."""
    argv = [sys.executable, str(ROOT / "bench" / "seed.py"), "--client-id", str(client_id)]
    out = run([*argv, "--people", str(MAP_PEOPLE)], env, "seeding the later pages' data", source)
    return json.loads(out)


def capture(env: dict, source: Source, client_id: int, repeat: int, seeded: dict) -> dict:
    argv = [sys.executable, str(ROOT / "bench" / "capture.py"), "--client-id", str(client_id)]
    if seeded.get("map_id"):
        argv += ["--map-id", str(seeded["map_id"])]
    if seeded.get("timeline_client_id"):
        argv += ["--timeline-client-id", str(seeded["timeline_client_id"])]
    out = run([*argv, "--repeat", str(repeat)], env, "capturing the pages' SQL", source)
    return json.loads(out)


def time_floor(target, queries: list[dict], *, reps: int) -> dict:
    """Replays the page's captured SELECTs, fetching every row, over a raw DB-API connection.

    Each query is timed on its own; a repetition's total is their sum. The floor of a page is
    the sum over its data queries; session and authentication SELECTs are summed apart. The
    audit append (writes, in a transaction) is never replayed: it would fork the bench
    database's audit chain, and it is not data the page shows.
    """
    replay = [q for q in queries if q["kind"] in ("data", "auth")]
    for query in replay:
        verb = query["sql"].lstrip().split(None, 1)[0].upper()
        if verb != "SELECT" or " FOR UPDATE" in query["sql"]:
            raise BenchError(f"refusing to replay a non-read query: {query['sql'][:80]}")
    per_query = [[] for _ in replay]
    with contextlib.closing(target.connect()) as conn:
        cursor = conn.cursor()
        for rep in range(WARMUP + reps):
            for index, query in enumerate(replay):
                started = time.perf_counter()
                cursor.execute(query["sql"])
                cursor.fetchall()
                if rep >= WARMUP:
                    per_query[index].append((time.perf_counter() - started) * 1000)
    data = [i for i, q in enumerate(replay) if q["kind"] == "data"]
    totals = [sum(per_query[i][rep] for i in data) for rep in range(reps)]
    everything = [sum(column[rep] for column in per_query) for rep in range(reps)]
    return {
        "data": summary(totals),
        "with_auth": summary(everything),
        "per_data_query_p50": [summary(per_query[i])["p50"] for i in data],
    }


# --- 3 and 4. the real server -------------------------------------------------------------------
def measure_server(target, env: dict, source: Source, args, pages: dict) -> dict:
    port = free_port()
    argv = kithkin("serve", "--host", "127.0.0.1", "--port", str(port))
    argv += ["--workers", "2", "--threads", "4"]
    log = VAR / f"serve-{target.name}-{source.short}.log"
    say(f"{target.label}: starting kithkin serve on port {port} (log: {log.relative_to(ROOT)})")
    with Server(argv, env, log, port, cwd=source.root) as server:
        say(f"{target.label}: /healthz answers 200; logging in as alice through /login/")
        window = Window(server.pid, target.backend_pids)
        browser = Browser(port)
        try:
            browser.login("alice", env["KITHKIN_DEMO_PASSWORD"])
            window.start()
            results = {
                name: sequential_page(target, browser, page, args) for name, page in pages.items()
            }
        finally:
            browser.close()
        for name, page in pages.items():
            say(f"{target.label}: {page['path']} with {args.connections} connections")
            load = concurrent(
                port,
                page["path"],
                connections=args.connections,
                seconds=args.seconds,
                cookies=browser.cookies,
            )
            results[name]["concurrent"] = throughput(load, args.connections)
        results["healthz"] = ceiling(target, port, args)
        window.stop()
        results["cpu_window"] = window.report()
    say(f"{target.label}: server stopped")
    return results


def sequential_page(target, browser: Browser, page: dict, args) -> dict:
    say(f"{target.label}: {args.requests} sequential GETs of {page['path']}")
    quiet = not sys.stderr.isatty()
    with tqdm(total=args.requests, leave=False, unit="req", disable=quiet) as bar:
        timings = sequential(
            browser, page["path"], count=args.requests, warmup=WARMUP, progress=bar
        )
    _, body, _ = browser.get(page["path"])
    if page["path"] == "/caseload/" and b"200 clients" not in body:
        say("warning: the caseload page does not say '200 clients'")
    return {"latency": summary(timings), "bytes": len(body)}


def ceiling(target, port: int, args) -> dict:
    """GET /healthz (one SELECT 1): what the stack costs before a page does any work."""
    say(f"{target.label}: ceiling: {args.requests} sequential GETs of /healthz")
    health = Browser(port)
    try:
        seq = sequential(health, "/healthz", count=args.requests, warmup=WARMUP)
    finally:
        health.close()
    say(f"{target.label}: ceiling: /healthz with {args.connections} connections")
    load = concurrent(port, "/healthz", connections=args.connections, seconds=args.seconds)
    return {"sequential": summary(seq), "concurrent": throughput(load, args.connections)}


def quiet_machine(target, wait: float) -> dict:
    """How busy the machine is just before the server is measured. Other work on the same CPUs
    inflates every latency, so a busy machine is reported, and with --wait-quiet waited out."""
    deadline = time.monotonic() + wait
    busy = busy_percent()
    while busy is not None and busy > 20 and time.monotonic() < deadline:
        say(f"{target.label}: CPUs {busy:.0f}% busy with other work; waiting for quiet")
        time.sleep(8)
        busy = busy_percent()
    load = round(os.getloadavg()[0], 2)
    if busy is not None and busy > 20:
        say(
            f"{target.label}: WARNING: CPUs {busy:.0f}% busy (load average {load}) before "
            "measuring; something else is running and the figures will be inflated"
        )
    return {"cpu_busy_percent": busy, "load_average": load}


def quietest(target, what: str, measure, args) -> tuple[dict, dict, int]:
    """Runs ``measure`` (which returns its figures and its CPU window) once, and again up to
    --retry-noisy times while other work took more than NOISY percent of the CPUs; keeps the
    attempt with the least other work. Returns it, its window and the number of attempts."""
    best = None
    for attempt in range(1, args.retry_noisy + 2):
        figures, window = measure()
        other = (window or {}).get("other_work_percent")
        if best is None or (other is not None and other < best[1].get("other_work_percent", 1e9)):
            best = (figures, window or {})
        if other is None or other <= NOISY:
            break
        if attempt <= args.retry_noisy:
            say(
                f"{target.label}: other work used {other}% of the CPUs during {what}; "
                f"measuring again (retry {attempt} of {args.retry_noisy})"
            )
        else:
            kept = best[1].get("other_work_percent")
            say(f"{target.label}: still noisy; keeping the quietest attempt ({kept}% other work)")
    return best[0], best[1], attempt


def throughput(load: dict, connections: int) -> dict:
    return {
        "connections": connections,
        "seconds": round(load["seconds"], 2),
        "requests": load["requests"],
        "throughput_rps": round(load["requests"] / load["seconds"], 1),
        "latency": summary(load["latencies"]),
    }


def client_of(target, built: dict) -> tuple[int, int]:
    """The client page's client: alice's client with the most sessions in the freshly built
    practice, kept in the build's marker. Picked again after the seed, it would be the client
    given 300 sessions for the timeline, and the seed would then make a second map and a
    second long timeline elsewhere."""
    if "client_page" not in built:
        built["client_page"] = list(pick_client(target))
        marker = json.loads(target.marker.read_text())
        marker["client_page"] = built["client_page"]
        target.marker.write_text(json.dumps(marker, indent=2) + "\n")
    client_id, sessions = built["client_page"]
    return client_id, sessions


# --- the report ---------------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def bench_one(target, source: Source, args) -> dict:
    env = bench_env(target, source)
    built = build(target, env, source, rebuild=args.rebuild)
    client_id, client_sessions = client_of(target, built)
    say(f"{target.label}: client page: /clients/{client_id}/ ({client_sessions} sessions)")
    seeded = seed(env, source, client_id)
    map_id = seeded.get("map_id")
    if map_id:
        path = f"/clients/{client_id}/maps/{map_id}/"
        say(f"{target.label}: bullseye page: {path} ({MAP_PEOPLE} people)")
    if seeded.get("timeline_client_id"):
        path = f"/clients/{seeded['timeline_client_id']}/timeline/"
        say(f"{target.label}: timeline: {path} ({seeded['timeline_sessions']} sessions)")

    def in_process() -> tuple[dict, dict]:
        before = quiet_machine(target, args.wait_quiet)
        say(f"{target.label}: capturing each page's SQL in-process (django.test.Client)")
        window = Window(os.getpgrp(), target.backend_pids)
        window.start()
        captured = capture(env, source, client_id, repeat=100, seeded=seeded)
        window.stop()
        window.add_ours(captured.get("backend_ticks", 0))
        return {"captured": captured, "before": before}, window.report()

    def server() -> tuple[dict, dict]:
        before = quiet_machine(target, args.wait_quiet)
        served = measure_server(target, env, source, args, pages)
        before["load_average_after"] = round(os.getloadavg()[0], 2)
        return {"served": served, "before": before}, served["cpu_window"]

    # The in-process timings (the audit append's among them) deserve a quiet machine too.
    attempts = {}
    kept, cpu_during_capture, attempts["capture"] = quietest(
        target, "the in-process capture", in_process, args
    )
    captured, machine_before_capture = kept["captured"], kept["before"]
    pages = floors(target, captured, reps=max(200, args.requests))
    audit_append = summary(captured.get("audit_append_ms", []))
    kept, _, attempts["server"] = quietest(target, "measuring the server", server, args)
    served, machine_before = kept["served"], kept["before"]
    ceiling = served.pop("healthz")
    cpu_window = served.pop("cpu_window")
    for name, page in pages.items():
        page.update(served[name])
        page["ratio_p95_to_floor"] = round(page["latency"]["p95"] / page["floor"]["data"]["p95"], 2)
        page["ratio_p50_to_ceiling"] = round(
            page["latency"]["p50"] / ceiling["sequential"]["p50"], 2
        )
    return {
        "source": source.short,
        "database": target.label,
        "where": target.describe(),
        "server_version": target.server_version(),
        "build": built,
        "client_id": client_id,
        "client_sessions": client_sessions,
        "map_id": map_id,
        "map_people": MAP_PEOPLE if map_id else None,
        "seeded": seeded,
        "machine_before_capture": machine_before_capture,
        "machine_before": machine_before,
        "cpu_during_capture": cpu_during_capture,
        "attempts": attempts,
        "cpu_during_measurement": cpu_window,
        "pages": pages,
        "ceiling": ceiling,
        "audit_append": audit_append,
        "targets": judge(pages, built),
    }


def floors(target, captured: dict, *, reps: int) -> dict:
    pages = {}
    for name, page in captured["pages"].items():
        say(f"{target.label}: raw-SQL floor of {page['path']}: {reps} repetitions")
        kinds = [q["kind"] for q in page["queries"]]
        pages[name] = {
            "path": page["path"],
            "queries": len(kinds),
            "queries_by_kind": {kind: kinds.count(kind) for kind in sorted(set(kinds))},
            "data_queries": kinds.count("data"),
            "sql": page["queries"],
            "floor": time_floor(target, page["queries"], reps=reps),
            "inprocess": summary(page["inprocess_ms"]),
            "inprocess_without_audit": summary(page["inprocess_without_audit_ms"]),
        }
    return pages


def judge(pages: dict, built: dict) -> list[dict]:
    caseload, client = pages["caseload"], pages["client"]
    floor_ratio = TARGETS["floor_ratio"]
    checks = [
        (
            "caseload dashboard (200 clients) p95 <= 50 ms",
            caseload["latency"]["p95"],
            "ms",
            TARGETS["caseload_p95_ms"],
        ),
        ("client page p95 <= 25 ms", client["latency"]["p95"], "ms", TARGETS["client_p95_ms"]),
        ("caseload p95 <= 3x raw-SQL floor p95", caseload["ratio_p95_to_floor"], "x", floor_ratio),
        ("client page p95 <= 3x raw-SQL floor p95", client["ratio_p95_to_floor"], "x", floor_ratio),
        ("large practice demo build < 5 min", built["demo_seconds"], "s", TARGETS["build_s"]),
    ]
    if "sphere_map" in pages:
        latency = pages["sphere_map"]["latency"]["p95"]
        limit = TARGETS["sphere_map_p95_ms"]
        checks.insert(
            2, (f"bullseye page ({MAP_PEOPLE} people) p95 <= 30 ms", latency, "ms", limit)
        )
    if "timeline" in pages:
        latency = pages["timeline"]["latency"]["p95"]
        limit = TARGETS["timeline_p95_ms"]
        checks.insert(3, ("timeline (300 sessions) p95 <= 50 ms", latency, "ms", limit))
    return [
        {"target": label, "value": value, "unit": unit, "verdict": verdict(value <= limit)}
        for label, value, unit, limit in checks
    ]


def print_report(result: dict) -> None:
    build_info = result["build"]
    when = "reused from an earlier run" if build_info["reused"] else "this run"
    print(
        f"\n== {result['source']} on {result['database']} {result['server_version']} "
        f"({result['where']}) =="
    )
    print(
        f"large practice: {build_info['clients']:,} clients, {build_info['sessions']:,} sessions;"
        f" demo build {build_info['demo_seconds']:.1f} s ({when})"
    )
    header = (
        f"{'page':<16}{'min':>7}{'p50':>8}{'p95':>8}{'p99':>8}{'mean':>8}{'reqs':>6}"
        f"{'queries':>9}{'floor p50':>11}{'floor p95':>11}{'p95/floor':>11}{'p50/ceil':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, page in result["pages"].items():
        lat, floor = page["latency"], page["floor"]["data"]
        label = {
            "caseload": "caseload",
            "sphere_map": f"bullseye {MAP_PEOPLE}",
            "timeline": "timeline 300",
        }.get(name, f"client {result['client_id']}")
        print(
            f"{label:<16}{lat['min']:>7.2f}{lat['p50']:>8.2f}{lat['p95']:>8.2f}{lat['p99']:>8.2f}"
            f"{lat['mean']:>8.2f}"
            f"{lat['n']:>6}{page['queries']:>5} ({page['data_queries']})"
            f"{floor['p50']:>11.3f}{floor['p95']:>11.3f}"
            f"{page['ratio_p95_to_floor']:>10.1f}x{page['ratio_p50_to_ceiling']:>9.1f}x"
        )
    print("(ms; queries: all (data); floor: raw SQL of the data queries; ceil: /healthz p50)")
    for name, page in result["pages"].items():
        conc = page["concurrent"]
        print(
            f"{name}: queries by kind {page['queries_by_kind']}; raw p50 per data query (ms) "
            f"{page['floor']['per_data_query_p50']}\n"
            f"  {conc['connections']} connections x {conc['seconds']:.0f} s: "
            f"{conc['throughput_rps']:.0f} req/s, p50 {conc['latency']['p50']:.2f} ms, "
            f"p95 {conc['latency']['p95']:.2f} ms"
        )
        inproc, bare = page["inprocess"], page["inprocess_without_audit"]
        if not bare.get("n"):
            print(
                f"  in-process (django.test.Client, no HTTP): p50 {inproc['p50']:.2f} ms, "
                f"p95 {inproc['p95']:.2f} ms (no audit append to leave out in this revision)"
            )
        else:
            print(
                f"  in-process (django.test.Client, no HTTP): p50 {inproc['p50']:.2f} ms, "
                f"p95 {inproc['p95']:.2f} ms; without the audit append p50 {bare['p50']:.2f}"
                f" ms, p95 {bare['p95']:.2f} ms (difference {inproc['p50'] - bare['p50']:+.2f} ms)"
            )
    append = result["audit_append"]
    if append.get("n"):
        print(
            f"audit append alone (audit_record, {append['n']} calls): p50 {append['p50']:.2f} ms, "
            f"p95 {append['p95']:.2f} ms"
        )
    seq, load = result["ceiling"]["sequential"], result["ceiling"]["concurrent"]
    print(
        f"ceiling /healthz: sequential p50 {seq['p50']:.2f} ms, p95 {seq['p95']:.2f} ms; "
        f"{load['connections']} connections x {load['seconds']:.0f} s: "
        f"{load['throughput_rps']:.0f} req/s, p50 {load['latency']['p50']:.2f} ms, "
        f"p95 {load['latency']['p95']:.2f} ms"
    )
    quiet, during = result["machine_before"], result["cpu_during_measurement"]
    before_capture = result.get("machine_before_capture", {})
    print(
        f"before the in-process capture: CPUs {before_capture.get('cpu_busy_percent')}% busy; "
        f"before measuring the server: CPUs {quiet['cpu_busy_percent']}% busy with other work, "
        f"load average {quiet['load_average']} ({quiet['load_average_after']} after)"
    )
    for what, window in [
        ("the in-process capture", result.get("cpu_during_capture")),
        ("measuring the server", during),
    ]:
        if window:
            print(
                f"while {what} ({window['seconds']:.0f} s): other work used "
                f"{window['other_work_percent']}% of the {window['cpus']} CPUs; the benchmark's "
                f"processes {window['benchmark_percent']}%"
            )
    print("targets:")
    for check in result["targets"]:
        print(f"  {check['verdict']}  {check['target']:<42} {check['value']:.2f} {check['unit']}")


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "python": platform.python_version()}
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    # The working tree's state, for the record only: the code measured is the --source revision.
    head = git("rev-parse", "--short", "HEAD", check=False)
    dirty = git("status", "--porcelain", "--", "src", check=False)
    info["working_tree"] = head + (" (src/ modified, not measured)" if dirty else "")
    return info


def targets_for(source: Source, only: str | None) -> list:
    """The revision's own databases: var/bench/bench-<sha>.sqlite3 and <dbname>_<sha>."""
    base = os.environ.get("KITHKIN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    return database_targets(
        only,
        sqlite=(VAR / f"bench-{source.short}.sqlite3", VAR / f"sqlite-{source.short}.built"),
        postgres=(with_dbname(base, source.short), VAR / f"postgresql-{source.short}.built"),
    )


def database_targets(only: str | None, *, sqlite: tuple, postgres: tuple) -> list:
    """The benchmark's databases, each a (where, built-marker) pair; ``only`` picks one. An
    unreachable PostgreSQL is left out with a notice, so a machine without one still runs."""
    targets = []
    if only in (None, "sqlite"):
        targets.append(SQLiteTarget(*sqlite))
    if only in (None, "postgresql"):
        target = PostgresTarget(*postgres)
        why = target.reachable()
        if why is None:
            targets.append(target)
        else:
            reason = why.splitlines()[0]
            say(f"NOTICE: PostgreSQL at {target.describe()} is unreachable ({reason})")
            say("NOTICE: benchmarking SQLite only")
    return targets


def write_results(report: dict, results: Path, only: str | None) -> list:
    """Writes the run's JSON (a one-database run keeps the other database's earlier result,
    marked as such) and returns the targets this run missed."""
    if only:
        with contextlib.suppress(OSError, ValueError):
            earlier = json.loads(results.read_text()).get("databases", {})
            for name, result in earlier.items():
                report["databases"].setdefault(name, {**result, "from_earlier_run": True})
    results.write_text(json.dumps(report, indent=2) + "\n")
    say(f"results written to {results.relative_to(ROOT)}")
    return [
        check
        for result in report["databases"].values()
        if not result.get("from_earlier_run")
        for check in result["targets"]
        if check["verdict"] == "MISS"
    ]


def with_dbname(url: str, short: str) -> str:
    """postgres://.../kithkin_bench -> postgres://.../kithkin_bench_<short>."""
    parts = urllib.parse.urlsplit(url)
    dbname = parts.path.lstrip("/") or "kithkin_bench"
    return urllib.parse.urlunsplit(parts._replace(path=f"/{dbname}_{short}"))


def bench_source(source: Source, args) -> tuple[dict, list]:
    """Every database for one revision; writes var/bench/results-<short>.json."""
    source.features = probe(source)
    features = source.features
    say(
        f"source {source.describe()}: kithkin imported from "
        f"{Path(features['kithkin_file']).relative_to(ROOT)}; audit trail "
        f"{'yes' if features['audit_trail'] else 'no'}, field encryption "
        f"{'yes' if features['field_encryption'] else 'no'}, security middleware "
        f"{features['security_middleware'] or 'none'}, caseload presenter "
        f"{'yes' if features['caseload_presenter'] else 'no'}"
    )
    report = {
        "date": datetime.date.today().isoformat(),
        "source": {
            "rev": source.rev,
            "sha": source.sha,
            "short": source.short,
            "subject": source.subject,
            "committed_at": source.committed_at,
            "worktree": str(source.root.relative_to(ROOT)),
            "features": features,
        },
        "machine": machine(),
        "targets": TARGETS,
        "requests": args.requests,
        "warmup": WARMUP,
        "databases": {},
        "errors": {},
    }
    measure_databases(report, targets_for(source, args.only), source, args, bench_one, print_report)

    VAR.mkdir(parents=True, exist_ok=True)
    results = VAR / f"results-{source.short}.json"
    if args.only:
        # A one-database run keeps the other database's figures from the run before.
        with contextlib.suppress(OSError, ValueError):
            earlier = json.loads(results.read_text()).get("databases", {})
            for name, result in earlier.items():
                report["databases"].setdefault(name, {**result, "from_earlier_run": True})
    results.write_text(json.dumps(report, indent=2) + "\n")
    say(f"results written to {results.relative_to(ROOT)}")
    remember(report)
    missed = [
        check
        for result in report["databases"].values()
        if not result.get("from_earlier_run")
        for check in result["targets"]
        if check["verdict"] == "MISS"
    ]
    return report, missed


def remember(report: dict) -> None:
    """Appends this run's figures (without the SQL text) to var/bench/history.jsonl, one line
    per revision and database, so bench/compare.py can set runs and revisions side by side."""
    with (VAR / "history.jsonl").open("a") as history:
        for name, result in report["databases"].items():
            if result.get("from_earlier_run"):
                continue
            pages = {
                page: {key: value for key, value in figures.items() if key != "sql"}
                for page, figures in result["pages"].items()
            }
            line = {
                **{key: value for key, value in result.items() if key != "pages"},
                "date": report["date"],
                "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "source": report["source"]["short"],
                "subject": report["source"]["subject"],
                "database": name,
                "pages": pages,
            }
            history.write(json.dumps(line) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        action="append",
        metavar="REV",
        help="the committed revision to measure, checked out in var/bench/src/<short-sha> "
        "(default HEAD; repeat to measure several in turn)",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the large practice")
    parser.add_argument("--requests", type=int, default=300, help="timed GETs per page (>= 200)")
    parser.add_argument("--connections", type=int, default=8, help="connections under load")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load phase")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
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
        help=f"measure again, up to N times, when other work used more than {NOISY:g}%% of the "
        "CPUs during the in-process capture or the server measurement",
    )
    args = parser.parse_args()
    if args.requests < 200:
        say(f"note: --requests {args.requests} is below the 200 the targets are judged on")

    failed, missed = False, []
    for rev in args.source or ["HEAD"]:
        try:
            source = checkout(rev)
            report, source_missed = bench_source(source, args)
        except BenchError as error:
            say(f"source {rev}: FAILED: {error}")
            failed = True
            continue
        failed = failed or bool(report["errors"])
        missed += source_missed
    if failed:
        return 1
    return 1 if args.strict and missed else 0


def measure_databases(report: dict, targets, source, args, bench_one, print_report) -> None:
    """Runs ``bench_one`` on each database in turn (each benchmark names its own), filling
    ``report``; one database failing must not hide the other's figures."""
    for target in targets:
        try:
            result = bench_one(target, source, args)
        except KeyboardInterrupt:
            raise
        except Exception as error:
            if not isinstance(error, BenchError):
                traceback.print_exc()
            say(f"{target.label}: FAILED: {error}")
            report["errors"][target.name] = f"{type(error).__name__}: {error}"
            continue
        report["databases"][target.name] = result
        print_report(result)


if __name__ == "__main__":
    sys.exit(main())
