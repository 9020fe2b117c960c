"""Personas shared by every Django test (STYLE.md): alice treats carol, bob is a colleague with no
relationship to her, sam supervises alice, adam administers the practice, dave is bob's client,
and mallory works in another practice.

Imports stay inside the fixtures so the pure-core tests run with Django absent.
"""

import datetime
import importlib
from types import SimpleNamespace

import pytest

PASSWORD = "correct horse battery staple"


def pytest_configure(config):
    _register_hypothesis_profiles()
    if config.pluginmanager.hasplugin("django"):
        _let_sqlite_test_flushes_empty_the_audit_table()


def _register_hypothesis_profiles():
    """`make test` uses the default profile; `make test-long` sets HYPOTHESIS_PROFILE=long."""
    import os

    from hypothesis import settings

    settings.register_profile("long", max_examples=5000, deadline=None)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _let_sqlite_test_flushes_empty_the_audit_table():
    """Transactional tests empty every table with DELETE between tests, which the append-only
    trigger rightly refuses. Only in tests, the flush lifts the trigger and puts it back.
    (PostgreSQL flushes with TRUNCATE, which the row trigger does not see.)"""
    from django.db.backends.sqlite3.base import DatabaseOperations

    triggers = importlib.import_module("kithkin.audit.migrations.0002_append_only_triggers")

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if "audit_auditevent" not in tables or not statements:
            return statements
        return [*triggers.SQLITE_DOWN, *statements, *triggers.SQLITE_UP]

    DatabaseOperations.sql_flush = sql_flush


@pytest.fixture
def world(db):
    from kithkin.accounts.models import User
    from kithkin.clients.models import Client, Person
    from kithkin.practices.models import Practice
    from kithkin.relationships.models import TherapyRelationship

    practice = Practice.objects.create(name="Riverside", slug="riverside")
    elsewhere = Practice.objects.create(name="Elsewhere", slug="elsewhere")

    def user(username, role, practice, **extra):
        return User.objects.create_user(
            username=username,
            password=PASSWORD,
            role=role,
            practice=practice,
            first_name=username.title(),
            last_name="Example",
            **extra,
        )

    sam = user("sam", User.Roles.SUPERVISOR, practice)
    alice = user("alice", User.Roles.THERAPIST, practice, supervisor=sam)
    bob = user("bob", User.Roles.THERAPIST, practice)
    adam = user("adam", User.Roles.ADMIN, practice)
    carol_login = user("carol", User.Roles.CLIENT, practice)
    dave_login = user("dave", User.Roles.CLIENT, practice)
    mallory = user("mallory", User.Roles.THERAPIST, elsewhere)

    started = datetime.date(2026, 1, 5)

    def client(given, family, therapist, portal_user=None, on=practice):
        record = Client.objects.create(
            practice=on,
            given_name=given,
            family_name=family,
            portal_user=portal_user,
            email=f"{given.lower()}@example.org",
        )
        TherapyRelationship.objects.create(
            practice=on, client=record, therapist=therapist, started_on=started
        )
        return record

    carol = client("Carol", "Quill", alice, carol_login)
    dave = client("Dave", "Marsh", bob, dave_login)
    eve = client("Eve", "Farrow", mallory, on=elsewhere)
    Person.objects.create(practice=practice, client=carol, name="Diane", role="roommate")

    return SimpleNamespace(
        practice=practice,
        elsewhere=elsewhere,
        alice=alice,
        bob=bob,
        sam=sam,
        adam=adam,
        mallory=mallory,
        carol_login=carol_login,
        dave_login=dave_login,
        carol=carol,
        dave=dave,
        eve=eve,
    )


@pytest.fixture
def login(client):
    """Logs the test client in as a user and returns it."""

    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def redis_url() -> str:
    """A Redis for tests of what Kithkin shares through it (the job queue, rate-limit counts):
    skipped with a notice when none answers, and a failure under CI=true, where one must."""
    import os

    import redis

    url = os.environ.get("KITHKIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is unreachable, and CI=true requires it")
        pytest.skip(f"NOTICE: Redis at {url} is unreachable; skipped (required under CI=true)")
    return url
