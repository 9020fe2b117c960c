"""The office tablet: the therapist starts one questionnaire for one client, hands the tablet
over, and the browser shows that questionnaire alone until it is sent, then only "please hand
the tablet back"."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.measures import services
from kithkin.measures.models import OneTimeLink, Response
from kithkin.measures.tests.conftest import GAD7_MILD, key
from kithkin.measures.tests.test_portal_and_link import items, text

HAND_BACK = "Please hand the tablet back to your therapist."


def start(world, login, code="gad7"):
    return login(world.alice).post(
        reverse("measures_kiosk_start", args=[world.carol.pk]), {"instrument": code}
    )


@pytest.fixture
def kiosk(world, login):
    """Alice starts a GAD-7 on the tablet for carol; returns the kiosk's address."""
    started = start(world, login)
    assert started.status_code == 302
    return started["Location"]


def test_the_therapist_starts_a_kiosk_for_one_client_and_questionnaire(world, kiosk):
    link = OneTimeLink.objects.get()
    assert (link.purpose, link.client, link.instrument, link.created_by) == (
        "kiosk",
        world.carol,
        "gad7",
        world.alice,
    )
    assert kiosk.startswith("/kiosk/") and link.token_hash not in kiosk
    assert link.expires_at - link.created_at == datetime.timedelta(minutes=30)
    assert AuditEvent.objects.filter(action="measures.kiosk.start", actor_username="alice").exists()


def test_the_measures_page_offers_the_tablet_to_the_treating_therapist(world, login):
    page = login(world.alice).get(reverse("measures", args=[world.carol.pk]))
    assert reverse("measures_kiosk_start", args=[world.carol.pk]) in text(page)


def test_only_the_treating_therapist_starts_a_kiosk(world, login):
    assert start(world, lambda _: login(world.sam)).status_code == 403
    assert start(world, lambda _: login(world.bob)).status_code == 404
    assert start(world, lambda _: login(world.mallory)).status_code == 404
    assert not OneTimeLink.objects.exists()


def test_the_kiosk_shows_the_questionnaire_and_the_first_name_only(world, kiosk, client):
    world.carol.preferred_name = "Caz"
    world.carol.save()
    page = client.get(kiosk)
    body = text(page)
    assert page.status_code == 200 and "Hello, Caz" in body and "GAD-7" in body
    for hidden in ("Quill", "carol@example.org", "Dave", "Marsh", "Diane", "Caseload", "Log out"):
        assert hidden not in body
    assert 'aria-label="Main"' not in body and reverse("caseload") not in body
    assert AuditEvent.objects.filter(action="measures.kiosk.open", actor_username="alice").exists()


def test_the_client_submits_once_and_the_kiosk_hands_back(world, kiosk, client):
    data = {"key": key(), **items(GAD7_MILD)}
    sent = client.post(kiosk, data)
    assert sent.status_code == 200 and HAND_BACK in text(sent)
    response = Response.objects.get()
    assert (response.client, response.submitted_via, response.entered_by, response.total) == (
        world.carol,
        "office",
        world.alice,
        5,
    )
    assert OneTimeLink.objects.get().used_at is not None
    assert AuditEvent.objects.filter(action="measures.kiosk.submit").count() == 1
    # The same form sent twice (a double tap) counts once and thanks again.
    assert client.post(kiosk, data).status_code == 200
    assert Response.objects.count() == 1


def test_a_spent_expired_or_unknown_kiosk_shows_only_the_hand_back_page(
    world, kiosk, client, login
):
    client.post(kiosk, {"key": key(), **items(GAD7_MILD)})
    expired = start(world, login, "phq9")["Location"]
    OneTimeLink.objects.filter(instrument="phq9").update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    unknown = reverse("measures_kiosk", args=["made-up-token"])
    answers = []
    for path in (kiosk, expired, unknown):
        for method in ("get", "post"):
            answer = getattr(client, method)(path, {"key": key(), **items(GAD7_MILD)})
            answers.append((answer.status_code, text(answer)))
    assert {status for status, _ in answers} == {404}
    assert len({body for _, body in answers}) == 1
    assert HAND_BACK in answers[0][1] and "Carol" not in answers[0][1]
    assert Response.objects.count() == 1


def test_starting_the_kiosk_signs_the_tablet_out_and_leaves_the_therapists_other_sessions(
    world, login, client
):
    from django.test import Client

    desk = Client()
    desk.force_login(world.alice)
    kiosk = start(world, login).headers["Location"]
    # The tablet holds no staff session: back, or any other page, asks for a sign-in.
    for elsewhere in (reverse("caseload"), reverse("client_detail", args=[world.carol.pk])):
        answer = client.get(elsewhere)
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
    assert client.get(kiosk).status_code == 200
    # Alice's desk is still signed in.
    assert desk.get(reverse("caseload")).status_code == 200


def test_the_kiosk_opens_only_in_the_browser_it_was_started_in(world, kiosk, client, login):
    client.logout()
    assert client.get(kiosk).status_code == 404
    for user in (world.alice, world.bob, world.sam, world.carol_login, world.mallory):
        signed_in = login(user)
        assert signed_in.get(kiosk).status_code == 404
        assert signed_in.post(kiosk, {"key": key(), **items(GAD7_MILD)}).status_code == 404
    assert not Response.objects.exists()


def test_a_kiosk_token_is_no_link_and_a_link_token_is_no_kiosk(world, client, login):
    _, kiosk_token = services.kiosk_start(
        client=world.carol, instrument_code="gad7", by=world.alice
    )
    _, link_token = services.link_create(client=world.carol, instrument_code="gad7", by=world.alice)
    client.logout()
    assert client.get(reverse("measures_link", args=[kiosk_token])).status_code == 404
    alice = login(world.alice)
    assert alice.get(reverse("measures_kiosk", args=[link_token])).status_code == 404
    with pytest.raises(services.LinkUnusable):
        services.link_redeem(token=kiosk_token, answers=GAD7_MILD, idempotency_key=key())
    with pytest.raises(services.LinkUnusable):
        services.kiosk_submit(
            token=kiosk_token, by=world.bob, answers=GAD7_MILD, idempotency_key=key()
        )
    assert not Response.objects.exists()
