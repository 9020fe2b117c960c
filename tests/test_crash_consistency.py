"""Kill -9 the real server while it writes, and count what was lost: nothing may be.

Each cycle starts gunicorn (2 gthread workers x 3 threads) on the installation's database, drives
writers that book sessions (API), save each session's progress note (the page's autosave) and
enter PHQ-9 responses (API), and records every answer. At a random moment (on SQLite 50 to 400
ms in), the master and its workers get SIGKILL together. With the server down, the harness
checks that the SQLite file passes PRAGMA integrity_check, that the audit chain verifies, that
every write answered with a 2xx is on disk with its audit event, and that no row lacks its audit
event (a write half-done). Then the next cycle starts a new server on the same database.

The same harness runs on PostgreSQL in the PostgreSQL pass, in a database of its own.
"""

import contextlib
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from tests.crash import CHECKER, LAUNCHER, SETUP
from tests.programs import Installation

pytestmark = pytest.mark.subprocess

LONG = os.environ.get("KITHKIN_LONG_TESTS") == "1"
SQLITE_CYCLES = 200 if LONG else 50
POSTGRES_CYCLES = 200 if LONG else 20
WRITERS = 4
# The real `kithkin audit verify` command line, besides the checker's call_command every cycle.
CLI_VERIFY_EVERY = 10
ON_SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
PHQ9 = {str(item): 1 for item in range(1, 10)}
CSRF = secrets.token_hex(16)  # 32 characters: a CSRF secret Django accepts as it is
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


@dataclass
class Acknowledged:
    sessions: dict[str, str] = field(default_factory=dict)  # id -> idempotency key
    responses: list[int] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # session id -> the note's focus
    failed: int = 0  # no answer: the connection was refused, reset or timed out
    refused: list[str] = field(default_factory=list)  # an answer that was not a 2xx
    lock: threading.Lock = field(default_factory=threading.Lock)

    def total(self) -> int:
        return len(self.sessions) + len(self.responses) + len(self.notes)

    def as_json(self) -> str:
        with self.lock:
            return json.dumps(
                {"sessions": self.sessions, "responses": self.responses, "notes": self.notes}
            )


class Line:
    """A child process that answers one line per line it is sent."""

    def __init__(self, installation: Installation, script: str, env: dict[str, str], log: Path):
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            cwd=installation.var_dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log.open("w"),
            text=True,
        )
        assert self.ask(None) == "ready", log.read_text()

    def ask(self, line: str | None, timeout: float = 30) -> str:
        if line is not None:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        answer: list[str] = []
        reader = threading.Thread(target=lambda: answer.append(self.process.stdout.readline()))
        reader.start()
        reader.join(timeout)
        assert answer and answer[0], f"no answer within {timeout} s:\n{self.log.read_text()}"
        return answer[0].strip()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def living(group: int) -> list[int]:
    """The processes of the group that are not yet dead (a zombie has finished dying)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def request(port: int, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def wait_until_up(port: int, log: Path, deadline: float) -> None:
    while True:
        try:
            if request(port, "GET", "/healthz", b"", {})[0] == 200:
                return
        except CONNECTION_ERRORS:
            pass
        assert time.monotonic() < deadline, f"the server did not start:\n{log.read_text()}"
        time.sleep(0.02)


class Writer(threading.Thread):
    def __init__(self, port: int, setup: dict, acked: Acknowledged, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.setup, self.acked, self.stop = port, setup, acked, stop
        self.api = {
            "Authorization": f"Bearer {setup['token']}",
            "Content-Type": "application/json",
        }
        self.page = {
            "Cookie": f"sessionid={setup['sessionid']}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def run(self) -> None:
        base = f"/api/clients/{self.setup['client_id']}"
        while not self.stop.is_set():
            try:
                if random.random() < 0.5:
                    self.response(base)
                else:
                    self.session_and_note(base)
            except CONNECTION_ERRORS:
                with self.acked.lock:
                    self.acked.failed += 1
                return

    def response(self, base: str) -> None:
        key = str(uuid.uuid4())
        body = json.dumps({"instrument": "phq9", "answers": PHQ9, "idempotency_key": key})
        status, answer = request(self.port, "POST", f"{base}/responses", body.encode(), self.api)
        if status == 201:
            with self.acked.lock:
                self.acked.responses.append(json.loads(answer)["id"])
        else:
            self.refuse("response", status, answer)

    def session_and_note(self, base: str) -> None:
        key = str(uuid.uuid4())
        starts = time.strftime("%Y-%m-%dT%H:%M:00+00:00", time.gmtime(time.time() + 86400))
        body = json.dumps({"starts_at": starts, "idempotency_key": key})
        status, answer = request(self.port, "POST", f"{base}/sessions", body.encode(), self.api)
        if status != 201:
            return self.refuse("session", status, answer)
        session_id = str(json.loads(answer)["id"])
        with self.acked.lock:
            self.acked.sessions[session_id] = key
        focus = f"Crash harness note {key}"
        form = urllib.parse.urlencode({"focus": focus, "plan": "Meet again next week."})
        path = f"/clients/{self.setup['client_id']}/sessions/{session_id}/note/autosave/"
        status, answer = request(self.port, "POST", path, form.encode(), self.page)
        if status == 200 and b"Draft saved" in answer:
            with self.acked.lock:
                self.acked.notes[session_id] = focus
        else:
            self.refuse("note", status, answer)

    def refuse(self, what: str, status: int, answer: bytes) -> None:
        with self.acked.lock:
            self.acked.refused.append(f"{what}: {status} {answer[:200]!r}")


def check(checker: Line, acked: Acknowledged, cycle: int) -> dict:
    verdict = json.loads(checker.ask(acked.as_json(), timeout=60))
    assert verdict["audit_ok"], f"cycle {cycle}: the audit chain is broken: {verdict['audit']}"
    assert verdict["missing"] == {"sessions": [], "responses": [], "notes": []}, (
        f"cycle {cycle}: acknowledged writes are missing: {verdict['missing']}"
    )
    assert verdict["unaudited"] == {"sessions": [], "responses": [], "notes": []}, (
        f"cycle {cycle}: rows without their audit event: {verdict['unaudited']}"
    )
    return verdict


def run_harness(
    installation: Installation, env: dict[str, str], cycles: int, integrity, kill_after: tuple
) -> None:
    setup_run = installation.django(SETUP, **env)
    assert setup_run.returncode == 0, setup_run.stderr
    setup = json.loads(setup_run.stdout.strip().splitlines()[-1])
    # A generous rate: the limit is per process and would refuse the harness, not the crash.
    server_env = installation.env(
        DJANGO_SETTINGS_MODULE="kithkin.settings", KITHKIN_API_RATE="100000/m", **env
    )
    log = installation.var_dir / "server.log"
    acked, kills, server = Acknowledged(), 0, None
    launcher = Line(installation, LAUNCHER, server_env, installation.var_dir / "launcher.log")
    checker = Line(installation, CHECKER, server_env, installation.var_dir / "checker.log")
    started = time.monotonic()
    try:
        for cycle in range(1, cycles + 1):
            port = free_port()
            server = int(launcher.ask(f"start {port} {log}"))
            wait_until_up(port, log, time.monotonic() + 20)
            stop = threading.Event()
            writers = [Writer(port, setup, acked, stop) for _ in range(WRITERS)]
            for writer in writers:
                writer.start()
            time.sleep(random.uniform(*kill_after))
            os.killpg(server, signal.SIGKILL)
            kills += 1
            deadline = time.monotonic() + 10
            while living(server):
                assert time.monotonic() < deadline, "the server outlived SIGKILL"
                time.sleep(0.005)
            stop.set()
            for writer in writers:
                writer.join(timeout=10)
                assert not writer.is_alive(), "a writer hung"
            launcher.ask(f"reap {server}")
            server = None
            assert acked.refused == [], f"cycle {cycle}: answers that were not a 2xx"
            integrity(cycle)
            verdict = check(checker, acked, cycle)
            if cycle % CLI_VERIFY_EVERY == 0 or cycle == cycles:
                cli = installation.kithkin("audit", "verify", **env)
                assert cli.returncode == 0, f"cycle {cycle}: {cli.stdout}{cli.stderr}"
    finally:
        if server is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server, signal.SIGKILL)
        launcher.close()
        checker.close()
    found = sum(verdict["counts"][kind] for kind in ("sessions", "responses", "notes"))
    print(
        f"\ncrash consistency ({env.get('KITHKIN_DATABASE_URL', 'sqlite').split(':')[0]}): "
        f"{cycles} cycles, {kills} kills, {acked.total()} writes acknowledged "
        f"({len(acked.sessions)} sessions, {len(acked.notes)} notes, "
        f"{len(acked.responses)} responses), all {acked.total()} found, 0 lost; "
        f"{found} rows on disk ({acked.failed} requests cut off by the kill); "
        f"{time.monotonic() - started:.0f} s"
    )
    # Not vacuous: the kills landed while writes were being acknowledged.
    assert acked.total() >= cycles and acked.failed >= cycles // 2


@pytest.mark.skipif(not ON_SQLITE, reason="the SQLite harness runs in the SQLite pass")
def test_no_acknowledged_write_is_lost_when_the_server_is_killed_on_sqlite(installation):
    import sqlite3

    def integrity(cycle: int) -> None:
        with sqlite3.connect(installation.database) as db:
            result = db.execute("PRAGMA integrity_check").fetchall()
        db.close()
        assert result == [("ok",)], f"cycle {cycle}: PRAGMA integrity_check said {result}"

    run_harness(installation, {}, SQLITE_CYCLES, integrity, kill_after=(0.05, 0.4))


@pytest.mark.skipif(ON_SQLITE, reason="the PostgreSQL harness runs in the PostgreSQL pass")
def test_no_acknowledged_write_is_lost_when_the_server_is_killed_on_postgresql(
    installation, postgres_database
):
    import psycopg

    def sane(cycle: int) -> None:
        with psycopg.connect(postgres_database) as db:
            assert db.execute("SELECT 1").fetchone() == (1,), f"cycle {cycle}"

    # A wider window than SQLite's: each request opens its PostgreSQL connection, so the first
    # writes of a new server take longer to be answered.
    env = {"KITHKIN_DATABASE_URL": postgres_database}
    run_harness(installation, env, POSTGRES_CYCLES, sane, kill_after=(0.1, 0.6))
