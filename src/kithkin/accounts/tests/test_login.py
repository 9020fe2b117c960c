import importlib

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings
from django.urls import reverse

from conftest import PASSWORD


def test_logging_in_takes_a_therapist_to_their_caseload(client, world):
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("caseload")
    assert "Carol Quill" in response.content.decode()


def test_a_wrong_password_is_refused_with_a_clear_error(client, world):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logging_out_ends_the_session(client, world):
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("caseload")).status_code == 302


def test_passwords_are_stored_with_argon2id():
    real = importlib.import_module("kithkin.settings")
    assert real.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=real.PASSWORD_HASHERS):
        user = get_user_model()(username="x")
        user.set_password("a long enough passphrase")
        assert identify_hasher(user.password).algorithm == "argon2"
        assert user.password.startswith("argon2$argon2id$")


def test_the_password_validators_refuse_weak_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short", "password1234", "123456789012"):
        try:
            validate_password(weak)
        except ValidationError:
            continue
        raise AssertionError(f"{weak!r} was accepted")


def test_logins_and_failed_logins_are_audited(client, world):
    from kithkin.audit.models import AuditEvent

    client.post(
        reverse("login"), {"username": "alice", "password": "nope"}, REMOTE_ADDR="192.0.2.7"
    )
    client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="192.0.2.7"
    )
    client.post(reverse("login"), {"username": "nobody", "password": "x"})
    events = list(AuditEvent.objects.filter(action="user.login").order_by("seq"))
    assert [(e.outcome, e.actor_username, e.ip) for e in events] == [
        ("denied", "alice", "192.0.2.7"),
        ("allowed", "alice", "192.0.2.7"),
    ]
