"""Keeping the database's query planner informed.

SQLite gathers no statistics unless asked: without them the caseload query walked all of a
practice's clients instead of seeking the therapist's 200 (docs/performance.md). PostgreSQL's
autovacuum analyses by itself; after a bulk load an explicit ANALYZE gets there sooner.
"""

from django.db import connection


def optimize_database() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The analysis limit samples each index instead of reading it whole, so this takes
            # well under a second on the 10,000-client practice; the plans only need the shape.
            # (PRAGMA optimize would be lighter, but before SQLite 3.46, which Debian 12 lacks,
            # it only analyses tables this very connection has queried.)
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
