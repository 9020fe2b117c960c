"""SQLite: an online copy while the practice keeps writing, and a checked, atomic restore."""

import os
import sqlite3
import uuid
from pathlib import Path

from django.db import connections

from kithkin.backups.files import (
    Backup,
    BackupError,
    check_contents,
    finish_backup,
    fsync_path,
    new_backup_directory,
    open_backup,
    plain_copy,
)
from kithkin.backups.inspection import attached, read_contents

VENDOR = "sqlite"
FILE_NAME = "kithkin.sqlite3"
ENGINE = "django.db.backends.sqlite3"


def backup_sqlite(*, alias: str, to: Path, passphrase: bytes | None = None) -> Backup:
    """Copies the database behind ``alias`` with SQLite's online backup API.

    The backup API rather than VACUUM INTO: it copies the pages as they are (no rebuild, so it is
    faster and the copy is byte-for-byte the database), and it works from the connection the
    application already has, in-memory databases included. Copying in one step (pages=-1) reads
    everything inside a single read transaction: in WAL mode that is one consistent snapshot, and
    writers go on beside it. (Copying in small steps would restart whenever another connection
    writes, and might never finish on a busy day.)
    """
    connection = connections[alias]
    if connection.in_atomic_block:
        raise BackupError("a backup must run outside a transaction")
    with new_backup_directory(to) as directory:
        plain = directory / FILE_NAME
        connection.ensure_connection()
        copy = sqlite3.connect(plain)
        try:
            connection.connection.backup(copy, pages=-1)
            # A single self-contained file: no -wal or -shm to carry beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
        # The manifest describes the copy, not the live database, which has moved on since.
        with attached({"ENGINE": ENGINE, "NAME": str(plain)}) as copy_alias:
            contents = read_contents(copy_alias)
        return finish_backup(
            directory,
            plain,
            vendor=VENDOR,
            contents=contents,
            passphrase=passphrase,
            notes={"method": "sqlite3 online backup API"},
        )


SIDECARS = ("-wal", "-shm", "-journal")


def refuse_stale_sidecars(target: Path) -> None:
    """A -wal or -shm with content means the database is open, or was not closed cleanly and
    holds commits that are not yet in the main file. Replacing the main file under it would pair
    the restored pages with another database's log: SQLite would replay it and corrupt both."""
    for suffix in SIDECARS:
        sidecar = target.with_name(target.name + suffix)
        if sidecar.exists() and sidecar.stat().st_size > 0:
            raise BackupError(
                f"{sidecar} exists and is not empty: the target database is in use or was not "
                "shut down cleanly. Stop Kithkin (server and workers), let SQLite checkpoint by "
                "opening and closing the database once, then restore again"
            )


def integrity_check(path: Path) -> None:
    database = sqlite3.connect(path)
    try:
        rows = [row[0] for row in database.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        raise BackupError(
            f"the restored copy is not a readable SQLite database: {error}"
        ) from error
    finally:
        database.close()
    if rows != ["ok"]:
        raise BackupError("PRAGMA integrity_check failed: " + "; ".join(rows[:5]))


def restore_sqlite(
    *, source: Path, target: Path, force: bool = False, passphrase: bytes | None = None
) -> Backup:
    """Restores into a temporary file beside ``target``, checks it, then renames it into place.

    Any refusal or mismatch leaves ``target`` as it was.
    """
    target = Path(target)
    try:
        return _restore(Path(source), target, force=force, passphrase=passphrase)
    except BackupError as error:
        raise BackupError(f"{error}. {target} was left as it was") from error


def _restore(source: Path, target: Path, *, force: bool, passphrase: bytes | None) -> Backup:
    backup = open_backup(source, vendor=VENDOR)
    refuse_stale_sidecars(target)
    if target.exists() and target.stat().st_size > 0 and not force:
        raise BackupError(f"{target} is not empty; restore over it only with --force")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} does not exist")
    # Beside the target, so the final rename stays on one filesystem and is atomic.
    temporary = target.with_name(f".{target.name}.restoring-{uuid.uuid4().hex[:8]}")
    try:
        plain_copy(backup, temporary, passphrase=passphrase)
        integrity_check(temporary)
        with attached({"ENGINE": ENGINE, "NAME": str(temporary)}) as alias:
            contents = read_contents(alias)
        check_contents(backup, contents)
        refuse_stale_sidecars(temporary)
        fsync_path(temporary)
        # Checked again at the last moment: a server may have started while we worked.
        refuse_stale_sidecars(target)
        os.replace(temporary, target)
        fsync_path(target.parent)
    finally:
        for path in [temporary, *(temporary.with_name(temporary.name + s) for s in SIDECARS)]:
            path.unlink(missing_ok=True)
    return backup
