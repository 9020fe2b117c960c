"""The public inquiry form: no login, as little data as it can, spam and floods refused, and
nothing about the practice's clients or therapists on its public side."""

import re
import time

import pytest
from django.db import connection
from django.urls import reverse

from kithkin.audit.models import AuditEvent
from kithkin.inquiries import public_views
from kithkin.inquiries.forms import Verdict, form_token, token_verdict
from kithkin.inquiries.models import Inquiry
from kithkin.inquiries.tests.conftest import CONCERNS, posted

THANKS_TEXT = "has your message"


def url(world, slug=None):
    return reverse("inquiry_new", kwargs={"practice_slug": slug or world.practice.slug})


def thanks_url(world):
    return reverse("inquiry_thanks", kwargs={"practice_slug": world.practice.slug})


def test_the_form_opens_without_a_login_and_asks_for_little(world, client):
    response = client.get(url(world))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Reach out to Riverside" in body
    form = body[body.index('<form class="form"') :]
    names = set(re.findall(r'name="([a-z_]+)"', form))
    assert names == {
        "csrfmiddlewaretoken",
        "token",
        "website",
        "name",
        "email",
        "phone",
        "concerns",
        "setting",
        "availability",
        "languages",
        "modalities",
        "therapist_gender",
        "therapist_background",
        "faith",
    }
    # No date of birth, no address: nobody needs them before a first conversation.
    assert "birth" not in body.lower() and "address" not in names
    assert "988" in body  # a crisis line, since the form is not watched around the clock


def test_the_form_shows_nothing_of_the_practice_s_clients_or_therapists(world, client):
    body = client.get(url(world)).content.decode()
    for secret in ("Quill", "carol@example.org", "Alice", "Bob", "Sam", "Adam", "Elsewhere"):
        assert secret not in body


def test_the_form_works_under_the_strict_csp(world, client):
    response = client.get(url(world))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    body = response.content.decode()
    assert "<script>" not in body and " style=" not in body and "onclick" not in body
    # The honeypot is hidden by an attribute, not by inline style or script.
    assert re.search(r'<div hidden aria-hidden="true">\s*<label for="id_website">', body)


def test_an_unknown_practice_is_not_found(world, client):
    assert client.get(url(world, "nowhere")).status_code == 404
    assert client.post(url(world, "nowhere"), posted(world)).status_code == 404
    assert client.get(reverse("inquiry_thanks", args=["nowhere"])).status_code == 404


def test_an_inquiry_lands_in_the_practice_s_queue(world, client):
    response = client.post(url(world), posted(world))
    assert response.status_code == 302 and response["Location"] == thanks_url(world)
    inquiry = Inquiry.objects.get()
    assert inquiry.practice == world.practice
    assert (inquiry.name, inquiry.email, inquiry.status) == ("Robin", "robin@example.net", "new")
    assert inquiry.concerns == CONCERNS
    assert inquiry.languages == ["en", "es"] and inquiry.availability == ["weekday_evening"]
    assert (inquiry.setting, inquiry.therapist_gender, inquiry.faith) == ("video", "woman", "")
    assert THANKS_TEXT in client.get(response["Location"]).content.decode()


def test_what_they_wrote_is_encrypted_at_rest(world, client):
    client.post(url(world), posted(world))
    with connection.cursor() as cursor:
        cursor.execute("SELECT concerns FROM inquiries_inquiry")
        (stored,) = cursor.fetchone()
    assert "father" not in stored and stored.startswith("gAAAA")


def test_receiving_is_audited_without_what_they_wrote(world, client):
    client.post(url(world), posted(world), REMOTE_ADDR="198.51.100.4")
    inquiry = Inquiry.objects.get()
    event = AuditEvent.objects.get(action="inquiry.receive")
    assert (event.actor_id, event.resource_type, event.resource_id) == (
        None,
        "Inquiry",
        str(inquiry.pk),
    )
    assert event.practice_id == world.practice.pk and event.ip == "198.51.100.4"
    assert "father" not in event.reason and "Robin" not in event.reason
    assert "robin@example.net" not in event.reason


def test_a_phone_number_is_enough(world, client):
    response = client.post(url(world), posted(world, email="", phone="+1 (555) 010-7788"))
    assert response.status_code == 302
    assert Inquiry.objects.get().phone == "+1 (555) 010-7788"


def test_one_way_to_reply_is_required(world, client):
    response = client.post(url(world), posted(world, email="", phone=""))
    assert response.status_code == 422
    assert "Give an email address or a phone number, so we can reply." in response.content.decode()
    # Their words come back to them, not lost.
    assert "Since my father died" in response.content.decode()
    assert not Inquiry.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"concerns": "x" * 2001}, "at most 2000 characters"),
        ({"name": "n" * 101}, "at most 100 characters"),
        ({"therapist_background": "b" * 201}, "at most 200 characters"),
        ({"phone": "call me maybe"}, "digits, spaces and + ( ) - only"),
        ({"email": "not-an-email"}, "valid email address"),
        ({"languages": ["klingon"]}, "Select a valid choice"),
        ({"setting": "on the moon"}, "Select a valid choice"),
        ({"concerns": ""}, "This field is required"),
    ],
)
def test_bad_answers_are_refused_with_the_reason(world, client, changes, message):
    response = client.post(url(world), posted(world, **changes))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Inquiry.objects.exists()


def test_a_filled_honeypot_is_thanked_and_saved_nowhere(world, client):
    spam = client.post(url(world), posted(world, website="http://cheap-pills.example"))
    assert spam.status_code == 302 and spam["Location"] == thanks_url(world)
    assert not Inquiry.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("seconds_ago", [0, 2])
def test_a_form_sent_faster_than_a_person_types_is_thanked_and_saved_nowhere(
    world, client, seconds_ago
):
    spam = client.post(url(world), posted(world, seconds_ago=seconds_ago))
    assert spam.status_code == 302 and spam["Location"] == thanks_url(world)
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize("token", ["", "forged", "eyJwIjoxLCJ0IjoxfQ:1abc:xyz"])
def test_a_missing_or_forged_token_is_thanked_and_saved_nowhere(world, client, token):
    data = posted(world) | {"token": token}
    spam = client.post(url(world), data)
    assert spam.status_code == 302
    assert not Inquiry.objects.exists()


def test_a_token_served_for_another_practice_is_refused(world, client):
    data = posted(world) | {"token": form_token(world.elsewhere.pk, issued=time.time() - 60)}
    assert client.post(url(world), data).status_code == 302
    assert not Inquiry.objects.exists()


def test_the_thank_you_is_the_same_whether_or_not_anything_was_saved(world, client):
    real = client.post(url(world), posted(world), follow=True)
    spam = client.post(url(world), posted(world, website="x"), follow=True)
    assert real.content == spam.content
    assert Inquiry.objects.count() == 1


def test_a_form_left_open_for_hours_comes_back_to_be_sent_again(world, client):
    response = client.post(url(world), posted(world, seconds_ago=3 * 60 * 60))
    assert response.status_code == 422
    body = response.content.decode()
    assert "This form was open for a long time, so it was not sent." in body
    assert "Since my father died" in body
    assert not Inquiry.objects.exists()
    # The form comes back with a fresh token: sent again a little later, it is received.
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    assert token_verdict(token, practice_id=world.practice.pk, now=time.time() + 10) == (
        Verdict.HUMAN
    )


def test_an_oversized_submission_is_refused_before_it_is_read(world, client):
    response = client.post(url(world), posted(world) | {"padding": "x" * 25_000})
    assert response.status_code == 413
    assert response.content.decode() == public_views.TOO_LARGE
    assert not Inquiry.objects.exists() and not AuditEvent.objects.exists()


def test_too_many_submissions_from_one_address_are_refused(world, client):
    for _ in range(public_views.PER_IP_PER_HOUR):
        assert client.post(url(world), posted(world), REMOTE_ADDR="203.0.113.9").status_code == 302
    refused = client.post(url(world), posted(world), REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429
    assert refused.content.decode() == public_views.TOO_MANY
    assert refused["Retry-After"] == "3600"
    assert Inquiry.objects.count() == public_views.PER_IP_PER_HOUR
    # Someone else, elsewhere, is not held back by it.
    assert client.post(url(world), posted(world), REMOTE_ADDR="203.0.113.10").status_code == 302


def test_spam_counts_towards_the_limit_too(world, client):
    for _ in range(public_views.PER_IP_PER_HOUR):
        client.post(url(world), posted(world, website="x"))
    assert client.post(url(world), posted(world)).status_code == 429
    assert not Inquiry.objects.exists()


def test_a_flood_from_many_addresses_cannot_bury_one_practice(world, client, monkeypatch):
    monkeypatch.setattr(public_views, "PER_PRACTICE_PER_HOUR", 3)
    for n in range(3):
        assert client.post(url(world), posted(world), REMOTE_ADDR=f"192.0.2.{n}").status_code == 302
    assert client.post(url(world), posted(world), REMOTE_ADDR="192.0.2.50").status_code == 429
    assert Inquiry.objects.count() == 3


def test_reading_the_form_is_not_rate_limited(world, client):
    for _ in range(public_views.PER_IP_PER_HOUR + 3):
        assert client.get(url(world)).status_code == 200


def test_the_form_checks_csrf_after_the_size_and_rate_checks(world):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    assert browser.post(url(world), posted(world)).status_code == 403
    assert not Inquiry.objects.exists()
    assert browser.post(url(world), {"padding": "x" * 25_000}).status_code == 413
    # Through the form, with its cookie and token, it is received.
    page = browser.get(url(world)).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    sent = browser.post(url(world), posted(world) | {"csrfmiddlewaretoken": csrf})
    assert sent.status_code == 302 and Inquiry.objects.count() == 1
