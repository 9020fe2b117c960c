"""make bench-release: issue 8's writes that render a PDF, timed. Signing an authorization (its
copy rendered and kept) and a release of the whole record (the packet as PDF and FHIR Bundle,
through the decision and the disclosure guard, kept for the accounting), for the demo's client
grown to a long therapy.

    .venv/bin/python bench/release.py [--sessions 300] [--repeat 15] [--only sqlite|postgresql]

Measures the working tree (src/ as it is). For each database (SQLite
``var/bench/release.sqlite3``; PostgreSQL ``kithkin_bench_release`` at
KITHKIN_BENCH_POSTGRES_URL's server, made if missing), a child process migrates, loads the demo
practice, gives Alexis ``--sessions`` attended sessions each with a signed progress note (the
packet's summaries of progress), then times ``authorization_sign`` and ``release_make`` (every
record part, her first relationship to today) ``--repeat`` times each, and prints the median,
the 95th percentile and the packet's sizes.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/kithkin_bench_release"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def child(sessions: int, repeat: int) -> dict:
    import django

    django.setup()
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    from kithkin.accounts.models import User
    from kithkin.clients.models import Client
    from kithkin.consent.services import authorization_draft, authorization_sign, release_make
    from kithkin.core.consent import Category, Party, ReleaseRequest
    from kithkin.demo.builder import load_demo
    from kithkin.notes.models import ProgressNote
    from kithkin.schedule.models import Session

    call_command("migrate", verbosity=0)
    load_demo(password="kithkin-demo-2026")  # noqa: S106 - the synthetic demo's documented default
    alexis = Client.objects.get(given_name="Alexis", family_name="Rowan")
    alice, login = User.objects.get(username="alice"), User.objects.get(username="alexis")
    have = Session.objects.filter(client=alexis, progress_note__state="signed").count()
    start = timezone.now() - datetime.timedelta(days=7 * sessions)
    grown = Session.objects.bulk_create(
        Session(
            practice_id=alexis.practice_id,
            client=alexis,
            therapist=alice,
            starts_at=start + datetime.timedelta(days=7 * n, hours=2),
            status="attended",
        )
        for n in range(max(0, sessions - have))
    )
    ProgressNote.objects.bulk_create(
        ProgressNote(
            practice_id=alexis.practice_id,
            session=s,
            author=alice,
            focus="Asking Diane to share the bills; what her mother said",
            interventions="Rehearsal",
            response="Alexis felt steadier saying no",
            plan="Try it at home",
            state="signed",
            signed_by=alice,
            signed_at=s.starts_at,
        )
        for s in grown
    )
    recipient = {
        "recipient_name": "Dr Bench Mark",
        "recipient_organisation": "Benchmark Clinic",
        "recipient_contact": "intake@bench.example",
    }
    signing, releasing, sizes = [], [], {}
    for _ in range(repeat):
        row = authorization_draft(
            client=alexis,
            by=alice,
            categories=[Category.FULL_RECORD],
            purposes=["Continuity of care"],
            expires_on=timezone.localdate() + datetime.timedelta(days=30),
            **recipient,
        )
        began = time.perf_counter()
        authorization_sign(
            authorization=row,
            by=login,
            typed_name="Alexis Rowan",
            shown_sha256=row.text_sha256,
            via="portal",
        )
        signing.append((time.perf_counter() - began) * 1000)
        request = ReleaseRequest(
            recipient=Party(*recipient.values()),
            categories=frozenset({Category.FULL_RECORD}),
            purpose="Continuity of care",
            information_from=timezone.localdate() - datetime.timedelta(days=7 * sessions + 30),
            information_to=timezone.localdate(),
            at=timezone.now(),
        )
        began = time.perf_counter()
        disclosure = release_make(client=alexis, by=alice, request=request)
        releasing.append((time.perf_counter() - began) * 1000)
        sizes = {
            "pdf_kib": round(len(disclosure.packet_pdf) / 1024, 1),
            "bundle_kib": round(len(disclosure.packet_bundle.encode()) / 1024, 1),
            "bundle_entries": len(json.loads(disclosure.packet_bundle)["entry"]),
        }
    summaries = Session.objects.filter(client=alexis, progress_note__state="signed").count()
    return {
        "signed_progress_notes": summaries,
        "sign_p50_ms": round(statistics.median(signing), 1),
        "sign_p95_ms": round(percentile(signing, 0.95), 1),
        "release_p50_ms": round(statistics.median(releasing), 1),
        "release_p95_ms": round(percentile(releasing, 0.95), 1),
        **sizes,
    }


def postgres_ready(url: str) -> str | None:
    import psycopg

    server, _, dbname = url.rpartition("/")
    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3) as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [dbname]
            ).fetchone()
            if not found:
                conn.execute(f'CREATE DATABASE "{dbname}"')
    except psycopg.OperationalError as error:
        return str(error).strip()
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.sessions, args.repeat)))
        return 0
    VAR.mkdir(parents=True, exist_ok=True)
    targets = []
    if args.only in (None, "sqlite"):
        targets.append(("SQLite", f"sqlite:///{VAR / 'release.sqlite3'}"))
    if args.only in (None, "postgresql"):
        url = os.environ.get("KITHKIN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
        why = postgres_ready(url)
        if why:
            print(f"NOTICE: PostgreSQL at {url} did not answer ({why}); skipped.")
        else:
            targets.append(("PostgreSQL", url))
    for label, url in targets:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "kithkin.settings",
            "KITHKIN_DATABASE_URL": url,
            "KITHKIN_DEBUG": "0",
        }
        argv = [sys.executable, __file__, "--child", f"--sessions={args.sessions}"]
        done = subprocess.run(  # noqa: S603 - this script, again
            [*argv, f"--repeat={args.repeat}"], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-4000:])
            return done.returncode
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{label}: {json.dumps(result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
