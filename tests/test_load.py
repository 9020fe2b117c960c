"""The load test's short form: the real server (gunicorn, 2 workers x 4 threads) on the demo
practice, under the mix bench/load.py drives (90% reads: the caseload, the client page, the
sphere map, the plan, FHIR reads; 10% responses entered in the office form), then 64
connections that only write. Every answer must be the one expected, the log must never say
"database is locked", every acknowledged response must be stored exactly once, and the audit
chain must verify afterwards.

Timings are not asserted here: bench/load.py measures them on the 10,000-client practice
(docs/performance.md). The long form of this test is that benchmark.
"""

import json
import os
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.programs import KITHKIN

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from loadgen import MIX, WRITES_ONLY, agents_for, drive  # noqa: E402
from web import Server, free_port  # noqa: E402

pytestmark = pytest.mark.subprocess

ON_SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
LONG = os.environ.get("KITHKIN_LONG_TESTS") == "1"
MIX_SECONDS = 60 if LONG else 8
WRITERS = 64
WRITER_SECONDS = 120 if LONG else 10

COUNT_RESPONSES = """
import django
django.setup()
from kithkin.measures.models import Response
print(Response.objects.count())
"""


def responses(installation, env) -> int:
    done = installation.django(COUNT_RESPONSES, **env)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


def bench_step(installation, env: dict, *argv: str) -> dict:
    """One of bench/load.py's steps in the installation's environment; what it printed last."""
    done = installation.django(
        f"import runpy, sys; sys.argv = ['load.py', *{list(argv)!r}]; "
        f"sys.path.insert(0, {str(BENCH)!r}); runpy.run_path({str(BENCH / 'load.py')!r}, "
        "run_name='__main__')",
        timeout=300,
        **env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_load(installation, env: dict, tmp_path: Path) -> None:
    demo = installation.kithkin("demo", timeout=600, **env)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    prepared = bench_step(installation, env, "--prepare", "--therapists", "2")
    # The harness's CPU step answers every route of the mix in one process and checks each
    # status: the figure behind the throughput ceiling in docs/performance.md.
    saved = tmp_path / "prepared.json"
    saved.write_text(json.dumps(prepared))
    cpu = bench_step(installation, env, "--cpu", str(saved))
    assert set(cpu["routes"]) == {route.name for route in MIX}
    assert all(r["mean_ms"] > 0 for r in cpu["routes"].values())
    # The mean is printed to two places and the ceiling worked from the unrounded mean, so the
    # two agree to well within a per cent (168.0 against 168.1 once failed an exact check).
    ceiling = cpu["cores"] * 1000 / cpu["weighted_mean_ms"]
    assert cpu["ceiling_rps"] == pytest.approx(ceiling, rel=0.01)
    before = responses(installation, env)

    port = free_port()
    server_env = installation.env(
        DJANGO_SETTINGS_MODULE="kithkin.settings",
        KITHKIN_API_RATE="1000000/m",
        KITHKIN_REQUIRE_2FA="0",
        **env,
    )
    argv = [str(KITHKIN), "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = tmp_path / "serve.log"
    with Server([*argv, "--workers", "2", "--threads", "4"], server_env, log, port, tmp_path):
        mix = drive(port, agents_for(prepared, 8), routes=MIX, seconds=MIX_SECONDS)
        writes = drive(
            port,
            agents_for(prepared, WRITERS),
            routes=WRITES_ONLY,
            seconds=WRITER_SECONDS,
            timeout=60,
        )
    text = log.read_text(errors="replace")

    for load in (mix, writes):
        assert load["errors"] == {}, load["error_samples"]
    assert "database is locked" not in text
    assert "Traceback" not in text, text[-3000:]
    # Not vacuous: every route of the mix was answered, and the writers wrote.
    assert {route.name for route in MIX} <= set(mix["latencies"]), sorted(mix["latencies"])
    acknowledged = len(mix["latencies"]["submit response"]) + len(
        writes["latencies"]["submit response"]
    )
    assert len(writes["latencies"]["submit response"]) >= WRITERS
    # Each acknowledged write is stored, once: every form carried a fresh idempotency key.
    assert responses(installation, env) - before == acknowledged
    verify = installation.kithkin("audit", "verify", timeout=300, **env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    reads = sum(len(v) for k, v in mix["latencies"].items() if k != "submit response")
    print(
        f"\nload ({'sqlite' if not env else 'postgresql'}): the mix on 8 connections, "
        f"{reads} reads and {len(mix['latencies']['submit response'])} writes in "
        f"{mix['seconds']:.0f} s; {WRITERS} writers, "
        f"{len(writes['latencies']['submit response'])} writes in {writes['seconds']:.0f} s; "
        f"0 errors, 0 locked, {acknowledged} acknowledged and stored"
    )


@pytest.mark.skipif(not ON_SQLITE, reason="the SQLite run is in the SQLite pass")
def test_the_server_takes_the_mix_and_64_writers_without_an_error_on_sqlite(installation, tmp_path):
    run_load(installation, {}, tmp_path)


@pytest.mark.skipif(ON_SQLITE, reason="the PostgreSQL run is in the PostgreSQL pass")
def test_the_server_takes_the_mix_and_64_writers_without_an_error_on_postgresql(
    installation, postgres_database, tmp_path
):
    run_load(installation, {"KITHKIN_DATABASE_URL": postgres_database}, tmp_path)
