import datetime

import pytest
from django.utils import timezone

from kithkin.clients.models import Person
from kithkin.partners.models import TherapyPartner
from kithkin.schedule.models import Session


def soon(days: int = 3, hour: int = 10) -> datetime.datetime:
    """A moment ``days`` from today at ``hour``, local time."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def mother(world):
    """Carol's mother, invited to joint sessions (seed 000)."""
    person = Person.objects.create(
        practice=world.practice, client=world.carol, name="Her mother", role="mother"
    )
    TherapyPartner.objects.create(
        practice=world.practice, person=person, involvement="joint_sessions", knows_in_therapy=True
    )
    return person


@pytest.fixture
def diane(world):
    """Carol's roommate, who must not know she is discussed (seed 000)."""
    person = world.carol.people.get(name="Diane")
    TherapyPartner.objects.create(practice=world.practice, person=person, involvement="unaware")
    return person


@pytest.fixture
def make_session(world):
    def make(*, client=None, therapist=None, starts_at=None, **fields):
        return Session.objects.create(
            practice=world.practice,
            client=client or world.carol,
            therapist=therapist or world.alice,
            starts_at=starts_at or soon(),
            **fields,
        )

    return make
