import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from kithkin.backups.files import BackupError
from kithkin.backups.sealing import SealError, read_passphrase
from kithkin.backups.services import backup_restore
from kithkin.core.backups import MANIFEST_NAME, ManifestError, manifest_from_json


class Command(BaseCommand):
    help = (
        "Restore a backup folder into the configured database, after checking its SHA-256, "
        "integrity, audit chains and row counts. Refuses a non-empty target without --force."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("source", help="the backup folder (holding manifest.json)")
        parser.add_argument("--force", action="store_true", help="replace a non-empty database")
        parser.add_argument("--database", default="default")

    def handle(self, *args, source, force, database, **options):
        target = dict(connections[database].settings_dict)
        # This process must not hold the target open while it is replaced.
        connections[database].close()
        try:
            passphrase = read_passphrase(os.environ) if _encrypted(source) else None
            backup = backup_restore(
                source=source, target=target, force=force, passphrase=passphrase
            )
        except (BackupError, SealError) as error:
            raise CommandError(f"Restore refused: {error}") from error
        manifest = backup.manifest
        self.stdout.write(
            f"Restored the backup of {manifest.created_at}: integrity ok, "
            f"{len(manifest.audit_heads)} audit chains verified, {len(manifest.row_counts)} "
            "tables match the manifest."
        )


def _encrypted(source: str) -> bool:
    try:
        with open(os.path.join(source, MANIFEST_NAME)) as handle:
            return manifest_from_json(handle.read()).encrypted
    except (OSError, ManifestError):
        return False  # the service reports the missing or bad manifest
