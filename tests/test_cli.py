"""The `kithkin` command as a clinic's administrator runs it: a real process, the real settings,
a SQLite file in tmp_path."""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.programs import KITHKIN

pytestmark = pytest.mark.subprocess

PRODUCTION = {
    "KITHKIN_PRODUCTION": "1",
    "KITHKIN_SECRET_KEY": secrets.token_urlsafe(64),
    "KITHKIN_ALLOWED_HOSTS": "clinic.example.org",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http to 127.0.0.1)
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def process_group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_it_lists_kithkins_own_commands_beside_djangos(installation):
    result = installation.kithkin("help")
    assert result.returncode == 0, result.stderr
    commands = {line.strip() for line in result.stdout.splitlines() if line.startswith("    ")}
    assert {"serve", "demo", "migrate", "run_huey"} <= commands


def test_serve_starts_gunicorn_answering_health_checks(installation, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(KITHKIN), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=installation.env(),
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        # Its own process group, so the gunicorn master and its workers stop together.
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                health = get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        assert health is not None, (tmp_path / "serve.log").read_text()
        status, headers, body = health
        assert status == 200
        assert json.loads(body)["status"] == "ok"
        # serve exec()s gunicorn, so the process we started is the gunicorn master itself.
        assert headers["Server"].startswith("gunicorn")

        status, _, body = get(f"{base}/nope")
        assert status == 404
        assert "We could not find that page" in body
        # Each of the two workers listens on its own socket (gunicorn's --reuse-port), so the
        # kernel spreads keep-alive connections over both, not all onto whichever woke first.
        deadline = time.monotonic() + 20
        while listening_sockets(port) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert listening_sockets(port) == 2
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
            pytest.fail("gunicorn did not stop within 15 s of SIGTERM")
        finally:
            log.close()
    assert server.returncode == 0, (tmp_path / "serve.log").read_text()
    assert not process_group_alive(server.pid), "gunicorn workers outlived their master"


def test_serve_refuses_a_port_another_server_listens_on(installation):
    # Each worker's socket shares its port with any other that asks to, so without this
    # check a second server would start and quietly take half of the first one's connections.
    with socket.socket() as other:
        # As a worker of another `kithkin serve` listens: the one case the kernel would allow.
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = installation.kithkin("serve", "--host", "127.0.0.1", "--port", str(port))
    assert result.returncode != 0
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert "Serving Kithkin" not in result.stdout


def listening_sockets(port: int) -> int:
    """The sockets listening on 127.0.0.1:``port``, from the kernel's own table."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return sum(1 for row in rows if row[1] == wanted and row[3] == "0A")  # 0A: LISTEN


def test_demo_is_refused_in_production_mode(installation):
    result = installation.kithkin(
        "demo",
        KITHKIN_PRODUCTION="1",
        KITHKIN_SECRET_KEY="x" * 60,
        KITHKIN_ALLOWED_HOSTS="example.org",
    )
    assert result.returncode != 0
    assert "production" in result.stderr
    # Synthetic people must never appear beside real clients.
    assert installation.count("practices_practice") == 0
    assert installation.count("clients_client") == 0


def test_demo_prints_its_logins_and_loads_only_once(installation):
    password = "a demo password for this test"

    first = installation.kithkin("demo", "--quiet", KITHKIN_DEMO_PASSWORD=password)
    assert first.returncode == 0, first.stderr
    assert "Loaded the demo practice" in first.stdout
    assert f"password: {password}" in first.stdout
    logins = re.findall(r"^ {2}(\w+) ", first.stdout, flags=re.MULTILINE)
    assert logins == ["alice", "bob", "sam", "adam", "alexis"]
    clients = installation.count("clients_client")
    assert clients > 0

    second = installation.kithkin("demo", "--quiet", KITHKIN_DEMO_PASSWORD=password)
    assert second.returncode == 0, second.stderr
    assert "Already loaded" in second.stdout
    assert installation.count("clients_client") == clients
    assert installation.count("practices_practice") == 1


def test_production_mode_passes_the_deployment_checks(installation):
    result = installation.kithkin("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    failing = sorted(set(re.findall(r"\((\w+\.[EWCI]\d+)\)", result.stdout + result.stderr)))
    assert result.returncode == 0, f"failing checks: {failing}\n{result.stderr}"


STYLESHEET = """
import re
import django
django.setup()
from django.test import Client

browser = Client(HTTP_HOST="clinic.example.org")
page = browser.get("/login/", secure=True)
print(page.status_code)
stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.content.decode())[1]
print(stylesheet, browser.get(stylesheet, secure=True).status_code)
"""


def test_production_mode_serves_pages_with_their_collected_stylesheet(installation):
    collected = installation.kithkin("collectstatic", "--noinput", **PRODUCTION)
    assert collected.returncode == 0, collected.stderr

    result = installation.django(STYLESHEET, **PRODUCTION)
    # A stylesheet missing from collectstatic's manifest turns every page into a 500.
    assert result.returncode == 0, result.stderr.strip().splitlines()[-1]
    status, stylesheet = result.stdout.splitlines()
    assert status == "200"
    assert re.fullmatch(r"/static/kithkin/site\.[0-9a-f]{12}\.css 200", stylesheet)


def test_development_mode_fails_the_deployment_checks(installation):
    # The counterpart of the test above: the same command must be able to fail.
    result = installation.kithkin("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


PRACTICE_WITH_ADMIN = """
import django
django.setup()
from kithkin.accounts.models import User
from kithkin.practices.models import Practice

practice = Practice.objects.create(name="Riverside", slug="riverside")
User.objects.create_user(username="adam", role="admin", practice=practice)
"""


def test_instruments_loads_a_definition_once_and_refuses_on_stderr(installation):
    made = installation.django(PRACTICE_WITH_ADMIN)
    assert made.returncode == 0, made.stderr
    example = Path(__file__).resolve().parents[1] / "docs/instruments/example-instrument.json"
    load = ("instruments", "load", "--practice", "riverside", "--user", "adam")
    licence = ("--licence", "Made up: no licence needed")

    first = installation.kithkin(*load, *licence, str(example))
    assert first.returncode == 0, first.stderr
    assert "Loaded Session Rating Example (made up)" in first.stdout

    second = installation.kithkin(*load, *licence, str(example))
    assert second.returncode == 1
    assert "example-instrument.json: Version 0.1 of session_rating_example was already" in (
        second.stderr
    )
    blank = installation.kithkin(*load, "--licence", "", str(example))
    assert blank.returncode == 1 and "Say what licence" in blank.stderr
    assert installation.count("measures_practiceinstrument") == 1

    listed = installation.kithkin("instruments", "list", "--practice", "riverside")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("session_rating_example\t0.1\tlive\t")
    unknown = installation.kithkin("instruments", "list", "--practice", "nowhere")
    assert unknown.returncode == 1
    assert "There is no practice with the slug 'nowhere'." in unknown.stderr
