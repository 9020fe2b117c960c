"""The two databases the benchmark runs on: an SQLite file and a PostgreSQL database.

Each target knows its ``KITHKIN_DATABASE_URL``, how to start over, how to count what the large
practice holds, and how to open a plain DB-API connection for the raw-SQL floor.
"""

import contextlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

COUNTS_SQL = "SELECT (SELECT COUNT(*) FROM clients_client), (SELECT COUNT(*) FROM schedule_session)"

# The client page to measure: the one of alice's active clients with the most sessions, so the
# page shows full "recent" and "upcoming" lists. Deterministic for a given build.
CLIENT_SQL = """
SELECT r.client_id, COUNT(s.id) AS n
FROM relationships_therapyrelationship r
JOIN accounts_user u ON u.id = r.therapist_id
JOIN practices_practice p ON p.id = u.practice_id
JOIN schedule_session s ON s.client_id = r.client_id
WHERE u.username = 'alice' AND p.slug = 'demo' AND r.ended_on IS NULL
GROUP BY r.client_id
ORDER BY n DESC, r.client_id
LIMIT 1
"""


@dataclass
class SQLiteTarget:
    path: Path
    marker: Path
    name: str = "sqlite"
    label: str = "SQLite"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def describe(self) -> str:
        return str(self.path)

    def reachable(self) -> str | None:
        return None

    def reset(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def counts(self) -> tuple[int, int] | None:
        if not self.path.exists():
            return None
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        except sqlite3.Error:
            return None
        try:
            return tuple(conn.execute(COUNTS_SQL).fetchone())
        except sqlite3.Error:
            return None
        finally:
            conn.close()

    def after_build(self) -> None:
        # Nothing: whether the planner has statistics is the revision's business (Kithkin runs
        # ANALYZE after the bulk demo load since 9f04550; earlier revisions never do).
        pass

    def connect(self):
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        # The read-relevant part of Django's init_command (WAL is persistent in the file).
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=20000")
        return conn

    def server_version(self) -> str:
        return sqlite3.sqlite_version

    def backend_pids(self) -> set[int]:
        return set()  # in-process: the server's own workers do the database work


@dataclass
class PostgresTarget:
    url: str
    marker: Path
    name: str = "postgresql"
    label: str = "PostgreSQL"

    @property
    def dbname(self) -> str:
        return conninfo_to_dict(self.url)["dbname"]

    def describe(self) -> str:
        params = conninfo_to_dict(self.url)
        return f"{params.get('host', '')}:{params.get('port', '5432')}/{self.dbname}"

    def _admin(self):
        return psycopg.connect(
            make_conninfo(self.url, dbname="postgres"), autocommit=True, connect_timeout=3
        )

    def reachable(self) -> str | None:
        """None when the server answers, else why not."""
        try:
            with self._admin() as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as error:
            return str(error).strip() or type(error).__name__
        return None

    def reset(self) -> None:
        with self._admin() as conn:
            name = sql.Identifier(self.dbname)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))

    def counts(self) -> tuple[int, int] | None:
        try:
            with psycopg.connect(self.url, connect_timeout=3) as conn:
                return tuple(conn.execute(COUNTS_SQL).fetchone())
        except psycopg.Error:
            return None

    def after_build(self) -> None:
        # Autovacuum would vacuum and analyse the freshly loaded tables within a minute or so;
        # doing it now makes the plans, and so the figures, the same on every run.
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    def connect(self):
        # Autocommit, as Django runs: each statement is its own transaction.
        return psycopg.connect(self.url, autocommit=True)

    def server_version(self) -> str:
        with contextlib.closing(self.connect()) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def backend_pids(self) -> set[int]:
        """The PostgreSQL processes serving this database, whose CPU is the benchmark's too."""
        try:
            with contextlib.closing(self.connect()) as conn:
                rows = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                ).fetchall()
        except psycopg.Error:
            return set()
        return {row[0] for row in rows}


def read_marker(target) -> dict | None:
    """The record of a finished build, if it is for this database and the data is still there."""
    try:
        marker = json.loads(target.marker.read_text())
    except (OSError, ValueError):
        return None
    if marker.get("url") != target.url:
        return None
    counts = target.counts()
    if counts is None or counts[0] < marker.get("clients", 1) or counts[1] < marker["sessions"]:
        return None
    return marker


def pick_client(target) -> tuple[int, int]:
    with contextlib.closing(target.connect()) as conn:
        row = conn.execute(CLIENT_SQL).fetchone()
    if row is None:
        raise RuntimeError("alice has no client with sessions; is the large practice built?")
    return row[0], row[1]
