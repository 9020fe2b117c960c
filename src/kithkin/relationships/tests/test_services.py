import datetime
from unittest import mock

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.core.episodes import TransitionRefused
from kithkin.endings.models import EndingReview
from kithkin.endings.tests.conftest import reviewed
from kithkin.relationships.models import Episode, EpisodeTransition
from kithkin.relationships.services import EpisodeError, episode_open, episode_transition


@pytest.fixture
def relationship(world):
    return world.carol.therapy_relationships.get()


def episode_events(world):
    return list(
        AuditEvent.objects.filter(
            practice=world.practice, resource_type="Episode", client_id=world.carol.pk
        ).order_by("seq")
    )


def walk(episode, by, *phases):
    for phase in phases:
        episode = episode_transition(episode=episode, by=by, to=phase)
    return episode


def test_opening_starts_at_reaching_out_with_its_first_history_row_and_an_event(
    world, relationship
):
    episode = episode_open(relationship=relationship, by=world.alice, ip="10.0.0.9")
    assert (episode.phase, episode.opened_on) == ("reaching_out", timezone.localdate())
    [row] = episode.transitions.all()
    assert (row.from_phase, row.to_phase, row.by) == ("", "reaching_out", world.alice)
    [event] = episode_events(world)
    assert (event.action, event.resource_id, event.ip) == (
        "episode.open",
        str(episode.pk),
        "10.0.0.9",
    )


def test_a_second_episode_is_refused_while_one_is_open(world, relationship):
    episode_open(relationship=relationship, by=world.alice)
    with pytest.raises(EpisodeError, match="already open, in reaching out"):
        episode_open(relationship=relationship, by=world.alice)
    assert Episode.objects.count() == 1
    assert len(episode_events(world)) == 1


def test_a_returning_client_starts_a_new_episode_and_the_first_keeps_its_ending(
    world, relationship
):
    first = episode_open(
        relationship=relationship, by=world.alice, on=timezone.localdate() - datetime.timedelta(90)
    )
    first = walk(first, world.alice, "assessment", "formulation", "planning", "active", "ending")
    reviewed(first, world.alice)
    first = episode_transition(episode=first, by=world.alice, to="closed", ending_type="planned")
    second = episode_open(relationship=relationship, by=world.alice)
    first.refresh_from_db()
    assert (first.phase, first.ending_type, first.closed_on) == (
        "closed",
        "planned",
        timezone.localdate(),
    )
    assert second.phase == "reaching_out" and second.pk != first.pk
    assert first.transitions.count() == 7


def test_entering_ending_drafts_the_review_once_and_a_planned_close_needs_it_signed(
    world, relationship
):
    episode = episode_open(relationship=relationship, by=world.alice)
    episode = walk(episode, world.alice, "assessment", "formulation", "planning", "active")
    assert not EndingReview.objects.filter(episode=episode).exists()
    episode = walk(episode, world.alice, "ending")
    review = EndingReview.objects.get(episode=episode)
    assert (review.drafted_by, review.signed_at) == (world.alice, None)
    assert (
        AuditEvent.objects.filter(action="ending_review.start", resource_id=review.pk).count() == 1
    )
    # Back to active work and into ending again: the same review, not a second one.
    episode = episode_transition(episode=episode, by=world.alice, to="active", reason="Not yet")
    episode = walk(episode, world.alice, "ending")
    assert EndingReview.objects.filter(episode=episode).count() == 1

    moves = EpisodeTransition.objects.count()
    with pytest.raises(EpisodeError, match="needs its ending review, signed") as refused:
        episode_transition(episode=episode, by=world.alice, to="closed", ending_type="planned")
    assert refused.value.field == "ending_type"
    episode.refresh_from_db()
    assert (episode.phase, episode.closed_on, EpisodeTransition.objects.count()) == (
        "ending",
        None,
        moves,
    )
    # An unplanned ending needs no review; a planned one goes once the review is signed.
    reviewed(episode, world.alice)
    closed = episode_transition(episode=episode, by=world.alice, to="closed", ending_type="planned")
    assert (closed.phase, closed.ending_type) == ("closed", "planned")


def test_a_new_episode_cannot_open_before_the_last_one_closed(world, relationship):
    episode = episode_open(relationship=relationship, by=world.alice)
    episode_transition(episode=episode, by=world.alice, to="closed", ending_type="lapsed")
    with pytest.raises(EpisodeError, match="before the last one closed") as refused:
        episode_open(
            relationship=relationship,
            by=world.alice,
            on=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert refused.value.field == "opened_on"


def test_an_episode_cannot_open_in_the_future(world, relationship):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(EpisodeError, match="future"):
        episode_open(relationship=relationship, by=world.alice, on=tomorrow)


def test_an_ended_relationship_opens_no_episode(world, relationship):
    relationship.ended_on = datetime.date(2026, 3, 1)
    relationship.save()
    with pytest.raises(EpisodeError, match="ended on 1 Mar 2026"):
        episode_open(relationship=relationship, by=world.alice)
    assert not Episode.objects.exists()


def test_a_move_records_who_when_and_why_and_audits_without_the_free_text(world, relationship):
    episode = walk(
        episode_open(relationship=relationship, by=world.alice), world.alice, "assessment"
    )
    reason = "Her previous therapist's formulation still holds; she wants to start the work."
    episode = episode_transition(
        episode=episode, by=world.alice, to="active", reason=f"  {reason} ", ip="10.0.0.9"
    )
    assert episode.phase == "active"
    row = episode.transitions.order_by("at", "pk").last()
    assert (row.from_phase, row.to_phase, row.reason, row.by) == (
        "assessment",
        "active",
        reason,
        world.alice,
    )
    event = episode_events(world)[-1]
    assert event.action == "episode.transition"
    assert event.reason == f"assessment -> active; transition {row.pk}"
    assert "formulation still holds" not in event.reason  # clinical text stays encrypted


def test_the_reason_is_stored_encrypted(world, relationship):
    episode = episode_open(relationship=relationship, by=world.alice)
    episode_transition(episode=episode, by=world.alice, to="active", reason="Rent argument")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM relationships_episodetransition WHERE reason <> ''")
        [(stored,)] = cursor.fetchall()
    assert "Rent" not in stored


def test_a_refused_move_raises_the_rules_reason_and_writes_nothing(world, relationship):
    episode = walk(
        episode_open(relationship=relationship, by=world.alice), world.alice, "assessment"
    )
    rows, events = EpisodeTransition.objects.count(), AuditEvent.objects.count()
    with pytest.raises(TransitionRefused, match="skips formulation and planning: give a reason"):
        episode_transition(episode=episode, by=world.alice, to="active")
    episode.refresh_from_db()
    assert episode.phase == "assessment"
    assert (EpisodeTransition.objects.count(), AuditEvent.objects.count()) == (rows, events)


def test_closing_needs_an_ending_type_and_then_dates_the_ending(world, relationship):
    episode = episode_open(relationship=relationship, by=world.alice)
    with pytest.raises(TransitionRefused, match="Say how the episode ended"):
        episode_transition(episode=episode, by=world.alice, to="closed")
    # Seed 003: a voicemail after two sessions is an ending too, and the record says so.
    episode = episode_transition(
        episode=episode, by=world.alice, to="closed", ending_type="client_ended"
    )
    assert (episode.ending_type, episode.closed_on) == ("client_ended", timezone.localdate())
    assert episode_events(world)[-1].reason.startswith("reaching_out -> closed (client_ended)")


def test_a_closed_episode_stays_closed(world, relationship):
    episode = episode_open(relationship=relationship, by=world.alice)
    episode_transition(episode=episode, by=world.alice, to="closed", ending_type="lapsed")
    with pytest.raises(TransitionRefused, match="open a new episode"):
        episode_transition(episode=episode, by=world.alice, to="active", reason="she came back")


def test_a_form_sent_twice_moves_the_episode_once(world, relationship):
    episode = episode_open(relationship=relationship, by=world.alice)
    once = dict(episode=episode, by=world.alice, to="assessment", expected_phase="reaching_out")
    episode_transition(**once)
    with pytest.raises(EpisodeError, match="now in assessment; the page you used was out of date"):
        episode_transition(**once)
    assert episode.transitions.count() == 2


def test_when_the_audit_write_fails_the_move_is_not_half_written(world, relationship):
    episode = episode_open(relationship=relationship, by=world.alice)
    with (
        mock.patch(
            "kithkin.relationships.services.audit_record", side_effect=DatabaseError("disk full")
        ),
        pytest.raises(DatabaseError),
    ):
        episode_transition(episode=episode, by=world.alice, to="assessment")
    episode.refresh_from_db()
    assert episode.phase == "reaching_out"
    assert list(episode.transitions.values_list("to_phase", flat=True)) == ["reaching_out"]


def test_when_the_audit_write_fails_no_episode_is_opened(world, relationship):
    events = AuditEvent.objects.count()
    with (
        mock.patch("kithkin.relationships.services.audit_record", side_effect=DatabaseError("x")),
        pytest.raises(DatabaseError),
    ):
        episode_open(relationship=relationship, by=world.alice)
    assert not Episode.objects.exists()
    assert not EpisodeTransition.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_database_itself_keeps_one_open_episode_per_relationship(world, relationship):
    fields = dict(
        practice=world.practice,
        relationship=relationship,
        opened_on=timezone.localdate(),
        opened_by=world.alice,
    )
    Episode.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(**fields)
    # Closed episodes do not count: a returning client has many.
    Episode.objects.create(
        **fields, phase="closed", closed_on=timezone.localdate(), ending_type="lapsed"
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"phase": "limbo"},
        {"phase": "closed"},  # closed without its ending
        {"ending_type": "planned"},  # an ending on an open episode
        {"phase": "closed", "ending_type": "vanished", "closed_on": datetime.date(2026, 2, 1)},
        {"phase": "closed", "ending_type": "lapsed", "closed_on": datetime.date(2025, 1, 1)},
    ],
)
def test_the_database_refuses_an_inconsistent_episode(world, relationship, bad):
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(
            practice=world.practice,
            relationship=relationship,
            opened_on=datetime.date(2026, 1, 5),
            opened_by=world.alice,
            **bad,
        )
