import time
from unittest import mock

from django.test import Client, override_settings
from django.urls import reverse

from conftest import PASSWORD
from kithkin.api.models import ApiToken
from kithkin.api.services import token_create
from kithkin.audit.models import AuditEvent
from kithkin.schedule.services import calendar_feed_rotate

CASELOAD = reverse("caseload")


def signed_in(user) -> Client:
    browser = Client()
    response = browser.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return browser


def test_an_idle_session_ends_after_the_idle_limit(world):
    browser = signed_in(world.alice)
    assert browser.get(CASELOAD).status_code == 200
    later = time.time() + 31 * 60
    with mock.patch("kithkin.accounts.middleware.time.time", return_value=later):
        response = browser.get(CASELOAD)
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert browser.get(CASELOAD).status_code == 302


def test_activity_keeps_the_session_alive_until_the_absolute_limit(world):
    browser = signed_in(world.alice)
    start = time.time()
    for minutes in range(20, 12 * 60, 20):  # a request every 20 minutes all day
        with mock.patch("kithkin.accounts.middleware.time.time", return_value=start + minutes * 60):
            assert browser.get(CASELOAD).status_code == 200, minutes
    with mock.patch("kithkin.accounts.middleware.time.time", return_value=start + 12 * 3600 + 60):
        assert browser.get(CASELOAD).status_code == 302


@override_settings(KITHKIN_SESSION_IDLE_SECONDS=60)
def test_the_idle_limit_is_configurable(world):
    browser = signed_in(world.alice)
    with mock.patch("kithkin.accounts.middleware.time.time", return_value=time.time() + 120):
        assert browser.get(CASELOAD).status_code == 302


def test_an_idle_htmx_request_is_sent_to_the_login_page(world):
    browser = signed_in(world.alice)
    with mock.patch("kithkin.accounts.middleware.time.time", return_value=time.time() + 3600):
        response = browser.get(CASELOAD, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/"


def test_logging_out_ends_every_session_of_the_user(world):
    laptop, phone = signed_in(world.alice), signed_in(world.alice)
    laptop.post(reverse("logout"))
    assert phone.get(CASELOAD).status_code == 302
    assert AuditEvent.objects.filter(action="user.end_sessions", reason="logout").exists()


def test_an_idle_timeout_on_one_device_leaves_the_others(world):
    laptop, phone = signed_in(world.alice), signed_in(world.alice)
    with mock.patch("kithkin.accounts.middleware.time.time", return_value=time.time() + 3600):
        laptop.get(CASELOAD)
    assert phone.get(CASELOAD).status_code == 200


def test_changing_the_password_ends_the_other_sessions(world):
    laptop, phone = signed_in(world.alice), signed_in(world.alice)
    new = "a brand new long passphrase"
    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert laptop.get(CASELOAD).status_code == 200
    assert phone.get(CASELOAD).status_code == 302
    assert AuditEvent.objects.filter(action="user.password_change").exists()


def test_a_weak_new_password_is_refused_and_nothing_changes(world):
    laptop = signed_in(world.alice)
    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
    )
    assert response.status_code == 422
    world.alice.refresh_from_db()
    assert world.alice.check_password(PASSWORD)


def test_deactivation_ends_every_session_and_blocks_login(world):
    phone = signed_in(world.alice)
    admin = signed_in(world.adam)
    assert admin.post(reverse("user_deactivate", args=[world.alice.pk])).status_code == 302
    assert phone.get(CASELOAD).status_code == 302
    assert (
        Client().post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code
        == 200
    )
    world.alice.refresh_from_db()
    assert not world.alice.is_active


def test_an_admin_can_end_a_users_sessions(world):
    phone = signed_in(world.alice)
    admin = signed_in(world.adam)
    assert admin.post(reverse("user_end_sessions", args=[world.alice.pk])).status_code == 302
    assert phone.get(CASELOAD).status_code == 302
    world.alice.refresh_from_db()
    assert world.alice.is_active


def test_only_admins_end_sessions_or_deactivate_and_only_in_their_practice(world):
    bob = signed_in(world.bob)
    assert bob.post(reverse("user_end_sessions", args=[world.alice.pk])).status_code == 403
    assert bob.post(reverse("user_deactivate", args=[world.alice.pk])).status_code == 403
    admin = signed_in(world.adam)
    assert admin.post(reverse("user_deactivate", args=[world.mallory.pk])).status_code == 404
    world.mallory.refresh_from_db()
    assert world.mallory.is_active


def test_an_admin_cannot_deactivate_themselves(world):
    admin = signed_in(world.adam)
    admin.post(reverse("user_deactivate", args=[world.adam.pk]))
    world.adam.refresh_from_db()
    assert world.adam.is_active


def test_deactivation_revokes_tokens_and_the_calendar_feed_for_good(world):
    _, alices_token = token_create(user=world.alice, by=None)
    _, bobs_token = token_create(user=world.bob, by=None)
    _, feed_secret = calendar_feed_rotate(user=world.alice, ip=None)
    feed_url = reverse("calendar_feed_ics", args=[feed_secret])
    api = Client()
    assert api.get("/api/clients", HTTP_AUTHORIZATION=f"Bearer {alices_token}").status_code == 200
    assert Client().get(feed_url).status_code == 200

    admin = signed_in(world.adam)
    assert admin.post(reverse("user_deactivate", args=[world.alice.pk])).status_code == 302
    # Reactivated later: the old secrets stay dead.
    world.alice.refresh_from_db()
    world.alice.is_active = True
    world.alice.save(update_fields=["is_active"])
    assert api.get("/api/clients", HTTP_AUTHORIZATION=f"Bearer {alices_token}").status_code == 401
    assert Client().get(feed_url).status_code == 404
    assert not ApiToken.objects.filter(user=world.alice, revoked_at__isnull=True).exists()
    assert ApiToken.objects.get(user=world.alice).revoked_by == world.adam
    # Nobody else's token is touched.
    assert api.get("/api/clients", HTTP_AUTHORIZATION=f"Bearer {bobs_token}").status_code == 200
    event = AuditEvent.objects.filter(action="user.deactivate", resource_id=world.alice.pk).get()
    assert "1 API token(s) and 1 calendar feed(s) revoked" in event.reason
