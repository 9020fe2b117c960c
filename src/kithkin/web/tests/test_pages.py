import re

from django.contrib.staticfiles import finders
from django.urls import reverse


def test_an_unknown_url_gives_a_friendly_404(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_home_sends_each_role_to_its_own_start_page(world, login):
    assert login(world.alice).get("/").url == reverse("caseload")
    assert login(world.sam).get("/").url == reverse("caseload")
    assert login(world.carol_login).get("/").url == reverse("portal")
    assert login(world.adam).get("/").url == reverse("practice_users")


def test_a_client_sees_their_own_details_in_the_portal(world, login):
    response = login(world.carol_login).get(reverse("portal"))
    assert response.status_code == 200
    assert "Welcome, Carol" in response.content.decode()
    assert "Dave" not in response.content.decode()


def test_staff_have_no_portal(world, login):
    assert login(world.alice).get(reverse("portal")).status_code == 403
    assert login(world.adam).get(reverse("portal")).status_code == 403


def test_the_admin_sees_the_practices_users_and_no_clients(world, login):
    response = login(world.adam).get(reverse("practice_users"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "alice" in body and "sam" in body
    assert "mallory" not in body
    assert "Quill" not in body


def test_the_users_page_is_for_admins_only(world, login):
    assert login(world.alice).get(reverse("practice_users")).status_code == 403


def test_pages_send_a_strict_content_security_policy(world, login):
    response = login(world.alice).get(reverse("caseload"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


def test_htmx_is_served_locally_and_no_page_reaches_a_cdn(world, login):
    body = login(world.alice).get(reverse("caseload")).content.decode()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', body)
    assert any("htmx" in src for src in scripts)
    assert all(src.startswith("/static/") for src in scripts)
    assert finders.find("django_htmx/htmx-2.min.js")
    assert "https://" not in body.split("<body")[0]


def test_pages_have_landmarks_and_a_skip_link(world, login):
    body = login(world.alice).get(reverse("caseload")).content.decode()
    assert '<a class="skip-link" href="#main">' in body
    assert '<main id="main"' in body
    assert '<nav aria-label="Main">' in body
    assert '<html lang="en">' in body


def test_an_error_message_is_announced_as_an_alert_and_a_success_politely(rf, world):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = world.alice
    html = render_to_string(
        "base.html",
        {
            "messages": [
                Message(constants.ERROR, "Nothing was saved."),
                Message(constants.SUCCESS, "Saved."),
            ]
        },
        request=request,
    )
    assert '<p class="message message-error" role="alert">Nothing was saved.</p>' in html
    assert '<p class="message message-success">Saved.</p>' in html
