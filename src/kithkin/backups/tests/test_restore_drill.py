"""The restore drill on the suite's own database, SQLite or PostgreSQL: back up the demo practice
(and a large one), restore it elsewhere, and compare every row of every table."""

import json
import threading

import pytest
from django.db import connection, connections

from kithkin.backups.files import BackupError
from kithkin.backups.inspection import attached
from kithkin.backups.services import backup_create, backup_restore
from kithkin.backups.tests.conftest import every_row_of
from kithkin.core.backups import MANIFEST_NAME
from kithkin.demo.builder import grow_practice, load_demo

pytestmark = pytest.mark.django_db(transaction=True)

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump and pg_restore; the suite runs on SQLite"
)


class _NoProgress:
    def __init__(self, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1):
        pass


@pytest.fixture
def restore_target(tmp_path):
    """An empty database to restore into: a new file, or a new PostgreSQL database."""
    if connection.vendor == "sqlite":
        yield {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "restored.sqlite3")}
        return
    target = {**connection.settings_dict, "NAME": f"{connection.settings_dict['NAME']}_restore"}
    quoted = connection.ops.quote_name(target["NAME"])
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")
        cursor.execute(f"CREATE DATABASE {quoted}")
    yield target
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def restored_rows(target: dict) -> dict:
    with attached(target) as alias:
        return every_row_of(alias)


def test_the_demo_practice_survives_backup_and_restore_row_for_row(tmp_path, restore_target):
    load_demo(password="a demo passphrase")
    backup = backup_create(to=tmp_path / "backup")
    assert backup.manifest.vendor == connection.vendor
    backup_restore(source=backup.directory, target=restore_target)
    assert restored_rows(restore_target) == every_row_of("default")


def test_an_encrypted_backup_round_trips(tmp_path, restore_target):
    load_demo(password="a demo passphrase")
    backup = backup_create(to=tmp_path / "backup", passphrase=b"kestrel")
    assert backup.manifest.encrypted
    backup_restore(source=backup.directory, target=restore_target, passphrase=b"kestrel")
    assert restored_rows(restore_target) == every_row_of("default")


def _drill(tmp_path, restore_target, *, clients, sessions):
    practice, _ = load_demo(password="a demo passphrase")
    grow_practice(practice, clients=clients, sessions=sessions, progress=_NoProgress)
    backup = backup_create(to=tmp_path / "backup")
    assert backup.manifest.row_counts["clients_client"] == clients
    backup_restore(source=backup.directory, target=restore_target)
    assert restored_rows(restore_target) == every_row_of("default")


def test_a_restore_drill_of_a_grown_practice(tmp_path, restore_target):
    _drill(tmp_path, restore_target, clients=120, sessions=600)


@pytest.mark.slow
def test_a_restore_drill_of_the_large_practice(tmp_path, restore_target):
    _drill(tmp_path, restore_target, clients=10_000, sessions=100_000)


@on_postgres
def test_a_tampered_dump_is_refused_before_the_target_is_touched(tmp_path, restore_target):
    load_demo(password="a demo passphrase")
    backup = backup_create(to=tmp_path / "backup")
    data = bytearray(backup.file.read_bytes())
    data[len(data) // 2] ^= 0x01
    backup.file.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="SHA-256"):
        backup_restore(source=backup.directory, target=restore_target, force=True)
    assert restored_rows(restore_target) == {}


@on_postgres
def test_a_wrong_passphrase_leaves_the_target_database_empty(tmp_path, restore_target):
    load_demo(password="a demo passphrase")
    backup = backup_create(to=tmp_path / "backup", passphrase=b"kestrel")
    with pytest.raises(BackupError, match="wrong passphrase"):
        backup_restore(source=backup.directory, target=restore_target, passphrase=b"owl")
    assert restored_rows(restore_target) == {}


@on_postgres
def test_a_non_empty_database_is_replaced_only_with_force(tmp_path, restore_target):
    load_demo(password="a demo passphrase")
    backup = backup_create(to=tmp_path / "backup")
    backup_restore(source=backup.directory, target=restore_target)
    with attached(restore_target) as alias, connections[alias].cursor() as cursor:
        cursor.execute("UPDATE clients_client SET given_name = 'Changed'")
    with pytest.raises(BackupError, match="--force"):
        backup_restore(source=backup.directory, target=restore_target)
    backup_restore(source=backup.directory, target=restore_target, force=True)
    assert restored_rows(restore_target) == every_row_of("default")


@on_postgres
def test_a_manifest_that_disagrees_with_the_dump_fails_loudly(tmp_path, restore_target):
    load_demo(password="a demo passphrase")
    backup = backup_create(to=tmp_path / "backup")
    path = backup.directory / MANIFEST_NAME
    document = json.loads(path.read_text())
    document["row_counts"]["clients_client"] += 1
    path.write_text(json.dumps(document))
    with pytest.raises(BackupError, match="must not be used"):
        backup_restore(source=backup.directory, target=restore_target)


@on_postgres
def test_a_backup_taken_while_another_thread_writes_is_consistent(tmp_path, restore_target):
    from kithkin.accounts.models import User
    from kithkin.clients.models import Client
    from kithkin.clients.services import client_create

    load_demo(password="a demo passphrase")
    alice = User.objects.get(username="alice")
    stop, written = threading.Event(), []

    def write():
        try:
            while not stop.is_set():
                client_create(by=alice, given_name="Writer", family_name=f"Round {len(written)}")
                written.append(1)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 5:
            stop.wait(0.01)
        backup = backup_create(to=tmp_path / "backup")
        at_backup = len(written)
        while len(written) < at_backup + 5:
            stop.wait(0.01)
    finally:
        stop.set()
        writer.join()
    backup_restore(source=backup.directory, target=restore_target)
    in_backup = backup.manifest.row_counts["clients_client"]
    assert in_backup < Client.objects.count()
    with attached(restore_target) as alias:
        from kithkin.audit.models import AuditEvent

        assert Client.objects.using(alias).count() == in_backup
        writer_clients = set(
            Client.objects.using(alias).filter(given_name="Writer").values_list("pk", flat=True)
        )
        events = set(
            AuditEvent.objects.using(alias)
            .filter(action="client.create", resource_id__in=[str(pk) for pk in writer_clients])
            .values_list("resource_id", flat=True)
        )
        assert events == {str(pk) for pk in writer_clients}
