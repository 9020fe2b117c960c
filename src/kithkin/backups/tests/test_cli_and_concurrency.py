"""`kithkin backup` and `kithkin restore` as installed, and backups taken while another process
keeps writing to the same SQLite file."""

import sqlite3
import subprocess
import sys
import time

import pytest
from django.conf import settings

from kithkin.backups.sqlite import restore_sqlite
from kithkin.backups.tests.conftest import every_row
from kithkin.backups.tests.test_sqlite_restore import backup_of
from tests.programs import Installation

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.subprocess,
    # Files in tmp_path, whatever the suite's database: run them once, in the SQLite pass.
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
        reason="SQLite files; the PostgreSQL pass runs test_restore_drill.py",
    ),
]


def test_the_commands_back_up_encrypted_and_restore_into_a_new_installation(
    practice_file, tmp_path
):
    secret = tmp_path / "backup-passphrase"
    secret.write_text("heron slate orchard\n")
    wrong = tmp_path / "wrong-passphrase"
    wrong.write_text("not it\n")
    source = Installation(var_dir=practice_file.parent, database=practice_file)
    backup = tmp_path / "nightly"

    made = source.kithkin(
        "backup", "--to", str(backup), "--encrypt", KITHKIN_BACKUP_PASSPHRASE_FILE=str(secret)
    )
    assert made.returncode == 0, made.stderr
    assert "encrypted" in made.stdout
    assert (backup / "kithkin.sqlite3.aes").exists()

    (tmp_path / "new").mkdir()
    fresh = Installation(var_dir=tmp_path / "new", database=tmp_path / "new" / "kithkin.sqlite3")
    refused = fresh.kithkin("restore", str(backup), KITHKIN_BACKUP_PASSPHRASE_FILE=str(wrong))
    assert refused.returncode != 0
    assert "wrong passphrase" in refused.stderr
    assert not fresh.database.exists()

    restored = fresh.kithkin("restore", str(backup), KITHKIN_BACKUP_PASSPHRASE_FILE=str(secret))
    assert restored.returncode == 0, restored.stderr
    assert "integrity ok" in restored.stdout
    assert every_row(fresh.database) == every_row(practice_file)

    again = fresh.kithkin("restore", str(backup), KITHKIN_BACKUP_PASSPHRASE_FILE=str(secret))
    assert again.returncode != 0
    assert "--force" in again.stderr
    audit = fresh.kithkin("audit", "verify")
    assert audit.returncode == 0, audit.stderr


def test_the_passphrase_is_never_taken_from_the_command_line(practice_file, tmp_path):
    source = Installation(var_dir=practice_file.parent, database=practice_file)
    result = source.kithkin("backup", "--to", str(tmp_path / "b"), "--passphrase", "x")
    assert result.returncode != 0
    assert not (tmp_path / "b").exists()


WRITER = """
import sys, time
import django
django.setup()
from kithkin.accounts.models import User
from kithkin.clients.services import client_create

alice = User.objects.get(username="alice")
deadline = time.monotonic() + float(sys.argv[1])
print("writing", flush=True)
n = 0
while time.monotonic() < deadline:
    client_create(by=alice, given_name="Writer", family_name=f"Round {n}")
    n += 1
print(n, flush=True)
"""


def test_backups_taken_while_another_process_writes_are_consistent(practice_file, tmp_path):
    install = Installation(var_dir=practice_file.parent, database=practice_file)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, "6"],
        env=install.env(DJANGO_SETTINGS_MODULE="kithkin.settings"),
        cwd=install.var_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "writing"
        backups = []
        for n in range(3):
            time.sleep(1)
            backups.append(backup_of(practice_file, tmp_path / f"backup-{n}"))
    finally:
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    written = int(out.strip())

    seen = []
    for n, backup in enumerate(backups):
        target = tmp_path / f"restored-{n}.sqlite3"
        # Integrity, the audit chains and every row count, as the manifest recorded them.
        restore_sqlite(source=backup.directory, target=target)
        with sqlite3.connect(target) as database:
            clients = {
                str(pk)
                for (pk,) in database.execute(
                    "SELECT id FROM clients_client WHERE given_name = 'Writer'"
                )
            }
            events = {
                resource_id
                for (resource_id,) in database.execute(
                    "SELECT resource_id FROM audit_auditevent WHERE action = 'client.create'"
                )
            }
        # A client and its audit event commit together: a torn copy would hold one without
        # the other.
        assert events - _demo_clients(target) == clients
        seen.append(len(clients))
    assert written > seen[-1] > seen[1] > seen[0] > 0


def _demo_clients(path) -> set[str]:
    with sqlite3.connect(path) as database:
        return {
            str(pk)
            for (pk,) in database.execute(
                "SELECT id FROM clients_client WHERE given_name <> 'Writer'"
            )
        }
