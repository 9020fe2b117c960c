"""The lapse pages through HTTP: the worklist, the letter (as text and as a PDF), recording that
it was sent, and closing as lapsed only when the rule allows, with the audit rows."""

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client
from kithkin.lapses import services
from kithkin.lapses.models import Lapse
from kithkin.lapses.tests.conftest import a_session, an_episode, days, quiet_carol
from kithkin.relationships.models import Episode, EpisodeTransition, TherapyRelationship


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def found(world, today):
    """Carol, last seen 80 days ago, found lapsing 30 days ago: she may be closed now."""
    episode = quiet_carol(world, today, last_seen_days_ago=80)
    services.lapses_scan(today=today - days(30))
    return episode


def test_the_worklist_lists_the_therapists_own_lapsing_clients(world, found, login, today):
    body = login(world.alice).get(reverse("lapses")).content.decode()
    assert "Lapsing relationships (1)" in body
    assert "Carol Quill" in body
    assert "80 days" in body
    assert "Not sent yet" in body
    assert "May close as lapsed" in body
    assert reverse("client_lapse", args=[world.carol.pk]) in body
    # bob's worklist is his own; sam sees his supervisee's.
    assert "Carol" not in login(world.bob).get(reverse("lapses")).content.decode()
    assert "Carol Quill" in login(world.sam).get(reverse("lapses")).content.decode()


def test_the_worklist_shows_the_wait_before_closing(world, login, today):
    quiet_carol(world, today)
    services.lapses_scan(today=today - days(10))
    body = login(world.alice).get(reverse("lapses")).content.decode()
    ready = (today + days(18)).isoformat()
    assert f"give the client until {ready} to answer the invitation" in body


def test_the_main_worklist_links_to_the_lapses(world, found, login):
    body = login(world.alice).get(reverse("worklist")).content.decode()
    assert "Lapsing relationships (1)" in body
    assert "1 client has gone quiet with nothing booked." in body
    assert reverse("lapses") in body
    assert "Lapsing relationships (0)" in login(world.bob).get(reverse("worklist")).content.decode()


def test_the_lapses_list_query_count_does_not_grow(
    world, login, today, django_assert_max_num_queries
):
    for n in range(30):
        client = Client.objects.create(
            practice=world.practice, given_name=f"C{n}", family_name="Quiet"
        )
        TherapyRelationship.objects.create(
            practice=world.practice, client=client, therapist=world.alice, started_on=today
        )
        an_episode(world, client, world.alice, opened_on=today - days(100))
        a_session(client, world.alice, today - days(50 + n))
    assert services.lapses_scan(today=today) == 30
    alice = login(world.alice)
    response = alice.get(reverse("lapses"))
    assert response.content.decode().count("Not sent yet") == 30
    # Session, user, the audited visit (three), the lapses with their clients, their sessions,
    # the practice's settings.
    with django_assert_max_num_queries(10):
        alice.get(reverse("lapses"))


def test_the_letter_invites_to_an_ending_in_the_clients_own_name(world, found, login):
    world.carol.preferred_name = "Caz"
    world.carol.save()
    body = login(world.alice).get(reverse("client_lapse", args=[world.carol.pk])).content.decode()
    assert "Dear Caz," in body
    assert "an ending session" in body
    assert "the door stays open" in body
    assert "Alice Example" in body and "Riverside" in body
    assert "The invitation has not been sent yet." in body
    # The supervisor reads it without the forms.
    sams = login(world.sam).get(reverse("client_lapse", args=[world.carol.pk])).content.decode()
    assert "Dear Caz," in sams
    assert "Record the letter" not in sams and "Close as lapsed</button>" not in sams


def test_the_letter_is_a_printable_pdf(world, found, login):
    response = login(world.alice).get(reverse("client_lapse_letter", args=[world.carol.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store"


def test_recording_the_letter_is_audited(world, found, login, today):
    alice = login(world.alice)
    url = reverse("client_lapse_letter_sent", args=[world.carol.pk])
    response = alice.post(url, {"sent_on": today.isoformat(), "note": "By post, 12 Elm Road"})
    assert response.status_code == 302
    lapse = Lapse.objects.get()
    assert (lapse.letter_sent_on, lapse.letter_note) == (today, "By post, 12 Elm Road")
    event = AuditEvent.objects.get(action="lapse.letter")
    assert event.actor_id == world.alice.pk
    assert "Elm" not in event.reason
    body = alice.get(reverse("lapses")).content.decode()
    assert f"Sent on {today:%-d %b %Y}" in body


def test_a_letter_before_the_lapse_was_found_is_refused(world, found, login, today):
    response = login(world.alice).post(
        reverse("client_lapse_letter_sent", args=[world.carol.pk]),
        {"sent_on": (today - days(40)).isoformat(), "note": "post"},
    )
    assert response.status_code == 422
    assert "the letter for it was sent on that day or later" in response.content.decode()
    assert Lapse.objects.get().letter_sent_on is None
    assert not AuditEvent.objects.filter(action="lapse.letter").exists()


def test_no_letter_is_recorded_off_the_worklist(world, login, today):
    quiet_carol(world, today, last_seen_days_ago=5)
    response = login(world.alice).post(
        reverse("client_lapse_letter_sent", args=[world.carol.pk]),
        {"sent_on": today.isoformat(), "note": "post"},
    )
    assert response.status_code == 422
    assert "not on the lapse worklist" in response.content.decode()
    assert not Lapse.objects.exists()


def test_closing_as_lapsed_closes_the_episode_with_its_review(world, found, login, today):
    alice = login(world.alice)
    response = alice.post(
        reverse("client_lapse_close", args=[world.carol.pk]),
        {"short_review": "Work on the rent stood half done; she may return in spring."},
    )
    assert response.status_code == 302
    episode = Episode.objects.get(pk=found.pk)
    assert (episode.phase, episode.ending_type, episode.closed_on) == ("closed", "lapsed", today)
    lapse = Lapse.objects.get()
    assert lapse.closed_on == today and lapse.closed_by == world.alice
    assert lapse.short_review.startswith("Work on the rent")
    transition = EpisodeTransition.objects.get(episode=episode, to_phase="closed")
    assert transition.ending_type == "lapsed"
    assert "no invitation recorded" in transition.reason
    assert AuditEvent.objects.filter(action="episode.transition").count() == 1
    close = AuditEvent.objects.get(action="lapse.close")
    assert "rent" not in close.reason
    # Closed: off the worklist, and the next scan leaves it be.
    assert "Carol" not in alice.get(reverse("lapses")).content.decode()
    assert services.lapses_scan(today=today + days(1)) == 0


def test_closing_too_early_is_refused_with_the_rules_reason(world, login, today):
    episode = quiet_carol(world, today)
    services.lapses_scan(today=today - days(5))
    response = login(world.alice).post(
        reverse("client_lapse_close", args=[world.carol.pk]), {"short_review": "Quiet."}
    )
    assert response.status_code == 422
    ready = (today + days(23)).isoformat()
    assert f"give the client until {ready}" in response.content.decode()
    episode.refresh_from_db()
    assert episode.phase == "formulation"
    assert Lapse.objects.get().closed_on is None
    assert not AuditEvent.objects.filter(action__in=["lapse.close", "episode.transition"]).exists()


def test_closing_without_a_review_is_refused(world, found, login):
    response = login(world.alice).post(
        reverse("client_lapse_close", args=[world.carol.pk]), {"short_review": "  "}
    )
    assert response.status_code == 422
    assert Episode.objects.get(pk=found.pk).phase == "formulation"


def test_closing_a_client_who_was_never_found_is_refused(world, login, today):
    quiet_carol(world, today, last_seen_days_ago=100)
    response = login(world.alice).post(
        reverse("client_lapse_close", args=[world.carol.pk]), {"short_review": "Quiet."}
    )
    assert response.status_code == 422
    assert "invite the client to an ending first" in response.content.decode()
    assert Episode.objects.get().is_open


def test_the_service_refuses_a_booked_client(world, found, today):
    a_session(world.carol, world.alice, today + days(2), status="scheduled")
    with pytest.raises(services.LapseError, match="A session is booked"):
        services.lapse_close(episode=found, by=world.alice, short_review="x")
    assert Episode.objects.get(pk=found.pk).is_open


def test_the_supervisor_reads_but_does_not_close(world, found, login):
    response = login(world.sam).post(
        reverse("client_lapse_close", args=[world.carol.pk]), {"short_review": "x"}
    )
    assert response.status_code == 403
    assert Episode.objects.get(pk=found.pk).is_open


def test_a_client_without_an_open_episode_has_no_lapse_page(world, login):
    response = login(world.alice).get(reverse("client_lapse", args=[world.carol.pk]))
    assert response.status_code == 404
