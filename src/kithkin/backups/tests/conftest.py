"""A demo practice in a real SQLite file (the test database is in memory), made once per session
by the installed ``kithkin`` program, and helpers that read every row of a database."""

import shutil
import sqlite3
from pathlib import Path

import pytest

from kithkin.backups import sealing
from kithkin.backups.inspection import attached
from tests.programs import Installation

SQLITE = "django.db.backends.sqlite3"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    # The real cost is for real passphrases; tests need the same code path, not the same cost.
    monkeypatch.setattr(sealing, "SCRYPT_N", 2**4)


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory) -> Path:
    install = Installation(
        var_dir=tmp_path_factory.mktemp("backups-demo"),
        database=tmp_path_factory.getbasetemp() / "backups-demo.sqlite3",
    )
    for command in (["migrate", "--noinput"], ["demo", "--quiet"]):
        result = install.kithkin(*command, timeout=180)
        assert result.returncode == 0, result.stderr
    return install.database


@pytest.fixture
def practice_file(tmp_path, demo_sqlite) -> Path:
    """A private copy of the demo practice's database file."""
    database = tmp_path / "practice" / "kithkin.sqlite3"
    database.parent.mkdir()
    shutil.copyfile(demo_sqlite, database)
    return database


def sqlite_alias(path: Path):
    return attached({"ENGINE": SQLITE, "NAME": str(path)})


def every_row(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows in a stable order, read with the sqlite3 module (not through Kithkin)."""
    with sqlite3.connect(path) as database:
        tables = [
            name
            for (name,) in database.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: sorted(
                database.execute(f'SELECT * FROM "{table}"').fetchall(),
                key=repr,
            )
            for table in tables
        }


def every_row_of(alias: str) -> dict[str, list[tuple]]:
    from django.db import connections

    connection = connections[alias]
    with connection.cursor() as cursor:
        found = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            found[table] = sorted(cursor.fetchall(), key=repr)
        return found
