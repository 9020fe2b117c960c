"""PostgreSQL: pg_dump in its custom format from an exported snapshot, and pg_restore.

The row counts and audit heads are read inside the same REPEATABLE READ transaction whose
snapshot pg_dump uses (``--snapshot``), so the manifest describes exactly what was dumped even
while the practice keeps writing.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.db import connections, transaction

from kithkin.backups.files import (
    Backup,
    BackupError,
    check_contents,
    finish_backup,
    new_backup_directory,
    open_backup,
    plain_copy,
)
from kithkin.backups.inspection import attached, read_contents

VENDOR = "postgresql"
FILE_NAME = "kithkin.pgdump"
# Debian's postgresql-client package provides these.
PG_DUMP, PG_RESTORE = "pg_dump", "pg_restore"


def _connection_arguments(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Command-line arguments and environment for the PostgreSQL tools, from Django's settings.
    The password goes in the environment, never in the arguments (visible in ``ps``)."""
    arguments = ["--no-password"]
    if settings_dict.get("HOST"):
        arguments += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        arguments += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        arguments += ["--username", str(settings_dict["USER"])]
    environment = {**os.environ}
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = settings_dict.get("OPTIONS", {}).get("sslmode")
    if sslmode:
        environment["PGSSLMODE"] = str(sslmode)
    return arguments, environment


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 (a fixed tool, arguments from settings)
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()}"
        )


def backup_postgres(*, alias: str, to: Path, passphrase: bytes | None = None) -> Backup:
    settings_dict = dict(connections[alias].settings_dict)
    arguments, environment = _connection_arguments(settings_dict)
    pg_dump = _tool(PG_DUMP)
    with new_backup_directory(to) as directory:
        plain = directory / FILE_NAME
        with attached(settings_dict) as snapshot_alias, transaction.atomic(using=snapshot_alias):
            with connections[snapshot_alias].cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            _run(
                [
                    pg_dump,
                    *arguments,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={plain}",
                    f"--dbname={settings_dict['NAME']}",
                ],
                environment,
            )
            contents = read_contents(snapshot_alias)
        return finish_backup(
            directory,
            plain,
            vendor=VENDOR,
            contents=contents,
            passphrase=passphrase,
            notes={"method": "pg_dump --format=custom from an exported snapshot"},
        )


def restore_postgres(
    *, source: Path, target: dict, force: bool = False, passphrase: bytes | None = None
) -> Backup:
    """pg_restore into the target database in one transaction, then the manifest's checks.

    The SHA-256, the passphrase and the emptiness of the target are checked before anything is
    written; pg_restore runs with --single-transaction, so a restore that fails part way leaves
    the target as it was. The checks after it compare the restored database with the manifest
    and fail loudly; they cannot undo a restore that completed.
    """
    backup = open_backup(source, vendor=VENDOR)
    arguments, environment = _connection_arguments(target)
    pg_restore = _tool(PG_RESTORE)
    with attached(target) as alias:
        connection = connections[alias]
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
        connection.close()
    if tables and not force:
        raise BackupError(
            f"database {target['NAME']} is not empty ({len(tables)} tables); restore over it "
            "only with --force"
        )
    with tempfile.TemporaryDirectory(prefix="kithkin-restore-") as scratch:
        dump = Path(scratch) / FILE_NAME
        plain_copy(backup, dump, passphrase=passphrase)
        _run(
            [
                pg_restore,
                *arguments,
                "--single-transaction",
                "--exit-on-error",
                "--no-owner",
                *(["--clean", "--if-exists"] if tables else []),
                f"--dbname={target['NAME']}",
                str(dump),
            ],
            environment,
        )
    with attached(target) as alias:
        contents = read_contents(alias)
    try:
        check_contents(backup, contents)
    except BackupError as error:
        raise BackupError(
            f"{error}. pg_restore had completed: database {target['NAME']} now holds this "
            "restore and must not be used until the difference is explained"
        ) from error
    return backup
