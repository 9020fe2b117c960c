"""Helpers for the lapse tests: carol's episode with alice, gone quiet."""

import datetime

from django.utils import timezone

from kithkin.relationships.models import Episode
from kithkin.schedule.models import Session


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def at_noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def an_episode(world, client, therapist, *, opened_on: datetime.date, phase="formulation"):
    closed = (
        {"closed_on": opened_on + days(30), "ending_type": "planned"} if phase == "closed" else {}
    )
    return Episode.objects.create(
        practice=client.practice,
        relationship=client.therapy_relationships.get(therapist=therapist),
        phase=phase,
        opened_on=opened_on,
        opened_by=therapist,
        **closed,
    )


def a_session(client, therapist, day: datetime.date, status=Session.Status.ATTENDED):
    return Session.objects.create(
        practice=client.practice,
        client=client,
        therapist=therapist,
        starts_at=at_noon(day),
        status=status,
    )


def quiet_carol(world, today: datetime.date, *, last_seen_days_ago: int = 60):
    """Carol's open episode with alice: opened 200 days before ``today``, last attended
    ``last_seen_days_ago`` days before it, nothing booked since."""
    episode = an_episode(world, world.carol, world.alice, opened_on=today - days(200))
    a_session(world.carol, world.alice, today - days(last_seen_days_ago))
    return episode
