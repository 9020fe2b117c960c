import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.relationships.models import Episode, EpisodeTransition, TherapyRelationship
from kithkin.relationships.services import episode_open, episode_transition
from kithkin.schedule.models import Session

TODAY = datetime.date(2026, 11, 20)
# The session and user, the access check (the client with its relationships) and its audit
# event (chain head, event, head update), five reads (episodes with their reviews and lapses,
# transitions, sessions, referrals, the inquiry) and the policy's answer on whether to show the
# forms. None grows with the journey.
QUERIES = 12


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def page(client_record):
    return reverse("client_timeline", args=[client_record.pk])


def move_url(client_record, episode):
    return reverse("episode_transition", args=[client_record.pk, episode.pk])


def history(world, episode, *moves):
    """Writes a dated history: each move is (day, from, to, reason, ending type)."""
    EpisodeTransition.objects.bulk_create(
        EpisodeTransition(
            practice=world.practice,
            episode=episode,
            from_phase=origin,
            to_phase=to,
            reason=reason,
            ending_type=ending,
            by=episode.opened_by,
            at=at(day, 9),
        )
        for day, origin, to, reason, ending in moves
    )


def session(world, therapist, day, status=Session.Status.ATTENDED):
    return Session(
        practice=world.practice,
        client=world.carol,
        therapist=therapist,
        starts_at=at(day),
        status=status,
    )


@pytest.fixture
def journey(world):
    """Carol saw bob first and was referred on to alice; with alice she ended as planned, and
    returned: her second episode with alice is in assessment."""
    with_bob = TherapyRelationship.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.bob,
        started_on=datetime.date(2025, 6, 2),
        ended_on=datetime.date(2025, 8, 1),
    )
    with_alice = world.carol.therapy_relationships.get(therapist=world.alice)
    d = datetime.date
    bobs = Episode.objects.create(
        practice=world.practice,
        relationship=with_bob,
        phase="closed",
        opened_on=d(2025, 6, 2),
        closed_on=d(2025, 8, 1),
        ending_type="referred",
        opened_by=world.bob,
    )
    history(
        world,
        bobs,
        (d(2025, 6, 2), "", "reaching_out", "", ""),
        (d(2025, 6, 9), "reaching_out", "assessment", "", ""),
        (d(2025, 8, 1), "assessment", "closed", "Needs a couples specialist", "referred"),
    )
    first = Episode.objects.create(
        practice=world.practice,
        relationship=with_alice,
        phase="closed",
        opened_on=d(2026, 1, 5),
        closed_on=d(2026, 6, 1),
        ending_type="planned",
        opened_by=world.alice,
    )
    history(
        world,
        first,
        (d(2026, 1, 5), "", "reaching_out", "", ""),
        (d(2026, 1, 12), "reaching_out", "assessment", "", ""),
        (d(2026, 2, 2), "assessment", "active", "Formulation from bob's referral letter", ""),
        (d(2026, 5, 4), "active", "ending", "", ""),
        (d(2026, 6, 1), "ending", "closed", "", "planned"),
    )
    second = Episode.objects.create(
        practice=world.practice,
        relationship=with_alice,
        phase="assessment",
        opened_on=d(2026, 10, 5),
        opened_by=world.alice,
    )
    history(
        world,
        second,
        (d(2026, 10, 5), "", "reaching_out", "", ""),
        (d(2026, 10, 12), "reaching_out", "assessment", "", ""),
    )
    Session.objects.bulk_create(
        [
            session(world, world.bob, d(2025, 6, 16)),
            session(world, world.alice, d(2025, 12, 1)),  # before episodes were kept
            session(world, world.alice, d(2026, 1, 19)),
            session(world, world.alice, d(2026, 3, 2), Session.Status.NO_SHOW),
            session(world, world.alice, d(2026, 10, 19)),
        ]
    )
    return {"bob": bobs, "first": first, "second": second}


def test_the_timeline_shows_the_whole_journey_across_therapists_and_episodes(world, login, journey):
    response = login(world.alice).get(page(world.carol))
    assert response.status_code == 200
    timeline = response.context["timeline"]
    assert [(s.number, s.therapist.username, s.phase) for s in timeline.episodes] == [
        (1, "bob", "closed"),
        (2, "alice", "closed"),
        (3, "alice", "assessment"),
    ]
    assert [s.sessions for s in timeline.episodes] == [1, 2, 1]
    assert [s.starts_at.date() for s in timeline.outside] == [datetime.date(2025, 12, 1)]
    body = response.content.decode()
    assert "Episode 1 with Bob Example" in body
    assert "Closed from assessment: referred on" in body
    assert "Needs a couples specialist" in body
    assert "Moved from assessment to active work, skipping formulation and planning" in body
    assert "Closed: planned ending." in body
    assert "Session: no-show" in body
    assert 'aria-current="step">Assessment' in body


def test_events_of_an_episode_are_in_date_order(world, login, journey):
    response = login(world.alice).get(page(world.carol))
    [_, first, _] = response.context["timeline"].episodes
    moments = [event.at for event in first.events]
    assert moments == sorted(moments)
    kinds = ["session" if event.session else "move" for event in first.events]
    assert kinds == ["move", "move", "session", "move", "session", "move", "move"]


def test_the_treating_therapist_gets_the_move_form_for_the_open_episode(world, login, journey):
    response = login(world.alice).get(page(world.carol))
    [item] = response.context["current"]
    assert item["story"].episode == journey["second"]
    form = item["form"]
    offered = [value for value, _ in form.fields["to_phase"].widget.choices]
    assert offered == ["", "reaching_out", "formulation", "planning", "active", "ending", "closed"]
    # One open already: no button for another.
    assert response.context["open_form"] is None


def test_the_supervisor_reads_the_journey_without_controls(world, login, journey):
    response = login(world.sam).get(page(world.carol))
    assert response.status_code == 200
    assert response.context["current"][0]["form"] is None
    assert response.context["open_form"] is None
    assert "Move the episode" not in response.content.decode()


def test_moving_the_episode_redirects_to_the_timeline_and_records_the_move(world, login, journey):
    second = journey["second"]
    response = login(world.alice).post(
        move_url(world.carol, second),
        {f"e{second.pk}-from_phase": "assessment", f"e{second.pk}-to_phase": "formulation"},
    )
    assert response.status_code == 302
    assert response.url == page(world.carol) + "#now"
    second.refresh_from_db()
    assert second.phase == "formulation"
    event = AuditEvent.objects.filter(action="episode.transition").get()
    assert event.actor_username == "alice" and event.client_id == world.carol.pk
    assert (
        "The episode moved to formulation." in login(world.alice).get(response.url).content.decode()
    )


def test_a_refused_move_answers_422_with_the_reason_beside_the_field(world, login, journey):
    second = journey["second"]
    response = login(world.alice).post(
        move_url(world.carol, second),
        {f"e{second.pk}-from_phase": "assessment", f"e{second.pk}-to_phase": "active"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "skips formulation and planning: give a reason" in body
    form = response.context["current"][0]["form"]
    assert form.errors["reason"]
    second.refresh_from_db()
    assert second.phase == "assessment"
    assert not AuditEvent.objects.filter(action="episode.transition").exists()


def test_closing_with_a_planned_ending_too_early_is_explained(world, login, journey):
    second = journey["second"]
    response = login(world.alice).post(
        move_url(world.carol, second),
        {
            f"e{second.pk}-from_phase": "assessment",
            f"e{second.pk}-to_phase": "closed",
            f"e{second.pk}-ending_type": "planned",
        },
    )
    assert response.status_code == 422
    assert "A planned ending goes through the ending phase" in response.content.decode()


def test_a_closed_episode_cannot_be_moved(world, login, journey):
    first = journey["first"]
    response = login(world.alice).post(
        move_url(world.carol, first),
        {f"e{first.pk}-from_phase": "closed", f"e{first.pk}-to_phase": "active"},
    )
    assert response.status_code == 422
    assert "This episode is closed and stays as it ended" in response.content.decode()


def test_an_episode_of_another_client_is_not_found(world, login, journey):
    daves = Episode.objects.create(
        practice=world.practice,
        relationship=world.dave.therapy_relationships.get(),
        opened_on=TODAY,
        opened_by=world.bob,
    )
    response = login(world.alice).post(
        move_url(world.carol, daves),
        {f"e{daves.pk}-from_phase": "reaching_out", f"e{daves.pk}-to_phase": "assessment"},
    )
    assert response.status_code == 404
    daves.refresh_from_db()
    assert daves.phase == "reaching_out"


def test_opening_a_new_episode_when_none_is_open(world, login):
    alice = login(world.alice)
    response = alice.get(page(world.carol))
    assert response.context["current"] == []
    assert "No episode is open." in response.content.decode()
    assert response.context["open_form"] is not None
    response = alice.post(
        reverse("episode_open", args=[world.carol.pk]), {"opened_on": str(timezone.localdate())}
    )
    assert response.status_code == 302
    [episode] = Episode.objects.filter(relationship__client=world.carol)
    assert episode.phase == "reaching_out" and episode.opened_by == world.alice


def test_opening_while_one_is_open_is_refused_with_the_reason(world, login):
    episode_open(relationship=world.carol.therapy_relationships.get(), by=world.alice)
    response = login(world.alice).post(
        reverse("episode_open", args=[world.carol.pk]), {"opened_on": str(timezone.localdate())}
    )
    assert response.status_code == 422
    assert "already open, in reaching out" in response.content.decode()
    assert Episode.objects.count() == 1


def test_the_client_page_links_to_the_timeline(world, login):
    body = login(world.alice).get(reverse("client_detail", args=[world.carol.pk])).content
    assert page(world.carol).encode() in body


def test_the_timeline_keeps_its_query_count_with_300_sessions_and_many_moves(
    world, login, django_assert_num_queries
):
    alice = login(world.alice)
    relationship = world.carol.therapy_relationships.get()
    episode = episode_open(relationship=relationship, by=world.alice, on=TODAY)
    alice.get(page(world.carol))  # the first visit also starts the practice's audit chain
    with django_assert_num_queries(QUERIES) as few:
        alice.get(page(world.carol))
    for n in range(10):
        for phase in ("active", "planning"):
            episode = episode_transition(
                episode=episode, by=world.alice, to=phase, reason=f"round {n}"
            )
    start = at(TODAY) - datetime.timedelta(weeks=300)
    Session.objects.bulk_create(
        Session(
            practice=world.practice,
            client=world.carol,
            therapist=world.alice,
            starts_at=start + datetime.timedelta(weeks=w),
            status=Session.Status.ATTENDED,
        )
        for w in range(300)
    )
    with django_assert_num_queries(len(few.captured_queries)):
        response = alice.get(page(world.carol))
    assert response.context["timeline"].session_count == 300


def test_closing_says_how_the_episode_ended():
    from types import SimpleNamespace

    from kithkin.relationships.views import _moved_message

    closed = SimpleNamespace(phase="closed", ending_type="client_ended")
    assert _moved_message(closed).startswith("The episode is closed (")
    assert "closed" not in _moved_message(SimpleNamespace(phase="ending", ending_type=""))


def test_the_timeline_escapes_what_people_wrote_and_keeps_their_line_breaks(world, login, journey):
    history(
        world,
        journey["second"],
        (datetime.date(2026, 2, 2), "assessment", "reaching_out", "<script>x()</script>\nMum", ""),
    )
    world.alice.first_name = "<b>Alice</b>"
    world.alice.save()
    body = login(world.alice).get(page(world.carol)).content.decode()
    assert "<script>x()</script>" not in body
    assert "&lt;script&gt;x()&lt;/script&gt;<br>Mum" in body
    assert "by &lt;b&gt;Alice&lt;/b&gt; Example" in body
    assert "<b>Alice</b>" not in body


def test_a_planned_close_without_a_signed_review_is_refused_beside_the_ending(
    world, login, journey
):
    second = journey["second"]
    for phase in ("formulation", "planning", "active", "ending"):
        second = episode_transition(episode=second, by=world.alice, to=phase)
    response = login(world.alice).post(
        move_url(world.carol, second),
        {
            f"e{second.pk}-from_phase": "ending",
            f"e{second.pk}-to_phase": "closed",
            f"e{second.pk}-ending_type": "planned",
        },
    )
    assert response.status_code == 422
    form = response.context["current"][0]["form"]
    assert "needs its ending review, signed" in " ".join(form.errors["ending_type"])
    second.refresh_from_db()
    assert (second.phase, second.closed_on) == ("ending", None)
