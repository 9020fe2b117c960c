"""API tokens: made by the command, stored as a hash, refused the moment they should be."""

import datetime
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kithkin.api.models import ApiToken
from kithkin.api.services import TokenError, token_create, token_revoke
from kithkin.audit.models import AuditEvent

UNAUTHORIZED = {"detail": "Unauthorized."}


def get(client, path="/api/clients", secret=None, **headers):
    if secret is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client.get(path, **headers)


def test_only_the_hash_of_the_token_is_stored(world):
    token, secret = token_create(user=world.alice, name="sync", days=30, by=world.alice)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) < len(secret) // 3
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(secret in str(value) for value in stored.values())


def test_a_token_expires_after_its_days_and_no_later_than_a_year(world):
    token, _ = token_create(user=world.alice, days=30, by=None)
    assert token.expires_at - token.created_at == datetime.timedelta(days=30)
    assert token_create(user=world.alice, by=None)[0].expires_at - timezone.now() > (
        datetime.timedelta(days=89)
    )
    for days in (0, 366, -1):
        with pytest.raises(TokenError):
            token_create(user=world.alice, days=days, by=None)


def test_creating_and_revoking_are_audited_without_the_secret(world):
    token, secret = token_create(user=world.alice, name="sync", by=world.alice)
    token_revoke(token=token, by=world.adam)
    events = list(AuditEvent.objects.filter(resource_type="ApiToken").order_by("seq"))
    assert [e.action for e in events] == ["api.token.create", "api.token.revoke"]
    assert all(e.resource_id == str(token.pk) and token.prefix in e.reason for e in events)
    assert all(secret not in e.reason for e in events)
    assert events[1].actor_id == world.adam.pk


def test_a_token_is_revoked_once(world):
    token, _ = token_create(user=world.alice, by=None)
    token_revoke(token=token, by=None)
    with pytest.raises(TokenError):
        token_revoke(token=token, by=None)


def test_a_deactivated_user_gets_no_new_token(world):
    world.alice.is_active = False
    world.alice.save()
    with pytest.raises(TokenError):
        token_create(user=world.alice, by=None)


def test_a_good_token_reaches_the_api(world, client):
    _, secret = token_create(user=world.alice, by=None)
    assert get(client, secret=secret).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Bearer kk_not-a-token", "Basic YWxpY2U6cHc=", "kk_abc"],
)
def test_a_missing_or_unknown_token_answers_401(world, client, header):
    response = get(client, HTTP_AUTHORIZATION=header) if header else get(client)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert response["WWW-Authenticate"] == "Bearer"


def test_expired_revoked_and_deactivated_answer_as_an_unknown_token(world, client):
    expired, expired_secret = token_create(user=world.alice, by=None)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    revoked, revoked_secret = token_create(user=world.alice, by=None)
    token_revoke(token=revoked, by=None)
    _, bobs_secret = token_create(user=world.bob, by=None)
    assert get(client, secret=bobs_secret).status_code == 200
    world.bob.is_active = False
    world.bob.save()
    unknown = get(client, secret="kk_" + "x" * 43)
    for secret in (expired_secret, revoked_secret, bobs_secret):
        response = get(client, secret=secret)
        assert (response.status_code, response.content) == (401, unknown.content)


def test_a_user_moved_to_another_practice_loses_their_tokens(world, client):
    _, secret = token_create(user=world.bob, by=None)
    world.bob.practice = world.elsewhere
    world.bob.save()
    assert get(client, secret=secret).status_code == 401


def test_a_session_cookie_does_not_authenticate_the_api(world, client):
    client.force_login(world.alice)
    assert client.get("/caseload/").status_code == 200
    response = get(client)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    posted = client.post(
        f"/api/clients/{world.carol.pk}/alerts/1/acknowledge",
        data={"note": "x"},
        content_type="application/json",
    )
    assert posted.status_code == 401


def test_last_used_is_written_at_most_once_a_minute(world, client):
    token, secret = token_create(user=world.alice, by=None)
    assert token.last_used_at is None
    get(client, secret=secret)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    get(client, secret=secret)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    get(client, secret=secret)
    token.refresh_from_db()
    assert token.last_used_at > first - datetime.timedelta(minutes=1)


def test_user_for_bearer_is_usable_without_ninja(world, rf):
    from kithkin.api.auth import user_for_bearer

    _, secret = token_create(user=world.alice, by=None)
    request = rf.get("/fhir/R4/metadata", HTTP_AUTHORIZATION=f"bearer {secret}")
    assert user_for_bearer(request) == world.alice
    assert request.user == world.alice and request.kithkin_channel == "api"
    fhir = rf.get("/fhir/R4/Patient", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert user_for_bearer(fhir, channel="fhir") == world.alice and fhir.kithkin_channel == "fhir"
    assert user_for_bearer(rf.get("/", HTTP_AUTHORIZATION="Bearer nope")) is None
    assert user_for_bearer(rf.get("/")) is None


def test_requests_are_limited_per_token(world, client, settings):
    settings.KITHKIN_API_RATE = "2/m"
    _, secret = token_create(user=world.alice, by=None)
    _, other = token_create(user=world.alice, by=None)
    assert [get(client, secret=secret).status_code for _ in range(3)] == [200, 200, 429]
    limited = get(client, secret=secret)
    assert limited.json() == {"detail": "Too many requests."} and "Retry-After" in limited
    assert get(client, secret=other).status_code == 200


def test_the_command_prints_the_token_on_its_last_line(world, client):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "token",
        "create",
        "--user",
        "alice",
        "--name",
        "sync",
        "--days",
        "7",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    assert secret.startswith("kk_")
    assert get(client, secret=secret).status_code == 200
    token = ApiToken.objects.get(user=world.alice)
    assert token.name == "sync" and f"Token {token.pk}" in err.getvalue()
    assert token.expires_at - token.created_at == datetime.timedelta(days=7)


def test_the_command_lists_and_revokes(world, client):
    out = io.StringIO()
    call_command("token", "create", "--user", "alice", stdout=out, stderr=io.StringIO())
    secret = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(user=world.alice)
    listing = io.StringIO()
    call_command("token", "list", "--user", "alice", stdout=listing)
    assert token.prefix in listing.getvalue() and "active" in listing.getvalue()
    assert secret not in listing.getvalue()
    call_command("token", "revoke", "--id", str(token.pk), stdout=io.StringIO())
    assert get(client, secret=secret).status_code == 401
    listing = io.StringIO()
    call_command("token", "list", "--user", "alice", stdout=listing)
    assert "revoked" in listing.getvalue()


def test_the_command_refuses_plainly(world):
    with pytest.raises(CommandError, match="No user"):
        call_command("token", "create", "--user", "nobody")
    with pytest.raises(CommandError, match="365"):
        call_command("token", "create", "--user", "alice", "--days", "400")
    with pytest.raises(CommandError, match="No token"):
        call_command("token", "revoke", "--id", "999")


def test_a_browsers_session_state_does_not_stand_in_the_tokens_way(world, client, settings):
    """A signed-in browser that has not yet given its second factor (or whose session is idle)
    is redirected on the pages; the API, which never reads the session, answers the token."""
    settings.KITHKIN_REQUIRE_2FA = True
    _, secret = token_create(user=world.alice, by=None)
    client.force_login(world.alice)
    assert client.get("/caseload/").status_code == 302
    assert get(client, secret=secret).status_code == 200
