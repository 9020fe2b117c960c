"""The return (issue 9, seed 004): a client who comes back starts a new episode, with the same
therapist or with a colleague, who then holds the relationship and the record."""

import datetime

import pytest
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.relationships.models import Episode, TherapyRelationship
from kithkin.relationships.services import (
    EpisodeError,
    episode_open,
    episode_return,
    episode_transition,
)


def ended(world, *, days_ago: int = 60, ending: str = "client_ended") -> Episode:
    """Carol's first episode with alice, opened ``days_ago`` and closed today."""
    relationship = world.carol.therapy_relationships.get(therapist=world.alice)
    opened = timezone.localdate() - datetime.timedelta(days=days_ago)
    episode = episode_open(relationship=relationship, by=world.alice, on=opened)
    return episode_transition(episode=episode, by=world.alice, to="closed", ending_type=ending)


def alices(world) -> TherapyRelationship:
    return TherapyRelationship.objects.get(client=world.carol, therapist=world.alice)


def snapshot(world):
    """Everything a return writes, to prove a refusal wrote none of it."""
    return (
        list(
            TherapyRelationship.objects.filter(client=world.carol)
            .order_by("pk")
            .values_list("pk", "therapist_id", "started_on", "ended_on")
        ),
        list(Episode.objects.order_by("pk").values_list("pk", "phase", "relationship_id")),
        AuditEvent.objects.count(),
    )


def trail(world):
    return list(
        AuditEvent.objects.filter(client_id=world.carol.pk)
        .order_by("seq")
        .values_list("action", "resource_type", "reason")
    )


def test_returning_to_the_same_therapist_opens_the_episode_in_her_relationship(world):
    first = ended(world)
    second = episode_return(relationship=alices(world), therapist=world.alice, by=world.alice)
    assert second.relationship_id == first.relationship_id
    assert second.phase == "reaching_out"
    assert alices(world).ended_on is None
    assert not AuditEvent.objects.filter(action__startswith="relationship.").exists()


def test_returning_to_a_colleague_starts_his_relationship_and_ends_hers(world):
    ended(world)
    today = timezone.localdate()
    episode = episode_return(
        relationship=alices(world), therapist=world.bob, by=world.alice, ip="10.0.0.4"
    )
    bobs = TherapyRelationship.objects.get(client=world.carol, therapist=world.bob)
    assert episode.relationship == bobs
    assert (episode.phase, episode.opened_on, episode.opened_by) == (
        "reaching_out",
        today,
        world.alice,
    )
    assert (bobs.started_on, bobs.ended_on) == (today, None)
    assert alices(world).ended_on == today
    # In the transfer's order: his relationship, the episode in it, then hers ended.
    why = f"return, from relationship {alices(world).pk}"
    assert trail(world)[-3:] == [
        ("relationship.start", "TherapyRelationship", why),
        ("episode.open", "Episode", f"opened on {today}"),
        ("relationship.end", "TherapyRelationship", why),
    ]
    assert AuditEvent.objects.filter(action="relationship.end").get().ip == "10.0.0.4"


def test_a_first_contact_before_today_dates_the_new_relationship(world):
    ended(world, days_ago=60)
    alice = alices(world)
    alice.episodes.update(closed_on=timezone.localdate() - datetime.timedelta(days=20))
    on = timezone.localdate() - datetime.timedelta(days=3)
    episode = episode_return(relationship=alice, therapist=world.bob, by=world.alice, on=on)
    assert episode.opened_on == on
    assert episode.relationship.started_on == on
    assert alices(world).ended_on == on


def test_returning_to_a_former_therapist_resumes_that_relationship(world):
    earlier = TherapyRelationship.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.bob,
        started_on=datetime.date(2025, 1, 6),
        ended_on=datetime.date(2025, 6, 30),
    )
    ended(world)
    episode = episode_return(relationship=alices(world), therapist=world.bob, by=world.alice)
    earlier.refresh_from_db()
    assert earlier.ended_on is None and earlier.started_on == datetime.date(2025, 1, 6)
    assert episode.relationship == earlier
    assert [a for a, _, _ in trail(world) if a.startswith("relationship.")] == [
        "relationship.resume",
        "relationship.end",
    ]


def test_a_colleague_already_seeing_the_client_takes_the_episode_without_a_new_start(world):
    ended(world)
    TherapyRelationship.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.bob,
        started_on=datetime.date(2026, 1, 5),
    )
    episode_return(relationship=alices(world), therapist=world.bob, by=world.alice)
    assert [a for a, _, _ in trail(world) if a.startswith("relationship.")] == ["relationship.end"]


def test_the_supervisor_may_take_the_client_on_too(world):
    ended(world)
    episode = episode_return(relationship=alices(world), therapist=world.sam, by=world.alice)
    assert episode.relationship.therapist == world.sam


def future(world):
    return {"on": timezone.localdate() + datetime.timedelta(days=1)}


def before_the_close(world):
    alices(world).episodes.update(closed_on=timezone.localdate() - datetime.timedelta(days=2))
    return {"on": timezone.localdate() - datetime.timedelta(days=5)}


def before_she_started(world):
    TherapyRelationship.objects.filter(pk=alices(world).pk).update(
        started_on=timezone.localdate() - datetime.timedelta(days=10)
    )
    alices(world).episodes.update(
        opened_on=timezone.localdate() - datetime.timedelta(days=40),
        closed_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    return {"on": timezone.localdate() - datetime.timedelta(days=20)}


def hers_still_open(world):
    episode_open(relationship=alices(world), by=world.alice)
    return {}


def his_open_already(world):
    bobs = TherapyRelationship.objects.create(
        practice=world.practice, client=world.carol, therapist=world.bob, started_on="2026-02-01"
    )
    Episode.objects.create(
        practice=world.practice, relationship=bobs, opened_on="2026-02-01", opened_by=world.bob
    )
    return {}


def deactivated(world):
    world.bob.is_active = False
    world.bob.save()
    return {}


def hers_ended(world):
    TherapyRelationship.objects.filter(pk=alices(world).pk).update(ended_on="2026-03-01")
    return {}


@pytest.mark.parametrize(
    ("setup", "therapist", "message"),
    [
        (future, "bob", "cannot open in the future"),
        (before_the_close, "bob", "cannot open before the last one closed"),
        (before_she_started, "bob", "before the client started with Alice Example"),
        (hers_still_open, "bob", "An episode with Alice Example is open, in reaching out"),
        (his_open_already, "bob", "Bob Example already has an episode open with this client"),
        (deactivated, "bob", "Bob Example's account is deactivated"),
        (hers_ended, "bob", "ended on 1 Mar 2026"),
        (lambda w: {}, "adam", "Choose a therapist of this practice"),
        (lambda w: {}, "carol_login", "Choose a therapist of this practice"),
        (lambda w: {}, "mallory", "Choose a therapist of this practice"),
    ],
)
def test_a_refused_return_says_why_and_writes_nothing(world, setup, therapist, message):
    ended(world)
    extra = setup(world)
    before = snapshot(world)
    with pytest.raises(EpisodeError, match=message):
        episode_return(
            relationship=alices(world), therapist=getattr(world, therapist), by=world.alice, **extra
        )
    assert snapshot(world) == before


def test_a_failure_after_the_first_write_undoes_the_whole_return(world, monkeypatch):
    from kithkin.relationships import services

    ended(world)
    before = snapshot(world)

    def refuse(**kwargs):
        raise EpisodeError("The record could not take it.")

    monkeypatch.setattr(services, "episode_open", refuse)
    with pytest.raises(EpisodeError, match="could not take it"):
        episode_return(relationship=alices(world), therapist=world.bob, by=world.alice)
    # The new relationship and its event were written, then undone with the rest.
    assert snapshot(world) == before
