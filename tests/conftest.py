"""Fixtures for the tests that run Kithkin as an installed program, in child processes: each
test gets its own installation in tmp_path with a migrated SQLite file."""

import os
import secrets
import shutil
import urllib.parse
from pathlib import Path

import pytest

from tests.programs import Installation


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """One `kithkin migrate` per session; each test copies the result (1 ms, not 1.5 s)."""
    install = Installation(
        var_dir=tmp_path_factory.mktemp("migrated"),
        database=tmp_path_factory.getbasetemp() / "migrated.sqlite3",
    )
    result = install.kithkin("migrate", "--noinput")
    assert result.returncode == 0, result.stderr
    return install.database


@pytest.fixture
def installation(tmp_path, migrated_sqlite) -> Installation:
    database = tmp_path / "kithkin.sqlite3"
    # migrate has exited, so its WAL was checkpointed into the main file; copy any leftovers.
    for suffix in ("", "-wal"):
        source = Path(f"{migrated_sqlite}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{database}{suffix}")
    return Installation(var_dir=tmp_path, database=database)


@pytest.fixture
def postgres_database(installation):
    """A database of the harness's own on the suite's PostgreSQL server, migrated, then
    dropped."""
    import psycopg

    admin = os.environ["KITHKIN_DATABASE_URL"]
    name = f"program_{secrets.token_hex(4)}"
    url = urllib.parse.urlsplit(admin)._replace(path=f"/{name}").geturl()
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    try:
        migrated = installation.kithkin(
            "migrate", "--noinput", timeout=300, KITHKIN_DATABASE_URL=url
        )
        assert migrated.returncode == 0, migrated.stderr
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
