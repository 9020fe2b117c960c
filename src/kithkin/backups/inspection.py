"""What a database holds, read through a Django connection: the audit chain heads, whether every
chain verifies, and the row count of every table. The same reading makes the manifest at backup
time and checks the copy at restore time."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections
from django.db.utils import load_backend

from kithkin.audit.models import AuditEvent, ChainHead
from kithkin.core.audit import StoredEvent, Verdict, verify_chain
from kithkin.core.backups import ChainHeadState


@dataclass(frozen=True)
class Contents:
    audit_heads: dict[str, ChainHeadState]
    row_counts: dict[str, int]
    broken_chains: dict[str, Verdict]


@contextmanager
def attached(settings_dict: dict) -> Iterator[str]:
    """A database that is not in settings (a restored copy, a target) as a temporary alias, so the
    audit models and Django's introspection can read it."""
    alias = f"kithkin_backups_{uuid.uuid4().hex[:12]}"
    config = {
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {},
        "TIME_ZONE": None,
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        **settings_dict,
        "TEST": {"CHARSET": None, "COLLATION": None, "MIGRATE": True, "MIRROR": None, "NAME": None},
    }
    # One plain connection, closed below. A copy of a pooled alias's settings would open a
    # pool of its own under this throwaway alias, which nothing ever closes.
    config["OPTIONS"] = {key: value for key, value in config["OPTIONS"].items() if key != "pool"}
    # A connection of our own, not an entry in settings.DATABASES: nothing else (routers,
    # close_old_connections, the test runner) should ever see or reuse it.
    setattr(
        connections._connections,
        alias,
        load_backend(config["ENGINE"]).DatabaseWrapper(config, alias),
    )
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


def read_contents(alias: str) -> Contents:
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    heads, broken = {}, {}
    if ChainHead._meta.db_table in counts:
        for head in ChainHead.objects.using(alias).order_by("practice_id"):
            heads[str(head.practice_id)] = ChainHeadState(head.seq, head.hash)
        practices = set(ChainHead.objects.using(alias).values_list("practice_id", flat=True))
        practices |= set(
            AuditEvent.objects.using(alias).values_list("practice_id", flat=True).distinct()
        )
        for practice_id in sorted(practices):
            verdict = _verify(alias, practice_id)
            if not verdict.ok:
                broken[str(practice_id)] = verdict
    return Contents(audit_heads=heads, row_counts=counts, broken_chains=broken)


def _verify(alias: str, practice_id: int) -> Verdict:
    # kithkin.audit.selectors.verify_practice, on another database than the default one.
    head = ChainHead.objects.using(alias).filter(practice_id=practice_id).first()
    return verify_chain(
        _stored(alias, practice_id),
        head_seq=head.seq if head else 0,
        head_hash=head.hash if head else None,
    )


def _stored(alias: str, practice_id: int, batch: int = 2000) -> Iterator[StoredEvent]:
    after = 0
    while True:
        rows = list(
            AuditEvent.objects.using(alias)
            .filter(practice_id=practice_id, seq__gt=after)
            .order_by("seq")[:batch]
        )
        if not rows:
            return
        for row in rows:
            yield StoredEvent(row.pk, row.seq, row.previous_hash, row.hash, row.payload())
        after = rows[-1].seq
