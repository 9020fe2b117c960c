"""``backup_create`` and ``backup_restore``: the database behind a Django alias, by vendor."""

from pathlib import Path

from django.db import connections

from kithkin.backups.files import Backup, BackupError
from kithkin.backups.postgres import backup_postgres, restore_postgres
from kithkin.backups.sqlite import backup_sqlite, restore_sqlite


def backup_create(*, alias: str = "default", to: Path, passphrase: bytes | None = None) -> Backup:
    vendor = connections[alias].vendor
    if vendor == "sqlite":
        return backup_sqlite(alias=alias, to=Path(to), passphrase=passphrase)
    if vendor == "postgresql":
        return backup_postgres(alias=alias, to=Path(to), passphrase=passphrase)
    raise BackupError(f"backups of {vendor} databases are not supported")


def backup_restore(
    *, source: Path, target: dict, force: bool = False, passphrase: bytes | None = None
) -> Backup:
    """Restores into the database described by ``target`` (a Django DATABASES entry)."""
    engine = target["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        name = str(target["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            raise BackupError("restore needs a SQLite database file as its target")
        return restore_sqlite(
            source=Path(source), target=Path(name), force=force, passphrase=passphrase
        )
    if engine.startswith("django.db.backends.postgresql"):
        return restore_postgres(
            source=Path(source), target=target, force=force, passphrase=passphrase
        )
    raise BackupError(f"restoring into {engine} is not supported")
