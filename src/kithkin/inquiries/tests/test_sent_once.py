"""Each showing of the public form is received once: a double click, the browser resending the
POST, or the same token sent again makes one inquiry, and the second answer is the same
thank-you page, saying nothing of the first."""

import time

import pytest
from django.core import signing
from django.db import IntegrityError
from django.urls import reverse

from kithkin.audit.models import AuditEvent
from kithkin.inquiries import selectors, services
from kithkin.inquiries.forms import (
    SIGNING_NAMESPACE,
    Verdict,
    form_token,
    token_digest,
    token_verdict,
)
from kithkin.inquiries.models import Inquiry
from kithkin.inquiries.tests.conftest import CONCERNS, posted, robin


def url(world):
    return reverse("inquiry_new", kwargs={"practice_slug": world.practice.slug})


def thanks_url(world):
    return reverse("inquiry_thanks", kwargs={"practice_slug": world.practice.slug})


def test_the_same_form_sent_twice_is_one_inquiry(world, client):
    data = posted(world)
    first = client.post(url(world), data)
    second = client.post(url(world), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == thanks_url(world)
    assert Inquiry.objects.count() == 1
    assert AuditEvent.objects.filter(action="inquiry.receive").count() == 1


def test_the_second_answer_is_the_same_thank_you_page(world, client):
    data = posted(world)
    first = client.post(url(world), data, follow=True)
    second = client.post(url(world), data, follow=True)
    assert first.content == second.content
    assert "has your message" in second.content.decode()


def test_the_second_answer_says_nothing_of_the_first(world, client):
    data = posted(world)
    client.post(url(world), data)
    inquiry = Inquiry.objects.get()
    again = client.post(url(world), data | {"name": "Someone else"})
    assert again["Location"] == thanks_url(world)
    page = client.get(again["Location"]).content.decode()
    for trace in ("Robin", "robin@example.net", "father", f"/practice/inquiries/{inquiry.pk}/"):
        assert trace not in page
        assert not any(trace in value for value in again.headers.values())


def test_a_token_sent_again_with_other_words_keeps_the_first_and_echoes_nothing(world, client):
    token = form_token(world.practice.pk, issued=time.time() - 60)
    client.post(url(world), posted(world) | {"token": token})
    replay = client.post(
        url(world),
        posted(world, name="Mallory", email="m@example.com", concerns="Replayed words.")
        | {"token": token},
        follow=True,
    )
    assert replay.status_code == 200 and "has your message" in replay.content.decode()
    body = replay.content.decode()
    assert "Replayed words" not in body and "Mallory" not in body
    inquiry = Inquiry.objects.get()
    assert (inquiry.name, inquiry.email, inquiry.concerns) == (
        "Robin",
        "robin@example.net",
        CONCERNS,
    )


def test_a_resent_form_that_no_longer_validates_is_thanked_not_shown_again(world, client):
    data = posted(world)
    client.post(url(world), data)
    # The browser's back button, the words cleared, sent again: the first is in the queue.
    again = client.post(url(world), data | {"concerns": "", "email": ""})
    assert again.status_code == 302 and again["Location"] == thanks_url(world)
    assert Inquiry.objects.count() == 1


def test_two_people_served_the_form_in_the_same_second_are_both_received(world, client):
    served = time.time() - 60
    one = posted(world) | {"token": form_token(world.practice.pk, issued=served)}
    other = posted(world, name="Sky", email="sky@example.net") | {
        "token": form_token(world.practice.pk, issued=served)
    }
    assert one["token"] != other["token"]
    client.post(url(world), one)
    client.post(url(world), other)
    assert sorted(Inquiry.objects.values_list("name", flat=True)) == ["Robin", "Sky"]


def test_each_showing_of_the_form_has_its_own_token(world, client):
    tokens = {
        client.get(url(world)).context["form"].initial["token"],
        client.get(url(world)).context["form"].initial["token"],
    }
    assert len(tokens) == 2
    assert len({token_digest(token) for token in tokens}) == 2


def test_a_token_without_a_nonce_comes_back_to_be_sent_again(world, client):
    """A form served before tokens carried a nonce: sent back with a fresh token, not lost."""
    old = signing.dumps(
        {"p": world.practice.pk, "t": int(time.time() - 60)}, salt=SIGNING_NAMESPACE
    )
    assert token_verdict(old, practice_id=world.practice.pk) == Verdict.STALE
    assert token_digest(old) is None
    response = client.post(url(world), posted(world) | {"token": old})
    assert response.status_code == 422
    assert "Since my father died" in response.content.decode()
    fresh = response.context["form"]["token"].value()
    assert fresh != old and token_digest(fresh) is not None
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize("token", ["", "forged", "eyJwIjoxLCJ0IjoxfQ:1abc:xyz"])
def test_a_forged_token_has_no_digest(token):
    assert token_digest(token) is None


def test_the_digest_is_of_the_nonce_and_stored_not_the_token(world, client):
    token = form_token(world.practice.pk, issued=time.time() - 60)
    client.post(url(world), posted(world) | {"token": token})
    stored = Inquiry.objects.get().form_digest
    assert stored == token_digest(token) and len(stored) == 64
    nonce = signing.loads(token, salt=SIGNING_NAMESPACE)["n"]
    assert nonce not in stored and token not in stored


def test_the_service_returns_the_inquiry_already_received_and_writes_nothing(world):
    digest = "a" * 64
    first = services.inquiry_receive(
        practice=world.practice, data=robin(), ip=None, form_digest=digest
    )
    second = services.inquiry_receive(
        practice=world.practice, data=robin(name="Sky"), ip=None, form_digest=digest
    )
    assert second.pk == first.pk and second.name == "Robin"
    assert Inquiry.objects.count() == 1
    assert AuditEvent.objects.filter(action="inquiry.receive").count() == 1


def test_inquiries_entered_without_the_form_are_never_taken_for_each_other(world):
    services.inquiry_receive(practice=world.practice, data=robin(), ip=None)
    services.inquiry_receive(practice=world.practice, data=robin(), ip=None, form_digest="")
    assert Inquiry.objects.count() == 2
    assert selectors.received_from_form(practice=world.practice, digest="") is None


def test_a_submission_racing_past_the_check_meets_the_constraint(world, monkeypatch):
    """The other submission commits between this one's check and its insert: the unique
    constraint refuses the insert inside a savepoint, and the first is returned."""
    digest = "b" * 64
    first = services.inquiry_receive(
        practice=world.practice, data=robin(), ip=None, form_digest=digest
    )
    real = selectors.received_from_form
    calls = []

    def missed_it_once(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(selectors, "received_from_form", missed_it_once)
    again = services.inquiry_receive(
        practice=world.practice, data=robin(name="Sky"), ip=None, form_digest=digest
    )
    assert len(calls) == 2  # the check missed it; the constraint did not
    assert again.pk == first.pk
    assert Inquiry.objects.count() == 1
    assert AuditEvent.objects.filter(action="inquiry.receive").count() == 1


def test_the_database_refuses_a_second_inquiry_of_one_form(world):
    Inquiry.objects.create(practice=world.practice, name="R", concerns="x", form_digest="c" * 64)
    with pytest.raises(IntegrityError):
        Inquiry.objects.create(
            practice=world.practice, name="S", concerns="y", form_digest="c" * 64
        )
