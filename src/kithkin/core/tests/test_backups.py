import json

import pytest

from kithkin.core.backups import ChainHeadState, Manifest, ManifestError, differences
from kithkin.core.backups import manifest_from_json as parse

HEADS = {"1": ChainHeadState(12, "a" * 64), "2": ChainHeadState(3, "b" * 64)}
COUNTS = {"clients_client": 40, "audit_auditevent": 15}


def manifest(**changes) -> Manifest:
    values = dict(
        created_at="2026-12-02T03:00:00+00:00",
        vendor="sqlite",
        kithkin_version="0.1.0",
        backup_file="kithkin.sqlite3",
        sha256="c" * 64,
        encrypted=False,
        audit_heads=HEADS,
        row_counts=COUNTS,
    )
    return Manifest(**{**values, **changes})


def test_a_manifest_reads_back_as_it_was_written():
    written = manifest(notes={"method": "backup API"})
    assert parse(written.to_json()) == written


def test_nothing_differs_when_heads_and_counts_match():
    assert differences(manifest(), audit_heads=dict(HEADS), row_counts=dict(COUNTS)) == []


def test_it_names_every_table_whose_count_differs_and_every_missing_table():
    found = differences(
        manifest(),
        audit_heads=HEADS,
        row_counts={"clients_client": 39, "notes_note": 2},
    )
    assert found == [
        "table audit_auditevent: backup says 15 rows, restored database has no such table",
        "table clients_client: backup says 40 rows, restored database has 39 rows",
        "table notes_note: backup says no such table, restored database has 2 rows",
    ]


def test_it_names_a_chain_head_that_moved_or_vanished():
    found = differences(
        manifest(), audit_heads={"1": ChainHeadState(11, "a" * 64)}, row_counts=COUNTS
    )
    assert len(found) == 2
    assert found[0].startswith("audit chain head of practice 1: backup says #12")
    assert "practice 2" in found[1] and "no chain" in found[1]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        json.dumps({"format_version": 99}),
        json.dumps({"format_version": 1, "vendor": "sqlite"}),
    ],
)
def test_an_unreadable_or_unknown_manifest_is_refused(text):
    with pytest.raises(ManifestError):
        parse(text)


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b", "..", ""])
def test_a_manifest_cannot_point_outside_its_folder(name):
    document = json.loads(manifest().to_json())
    document["backup_file"] = name
    with pytest.raises(ManifestError, match="unsafe backup file"):
        parse(json.dumps(document))
