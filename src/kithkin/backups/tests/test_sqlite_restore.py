"""Backups of a SQLite file and restores into another: every check, and a target left as it was
whenever one fails."""

import json
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings

from kithkin.backups.files import BackupError
from kithkin.backups.sealing import MAGIC
from kithkin.backups.services import backup_create
from kithkin.backups.sqlite import restore_sqlite
from kithkin.backups.tests.conftest import every_row, sqlite_alias
from kithkin.core.backups import MANIFEST_NAME

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.subprocess,
    # Files in tmp_path, whatever the suite's database: run them once, in the SQLite pass.
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
        reason="SQLite files; the PostgreSQL pass runs test_restore_drill.py",
    ),
]

PASSPHRASE = b"otter lantern meadow"
SENTINEL = b"the target as it was before the restore"


def backup_of(database: Path, to: Path, passphrase: bytes | None = None):
    with sqlite_alias(database) as alias:
        return backup_create(alias=alias, to=to, passphrase=passphrase)


@pytest.fixture
def sentinel(tmp_path) -> Path:
    """An existing target whose bytes must survive every refused restore."""
    target = tmp_path / "target" / "kithkin.sqlite3"
    target.parent.mkdir()
    target.write_bytes(SENTINEL)
    return target


def assert_untouched(target: Path) -> None:
    assert target.read_bytes() == SENTINEL
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


def edit_manifest(backup_dir: Path, change) -> None:
    path = backup_dir / MANIFEST_NAME
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def test_a_restored_copy_holds_every_row_of_the_demo_practice(practice_file, tmp_path):
    backup = backup_of(practice_file, tmp_path / "backup")
    assert sorted(p.name for p in backup.directory.iterdir()) == ["kithkin.sqlite3", MANIFEST_NAME]
    manifest = backup.manifest
    assert manifest.vendor == "sqlite" and not manifest.encrypted
    assert manifest.audit_heads and manifest.row_counts["clients_client"] > 0
    assert set(manifest.row_counts) >= {"audit_auditevent", "audit_chainhead", "django_migrations"}

    target = tmp_path / "restored.sqlite3"
    restore_sqlite(source=backup.directory, target=target)

    assert every_row(target) == every_row(practice_file)
    with sqlite3.connect(target) as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_an_encrypted_backup_holds_no_plain_copy_and_round_trips(practice_file, tmp_path):
    backup = backup_of(practice_file, tmp_path / "backup", passphrase=PASSPHRASE)
    assert sorted(p.name for p in backup.directory.iterdir()) == [
        "kithkin.sqlite3.aes",
        MANIFEST_NAME,
    ]
    assert backup.manifest.encrypted
    assert backup.file.read_bytes().startswith(MAGIC)

    target = tmp_path / "restored.sqlite3"
    restore_sqlite(source=backup.directory, target=target, passphrase=PASSPHRASE)
    assert every_row(target) == every_row(practice_file)


def test_a_wrong_passphrase_is_refused_and_writes_nothing(practice_file, tmp_path, sentinel):
    backup = backup_of(practice_file, tmp_path / "backup", passphrase=PASSPHRASE)
    with pytest.raises(BackupError, match="wrong passphrase"):
        restore_sqlite(source=backup.directory, target=sentinel, force=True, passphrase=b"guess")
    assert_untouched(sentinel)


def test_an_encrypted_backup_without_a_passphrase_is_refused(practice_file, tmp_path, sentinel):
    backup = backup_of(practice_file, tmp_path / "backup", passphrase=PASSPHRASE)
    with pytest.raises(BackupError, match="no passphrase"):
        restore_sqlite(source=backup.directory, target=sentinel, force=True)
    assert_untouched(sentinel)


@pytest.mark.parametrize("passphrase", [None, PASSPHRASE])
def test_a_tampered_backup_is_refused_by_its_sha256(practice_file, tmp_path, sentinel, passphrase):
    backup = backup_of(practice_file, tmp_path / "backup", passphrase=passphrase)
    data = bytearray(backup.file.read_bytes())
    data[len(data) // 2] ^= 0x01
    backup.file.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="SHA-256"):
        restore_sqlite(source=backup.directory, target=sentinel, force=True, passphrase=passphrase)
    assert_untouched(sentinel)


@pytest.mark.parametrize("sidecar", ["-wal", "-shm", "-journal"])
def test_it_refuses_to_restore_beside_a_stale_wal(practice_file, tmp_path, sentinel, sidecar):
    backup = backup_of(practice_file, tmp_path / "backup")
    stale = sentinel.with_name(sentinel.name + sidecar)
    stale.write_bytes(b"frames of commits not yet in the main file")
    with pytest.raises(BackupError, match="in use or was not shut down cleanly"):
        restore_sqlite(source=backup.directory, target=sentinel, force=True)
    assert sentinel.read_bytes() == SENTINEL
    assert stale.read_bytes().startswith(b"frames")


def test_it_refuses_a_database_that_is_open_elsewhere(practice_file, tmp_path):
    backup = backup_of(practice_file, tmp_path / "backup")
    target = tmp_path / "live.sqlite3"
    live = sqlite3.connect(target)
    live.execute("PRAGMA journal_mode=WAL")
    live.execute("CREATE TABLE t (x)")
    live.execute("INSERT INTO t VALUES (1)")
    live.commit()
    try:
        with pytest.raises(BackupError, match="in use"):
            restore_sqlite(source=backup.directory, target=target, force=True)
        assert live.execute("SELECT x FROM t").fetchall() == [(1,)]
    finally:
        live.close()


def test_an_empty_sidecar_is_not_stale(practice_file, tmp_path):
    backup = backup_of(practice_file, tmp_path / "backup")
    target = tmp_path / "restored.sqlite3"
    target.with_name(target.name + "-wal").write_bytes(b"")
    restore_sqlite(source=backup.directory, target=target)
    assert every_row(target) == every_row(practice_file)


def test_a_non_empty_target_is_replaced_only_with_force(practice_file, tmp_path, sentinel):
    backup = backup_of(practice_file, tmp_path / "backup")
    with pytest.raises(BackupError, match="--force"):
        restore_sqlite(source=backup.directory, target=sentinel)
    assert_untouched(sentinel)
    restore_sqlite(source=backup.directory, target=sentinel, force=True)
    assert every_row(sentinel) == every_row(practice_file)


def test_a_row_count_that_differs_from_the_manifest_is_refused(practice_file, tmp_path, sentinel):
    backup = backup_of(practice_file, tmp_path / "backup")
    edit_manifest(
        backup.directory,
        lambda m: m["row_counts"].update(clients_client=m["row_counts"]["clients_client"] + 1),
    )
    with pytest.raises(BackupError, match="table clients_client: backup says"):
        restore_sqlite(source=backup.directory, target=sentinel, force=True)
    assert_untouched(sentinel)


def test_a_table_missing_from_the_manifest_is_refused(practice_file, tmp_path, sentinel):
    backup = backup_of(practice_file, tmp_path / "backup")
    edit_manifest(backup.directory, lambda m: m["row_counts"].pop("clients_person"))
    with pytest.raises(BackupError, match="clients_person: backup says no such table"):
        restore_sqlite(source=backup.directory, target=sentinel, force=True)
    assert_untouched(sentinel)


def test_an_audit_head_that_differs_from_the_manifest_is_refused(practice_file, tmp_path, sentinel):
    backup = backup_of(practice_file, tmp_path / "backup")

    def rewind(manifest):
        head = next(iter(manifest["audit_heads"].values()))
        head["seq"] -= 1

    edit_manifest(backup.directory, rewind)
    with pytest.raises(BackupError, match="audit chain head of practice"):
        restore_sqlite(source=backup.directory, target=sentinel, force=True)
    assert_untouched(sentinel)


def test_a_backup_whose_audit_chain_is_broken_is_not_restored(practice_file, tmp_path, sentinel):
    # Someone with file access lifted the append-only trigger and rewrote an event.
    with sqlite3.connect(practice_file) as database:
        database.execute("DROP TRIGGER audit_event_no_update")
        database.execute("UPDATE audit_auditevent SET reason = 'rewritten' WHERE id = 2")
    backup = backup_of(practice_file, tmp_path / "backup")
    assert "BROKEN" in backup.manifest.notes["audit_chains"]
    with pytest.raises(BackupError, match="audit trail does not verify"):
        restore_sqlite(source=backup.directory, target=sentinel, force=True)
    assert_untouched(sentinel)


def test_a_corrupt_database_fails_the_integrity_check(practice_file, tmp_path, sentinel):
    backup = backup_of(practice_file, tmp_path / "backup")
    data = bytearray(backup.file.read_bytes())
    page = 4096
    # Scribble over the b-tree pages past the schema page, then re-sign it as a careless
    # operator (or a bit flip before the manifest was written) would.
    for offset in range(2 * page, min(len(data), 12 * page), 7):
        data[offset] = 0xFF
    backup.file.write_bytes(bytes(data))
    import hashlib

    edit_manifest(
        backup.directory, lambda m: m.update(sha256=hashlib.sha256(bytes(data)).hexdigest())
    )
    with pytest.raises(BackupError, match=r"integrity|not a readable|malformed"):
        restore_sqlite(source=backup.directory, target=sentinel, force=True)
    assert_untouched(sentinel)


def test_a_folder_without_a_manifest_is_not_a_backup(tmp_path, sentinel):
    (tmp_path / "empty").mkdir()
    with pytest.raises(BackupError, match="not a Kithkin backup"):
        restore_sqlite(source=tmp_path / "empty", target=sentinel, force=True)
    assert_untouched(sentinel)


def test_a_backup_never_overwrites_an_earlier_one(practice_file, tmp_path):
    first = backup_of(practice_file, tmp_path / "backup")
    before = first.file.read_bytes()
    with pytest.raises(BackupError, match="already exists"):
        backup_of(practice_file, tmp_path / "backup")
    assert first.file.read_bytes() == before
