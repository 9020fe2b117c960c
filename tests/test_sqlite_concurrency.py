"""A small practice runs on one SQLite file with several gunicorn workers writing at once. These
tests prove the connection settings make that safe: no "database is locked" under contention,
and every acknowledged write on disk.

They need a real file (the test database is in memory) and separate processes (SQLite locks are
per process), so each runs Django in child processes against an installation in tmp_path.
"""

import json
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = [
    pytest.mark.subprocess,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
        reason="SQLite locking only; the suite is running on another database",
    ),
]

WORKERS = 8
ROUNDS = 40

SETUP = """
import django
django.setup()
from kithkin.accounts.models import User
from kithkin.practices.models import Practice

practice = Practice.objects.create(name="Riverside", slug="riverside")
User.objects.create_user(
    username="alice", password=None, role=User.Roles.THERAPIST, practice=practice
)
"""

# Each worker waits for the go file so that all eight contend from the same moment. The read
# before the write is the pattern that defeats SQLite's busy handler under BEGIN DEFERRED.
WORKER = """
import json, os, sys, time
import django
django.setup()
from django.db import OperationalError, transaction
from kithkin.accounts.models import User
from kithkin.clients.models import Client
from kithkin.clients.services import client_create

worker, rounds, go = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
alice = User.objects.get(username="alice")
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.005)
locked = created = 0
for n in range(rounds):
    try:
        with transaction.atomic():
            seen = Client.objects.filter(practice_id=alice.practice_id).count()
            client_create(by=alice, given_name=f"Worker{worker}", family_name=f"Round{n}-{seen}")
        created += 1
    except OperationalError as error:
        if "database is locked" not in str(error):
            raise
        locked += 1
print(json.dumps({"locked": locked, "created": created}), flush=True)
"""

PRAGMAS = """
import json
import django
django.setup()
from django.db import connection

with connection.cursor() as cursor:
    values = {}
    for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
        cursor.execute(f"PRAGMA {name}")
        values[name] = cursor.fetchone()[0]
values["transaction_mode"] = connection.transaction_mode
print(json.dumps(values))
"""


def test_it_takes_eight_writers_at_once_without_a_locked_database(installation, tmp_path):
    setup = installation.django(SETUP)
    assert setup.returncode == 0, setup.stderr

    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(n), str(ROUNDS), str(go)],
            env=installation.env(DJANGO_SETTINGS_MODULE="kithkin.settings"),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=(tmp_path / f"worker{n}.err").open("w"),
            text=True,
        )
        for n in range(WORKERS)
    ]
    try:
        for n, worker in enumerate(workers):
            assert worker.stdout.readline().strip() == "ready", (
                tmp_path / f"worker{n}.err"
            ).read_text()
        go.touch()
        reports = []
        for n, worker in enumerate(workers):
            out, _ = worker.communicate(timeout=120)
            assert worker.returncode == 0, (tmp_path / f"worker{n}.err").read_text()
            reports.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    assert sum(report["locked"] for report in reports) == 0, reports
    assert [report["created"] for report in reports] == [ROUNDS] * WORKERS
    assert installation.count("clients_client") == WORKERS * ROUNDS
    assert installation.count("relationships_therapyrelationship") == WORKERS * ROUNDS
    with sqlite3.connect(installation.database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_it_configures_immediate_transactions_and_durable_commits(installation):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"

    result = installation.django(PRAGMAS)
    assert result.returncode == 0, result.stderr
    opened = json.loads(result.stdout)

    assert opened["transaction_mode"] == "IMMEDIATE"
    assert opened["journal_mode"] == "wal"
    # 2 is FULL: an acknowledged clinical write survives a power cut, not only a crash.
    assert opened["synchronous"] == 2
    assert opened["foreign_keys"] == 1
    assert opened["busy_timeout"] > 0
