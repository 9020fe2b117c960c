"""Exit 0 when the PostgreSQL server at the given URL answers a query, 1 otherwise."""

import sys

import psycopg

try:
    with psycopg.connect(sys.argv[1], connect_timeout=3) as conn:
        conn.execute("SELECT 1")
except psycopg.Error as error:
    print(f"PostgreSQL is not answering: {error}".strip(), file=sys.stderr)
    sys.exit(1)
