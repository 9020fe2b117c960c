import stat

from django.conf import settings

from kithkin.settings import load_or_create_secret_key


def test_the_secret_key_is_generated_once_and_kept_private(tmp_path):
    path = tmp_path / "var" / "secret_key"
    first = load_or_create_secret_key(path)
    assert len(first) >= 50
    assert load_or_create_secret_key(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_sqlite_is_configured_for_concurrent_clinical_writes():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout="):
        assert pragma in options["init_command"]
