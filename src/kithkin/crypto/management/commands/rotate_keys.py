from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from kithkin.crypto.fields import encrypted_fields, keyring
from kithkin.crypto.keys import write_key_file

BATCH = 500


def use_keys(keys: list[str]) -> None:
    # Assigning a setting sends no setting_changed signal, so the cached keyring is dropped here.
    settings.KITHKIN_FIELD_KEYS = keys
    keyring.cache_clear()


class Command(BaseCommand):
    help = (
        "Rotate the field encryption keys: add a new key, re-encrypt every encrypted field with "
        "it, and (with --drop-old) retire the old keys once nothing needs them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true", help="add a new key first")
        parser.add_argument(
            "--drop-old", action="store_true", help="after re-encrypting, keep only the newest key"
        )

    def handle(self, *args, new_key, drop_old, **options):
        from_file = settings.KITHKIN_FIELD_KEYS_SOURCE == "file"
        keys = list(settings.KITHKIN_FIELD_KEYS)
        if new_key:
            key = Fernet.generate_key().decode()
            if not from_file:
                self.stdout.write(
                    "The keys come from KITHKIN_FIELD_KEYS. Put this new key first in it, "
                    f"restart, then run 'kithkin rotate_keys' again:\n{key}"
                )
                return
            keys = [key, *keys]
            write_key_file(settings.KITHKIN_FIELD_KEYS_FILE, keys)
            use_keys(keys)
            self.stdout.write(
                f"Added a new key; {len(keys)} keys in {settings.KITHKIN_FIELD_KEYS_FILE}."
            )
        total = sum(self._reencrypt(model, names) for model, names in encrypted_fields())
        self.stdout.write(f"Re-encrypted {total} rows with the newest key.")
        if drop_old:
            self._check_newest_key_suffices(keys[0])
            if from_file:
                write_key_file(settings.KITHKIN_FIELD_KEYS_FILE, keys[:1])
                use_keys(keys[:1])
                self.stdout.write("Old keys removed from the key file.")
            else:
                self.stdout.write(
                    "Every row reads with the newest key: "
                    "remove the others from KITHKIN_FIELD_KEYS."
                )

    def _reencrypt(self, model, names) -> int:
        done, after = 0, 0
        manager = model._base_manager
        while True:
            with transaction.atomic():
                rows = list(manager.filter(pk__gt=after).order_by("pk").only("pk", *names)[:BATCH])
                if not rows:
                    return done
                # Saving decrypted values re-encrypts them with the first (newest) key.
                manager.bulk_update(rows, names)
            done += len(rows)
            after = rows[-1].pk

    def _check_newest_key_suffices(self, newest: str) -> None:
        """Reads every stored token with the newest key alone before any old key is dropped."""
        only_newest = MultiFernet([Fernet(newest)])
        for model, names in encrypted_fields():
            table = connection.ops.quote_name(model._meta.db_table)
            columns = ", ".join(
                connection.ops.quote_name(model._meta.get_field(n).column) for n in names
            )
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {columns} FROM {table}")  # noqa: S608 - names from the model
                while rows := cursor.fetchmany(BATCH):
                    for token in (value for row in rows for value in row if value):
                        try:
                            only_newest.decrypt(token.encode("ascii"))
                        except InvalidToken as error:
                            raise CommandError(
                                f"{model.__name__} still holds a value the newest key cannot "
                                "read; the old keys were kept"
                            ) from error
