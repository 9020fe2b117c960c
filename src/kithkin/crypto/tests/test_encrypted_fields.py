import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from kithkin.clients.models import Client, Person
from kithkin.crypto.keys import load_or_create_key_file

NOTE = "Diane borrows money and never pays it back; Alexis feels unable to say so"


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_notes_are_stored_as_ciphertext_and_read_back_as_text(world):
    person = Person.objects.create(
        practice=world.practice, client=world.carol, name="Diane", notes=NOTE
    )
    stored = raw("clients_person", "notes", person.pk)
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert "Diane borrows" not in stored
    assert Person.objects.get(pk=person.pk).notes == NOTE


def test_the_same_text_encrypts_differently_each_time(world):
    a = Person.objects.create(practice=world.practice, client=world.carol, name="A", notes=NOTE)
    b = Person.objects.create(practice=world.practice, client=world.carol, name="B", notes=NOTE)
    assert raw("clients_person", "notes", a.pk) != raw("clients_person", "notes", b.pk)


def test_blank_text_stays_blank(world):
    person = Person.objects.create(practice=world.practice, client=world.carol, name="C")
    assert raw("clients_person", "notes", person.pk) == ""


def test_a_value_no_key_can_read_fails_loudly_instead_of_showing_nothing(world):
    person = Person.objects.create(
        practice=world.practice, client=world.carol, name="D", notes=NOTE
    )
    with (
        override_settings(KITHKIN_FIELD_KEYS=[Fernet.generate_key().decode()]),
        pytest.raises(RuntimeError, match="cannot be decrypted"),
    ):
        Person.objects.get(pk=person.pk)


def test_rotation_re_encrypts_everything_and_retires_the_old_key(world, tmp_path, capsys):
    old = Fernet.generate_key().decode()
    key_file = tmp_path / "field_keys"
    key_file.write_text(old + "\n")
    with override_settings(
        KITHKIN_FIELD_KEYS=[old], KITHKIN_FIELD_KEYS_FILE=key_file, KITHKIN_FIELD_KEYS_SOURCE="file"
    ):
        person = Person.objects.create(
            practice=world.practice, client=world.carol, name="Diane", notes=NOTE
        )
        Client.objects.filter(pk=world.carol.pk).update(address="")
        world.carol.address = "1 Example Road"
        world.carol.save()
        before = raw("clients_person", "notes", person.pk)
        call_command("rotate_keys", "--new-key", "--drop-old")
        keys = load_or_create_key_file(key_file)
        assert len(keys) == 1 and keys[0] != old
        after = raw("clients_person", "notes", person.pk)
        assert after != before
        with pytest.raises(InvalidToken):
            Fernet(old.encode()).decrypt(after.encode())
        Fernet(keys[0].encode()).decrypt(raw("clients_client", "address", world.carol.pk).encode())
    with override_settings(KITHKIN_FIELD_KEYS=keys):
        assert Person.objects.get(pk=person.pk).notes == NOTE
        assert Client.objects.get(pk=world.carol.pk).address == "1 Example Road"
    assert "Re-encrypted" in capsys.readouterr().out


def test_keys_from_the_environment_are_not_written_anywhere(world, capsys, tmp_path):
    with override_settings(
        KITHKIN_FIELD_KEYS_SOURCE="environment", KITHKIN_FIELD_KEYS_FILE=tmp_path / "k"
    ):
        call_command("rotate_keys", "--new-key")
    assert "Put this new key first" in capsys.readouterr().out
    assert not (tmp_path / "k").exists()


def test_the_key_file_is_created_private_and_reused(tmp_path):
    path = tmp_path / "keys"
    first = load_or_create_key_file(path)
    assert len(first) == 1
    assert load_or_create_key_file(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


SCRIPT = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from kithkin.clients.models import Client, Person
from kithkin.practices.models import Practice
p = Practice.objects.create(name="P", slug="p")
c = Client.objects.create(practice=p, given_name="A", family_name="B", address="77 Secret Street")
Person.objects.create(practice=p, client=c, name="Diane", notes="NOTE_TEXT")
print(Person.objects.get().notes)
"""


def test_the_database_file_holds_no_note_text_in_clear(tmp_path):
    """Opens the SQLite file (and its write-ahead log) as raw bytes, as a thief would."""
    database = tmp_path / "raw.sqlite3"
    note = "Feels unheard by her roommate after the argument about rent"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kithkin.settings",
        "KITHKIN_DATABASE_URL": f"sqlite:///{database}",
        "KITHKIN_VAR_DIR": str(tmp_path),
    }
    env.pop("KITHKIN_FIELD_KEYS", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.replace("NOTE_TEXT", note)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == note  # it really was written and reads back
    raw_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("raw.sqlite3*"))
    assert b"Diane" in raw_bytes  # the name is not a free-text field; the file is readable
    assert note.encode() not in raw_bytes
    assert b"77 Secret Street" not in raw_bytes
