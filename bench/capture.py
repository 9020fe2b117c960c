"""The SQL behind a page, captured in-process; run by run.py in a subprocess with the bench env.

    KITHKIN_DATABASE_URL=... KITHKIN_ALLOWED_HOSTS=127.0.0.1,localhost,testserver \\
        .venv/bin/python bench/capture.py --client-id 42 [--map-id 7] [--repeat 100] \\
            [--profile caseload|client|sphere_map]

Prints JSON: per page, every query Django ran for one GET (with its parameters inlined, as the
backend reports them) and its kind, and in-process timings of the whole view through
django.test.Client (no HTTP, no gunicorn), with the audit append and, interleaved, without it.
With --profile PAGE it prints a cProfile report of that page instead.
"""

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

# Session, authentication and second-factor work every logged-in page pays.
AUTH_MARKERS = (
    '"django_session"',
    'FROM "accounts_user" WHERE "accounts_user"."id" =',
    '"otp_',
    '"axes_',
)
TRANSACTION_VERBS = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def kind_of(sql: str) -> str:
    """auth (session and user), audit (the audit trail's append), tx (transaction control) or
    data (what the page shows). Only data and auth SELECTs are replayed for the floor."""
    if sql.split(None, 1)[0].upper() in TRANSACTION_VERBS:
        return "tx"
    if '"audit_' in sql:
        return "audit"
    if any(marker in sql for marker in AUTH_MARKERS) and " JOIN " not in sql:
        return "auth"
    return "data"


def time_gets(browser, path: str, repeat: int, *, without_audit: bool) -> list[float]:
    """In-process GETs; with ``without_audit`` the audit append is replaced by a no-op, a
    counterfactual that exists only here, to price the audit trail."""
    from unittest import mock

    patch = (
        mock.patch("kithkin.accounts.access.audit_record")
        if without_audit
        else contextlib.nullcontext()
    )
    timings = []
    with patch:
        for _ in range(repeat):
            started = time.perf_counter()
            response = browser.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"in-process GET {path} answered {response.status_code}")
    return timings


def time_audit(user, repeat: int = 100) -> list[float]:
    """The audit append alone, as the caseload makes it (each call is a real, chained event in
    the bench database, marked as the benchmark's). Empty if the service's shape has changed."""
    try:
        from kithkin.audit.services import audit_record
        from kithkin.core.access import Action

        timings = []
        for index in range(repeat + 10):
            started = time.perf_counter()
            audit_record(
                practice_id=user.practice_id,
                actor=user,
                action=str(Action.VIEW_CASELOAD),
                resource_type="Practice",
                resource_id=user.practice_id,
                reason="bench: timing the audit append",
                ip="127.0.0.1",
            )
            if index >= 10:
                timings.append((time.perf_counter() - started) * 1000)
        return timings
    except (ImportError, TypeError, AttributeError):
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client-id", type=int, required=True)
    parser.add_argument("--map-id", type=int, help="also the client's sphere map (bullseye) page")
    parser.add_argument("--timeline-client-id", type=int, help="also this client's timeline")
    parser.add_argument("--username", default="alice")
    parser.add_argument("--repeat", type=int, default=100, help="in-process timed GETs per page")
    parser.add_argument(
        "--profile",
        choices=["caseload", "client", "sphere_map", "timeline"],
        help="print a cProfile report",
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kithkin.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kithkin.accounts.models import User

    if settings.DEBUG:
        print("warning: DEBUG is on; timings include query logging", file=sys.stderr)
    user = User.objects.get(username=args.username, practice__slug="demo")
    browser = Client()
    browser.force_login(user)
    pages = {"caseload": "/caseload/", "client": f"/clients/{args.client_id}/"}
    if args.map_id:
        pages["sphere_map"] = f"/clients/{args.client_id}/maps/{args.map_id}/"
    if args.timeline_client_id:
        pages["timeline"] = f"/clients/{args.timeline_client_id}/timeline/"

    if args.profile:
        path = pages[args.profile]
        for _ in range(5):
            browser.get(path)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            browser.get(path)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        print(f"cProfile of {args.repeat} GETs of {path}\n{out.getvalue()}")
        return

    report = {}
    for name, path in pages.items():
        response = browser.get(path)  # warm: templates compiled, connection open
        if response.status_code != 200:
            raise SystemExit(f"in-process GET {path} answered {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(path)
        queries = [
            {"sql": q["sql"], "kind": kind_of(q["sql"]), "seconds": float(q["time"])}
            for q in captured.captured_queries
        ]
        # Interleaved in small rounds, so drift in the machine's load hits both alike.
        audited, unaudited = [], []
        try:
            for _ in range(max(1, args.repeat // 10)):
                audited += time_gets(browser, path, 5, without_audit=False)
                unaudited += time_gets(browser, path, 5, without_audit=True)
        except AttributeError:  # no audit_record in kithkin.accounts.access any more
            audited = time_gets(browser, path, args.repeat, without_audit=False)
            unaudited = []
        report[name] = {
            "path": path,
            "queries": queries,
            "inprocess_ms": audited,
            "inprocess_without_audit_ms": unaudited,
            "bytes": len(response.content),
        }
    audit_append = time_audit(user)
    json.dump(
        {
            "vendor": connection.vendor,
            "pages": report,
            "audit_append_ms": audit_append,
            "backend_ticks": backend_ticks(connection),
        },
        sys.stdout,
    )


def backend_ticks(connection) -> int:
    """CPU ticks of this process's PostgreSQL backend so far, which exits with it, so that the
    harness can count it as the benchmark's own work rather than as other work."""
    if connection.vendor != "postgresql":
        return 0
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        raw = Path(f"/proc/{pid}/stat").read_text()
        fields = raw[raw.rindex(")") + 2 :].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return 0


if __name__ == "__main__":
    main()
