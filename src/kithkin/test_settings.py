"""Settings for the test suite: the real settings, with work that only slows tests turned down."""

import os

os.environ.setdefault("KITHKIN_HUEY_IMMEDIATE", "1")

from django.contrib.auth.hashers import Argon2PasswordHasher

from kithkin.settings import *  # noqa: F403


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    """Still Argon2id, with costs low enough for hundreds of test users."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


PASSWORD_HASHERS = ["kithkin.test_settings.CheapArgon2PasswordHasher"]

# Mail stays in memory (django.core.mail.outbox), whatever the mode.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Every FHIR resource a test builds is dumped by its model too, and must match what its builder
# wrote byte for byte: what goes out is the builder's dict (kithkin.fhir.valid).
FHIR_CHECK_DUMP = True

# Rate limits count in the test process's memory, not in var/ or a Redis that other test runs on
# this machine share. The same LocMemCache storage as the default cache (one LOCATION), so the
# fixtures that empty Django's cache between tests empty the counts as well.
# kithkin/web/tests/test_limits.py tests the shared backends themselves.
CACHES = {
    **CACHES,  # noqa: F405
    "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": ""},
}
