"""PostgreSQL connections come from Django 5.2's pool (psycopg_pool), one per process (issue 10).

The settings are checked in child processes that only import them (no database is reached);
the pool itself on the PostgreSQL pass only.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

PROJECT = Path(__file__).resolve().parents[4]
PRIMARY = "postgres://kithkin@db.invalid:5432/kithkin"
REPLICA = "postgres://reader@replica.invalid:5432/kithkin"


def databases(tmp_path, **env) -> dict:
    """DATABASES as the settings build them from ``env`` alone."""
    script = "import json, kithkin.settings as s; print(json.dumps(s.DATABASES))"
    unset = ("KITHKIN_DB_POOL", "KITHKIN_THREADS", "KITHKIN_REPLICA_DATABASE_URL")
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(unset)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**inherited, "KITHKIN_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT,
    )
    return json.loads(result.stdout)


@pytest.mark.subprocess
def test_postgresql_pools_the_primary_and_the_replica_alike(tmp_path):
    found = databases(tmp_path, KITHKIN_DATABASE_URL=PRIMARY, KITHKIN_REPLICA_DATABASE_URL=REPLICA)
    for alias in ("default", "replica"):
        assert found[alias]["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 4, "timeout": 10}
        assert found[alias]["CONN_MAX_AGE"] == 0  # Django refuses a pool with persistent ones
        assert found[alias]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.subprocess
def test_the_pool_is_sized_by_the_environment_or_turned_off(tmp_path):
    sized = databases(
        tmp_path, KITHKIN_DATABASE_URL=PRIMARY, KITHKIN_DB_POOL_MIN="1", KITHKIN_DB_POOL_MAX="8"
    )
    assert sized["default"]["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 8, "timeout": 10}
    threads = databases(tmp_path, KITHKIN_DATABASE_URL=PRIMARY, KITHKIN_THREADS="6")
    assert threads["default"]["OPTIONS"]["pool"]["max_size"] == 6

    off = databases(tmp_path, KITHKIN_DATABASE_URL=PRIMARY, KITHKIN_DB_POOL="0")
    assert "pool" not in off["default"]["OPTIONS"]
    assert off["default"]["CONN_MAX_AGE"] == 60
    assert off["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.subprocess
def test_sqlite_has_no_pool(tmp_path):
    found = databases(tmp_path, KITHKIN_DATABASE_URL=f"sqlite:///{tmp_path}/kithkin.sqlite3")
    assert "pool" not in found["default"]["OPTIONS"]


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the pool is PostgreSQL's: runs in that pass"
)


@postgres_only
def test_the_test_database_is_reached_through_the_pool():
    assert connection.settings_dict["OPTIONS"]["pool"]
    assert connection.pool is not None


@postgres_only
def test_closing_a_connection_returns_it_to_the_pool_for_the_next_request(
    django_db_setup, django_db_blocker
):
    # What a request does: take a connection, use it, and give it back at the end
    # (close_old_connections, on request_finished).
    requests = 10
    with django_db_blocker.unblock():
        connection.close()
        before = connection.pool.get_stats()
        backends = []
        for _ in range(requests):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.append(cursor.fetchone()[0])
            connection.close()
        after = connection.pool.get_stats()
    opened = after.get("connections_num", 0) - before.get("connections_num", 0)
    assert after["requests_num"] - before.get("requests_num", 0) == requests
    assert opened < requests
    assert len(set(backends)) <= connection.pool.max_size < requests
