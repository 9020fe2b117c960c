import os

from django.core.management.base import BaseCommand, CommandError

from kithkin.backups.files import BackupError
from kithkin.backups.sealing import SealError, read_passphrase
from kithkin.backups.services import backup_create


class Command(BaseCommand):
    help = (
        "Back up the database into a new folder: the database file and manifest.json. "
        "--encrypt takes the passphrase from KITHKIN_BACKUP_PASSPHRASE_FILE or "
        "KITHKIN_BACKUP_PASSPHRASE."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help="a folder that does not exist yet")
        parser.add_argument("--encrypt", action="store_true", help="AES-256-GCM, passphrase key")
        parser.add_argument("--database", default="default")

    def handle(self, *args, to, encrypt, database, **options):
        try:
            passphrase = read_passphrase(os.environ) if encrypt else None
            backup = backup_create(alias=database, to=to, passphrase=passphrase)
        except (BackupError, SealError) as error:
            raise CommandError(str(error)) from error
        manifest = backup.manifest
        self.stdout.write(
            f"Backed up {manifest.vendor} ({sum(manifest.row_counts.values())} rows in "
            f"{len(manifest.row_counts)} tables, {len(manifest.audit_heads)} audit chains"
            f"{', encrypted' if manifest.encrypted else ''}) to {backup.file}"
        )
        if "audit_chains" in manifest.notes:
            self.stderr.write(f"WARNING: {manifest.notes['audit_chains']}")
