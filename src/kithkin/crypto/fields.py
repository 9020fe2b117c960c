"""Encryption at rest for free-text clinical fields.

A MultiFernet (from the maintained ``cryptography`` package: AES-128-CBC with HMAC-SHA256 per
value) over the practice's keys: the first key encrypts, every key decrypts, so keys rotate
without downtime. django-fernet-encrypted-fields was considered; it derives its keys from
SECRET_KEY, which would tie the clinical record to the session-signing key and make rotating
either one a data migration.

Encrypted values cannot be searched or indexed; nothing here is meant to be.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver


@cache
def keyring() -> MultiFernet:
    keys = settings.KITHKIN_FIELD_KEYS
    if not keys:
        raise RuntimeError("No field encryption keys: set KITHKIN_FIELD_KEYS or var/field_keys")
    return MultiFernet([Fernet(key) for key in keys])


@receiver(setting_changed)
def _forget_keys(setting, **kwargs):
    if setting == "KITHKIN_FIELD_KEYS":
        keyring.cache_clear()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token. Empty text stays empty, so a blank field costs nothing."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return keyring().decrypt(value.encode("ascii")).decode("utf-8")
        except InvalidToken as error:
            # Never fall back to showing ciphertext or an empty string: a missing key must be
            # loud, or a therapist would read an empty note as "nothing was written".
            raise RuntimeError(
                f"{self.model.__name__}.{self.name} cannot be decrypted with the configured keys"
            ) from error

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return keyring().encrypt(value.encode("utf-8")).decode("ascii")


class EncryptedBytesField(EncryptedTextField):
    """Bytes (a signed PDF, a release packet) stored as a Fernet token in a text column, so key
    rotation re-encrypts and checks them with the text fields. Empty stays empty."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return b""
        try:
            return keyring().decrypt(value.encode("ascii"))
        except InvalidToken as error:
            raise RuntimeError(
                f"{self.model.__name__}.{self.name} cannot be decrypted with the configured keys"
            ) from error

    def to_python(self, value):
        if isinstance(value, memoryview):
            return bytes(value)
        return value

    def get_prep_value(self, value):
        if not value:
            return ""
        if not isinstance(value, (bytes, memoryview)):
            raise TypeError(f"{self.name} holds bytes, not {type(value).__name__}")
        return keyring().encrypt(bytes(value)).decode("ascii")


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with encrypted fields, for key rotation."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found
