import datetime

import pytest
from django.utils import timezone

from kithkin.clients.models import Person
from kithkin.partners.models import TherapyPartner

UTC = datetime.UTC


def roundtrip(resource):
    """Serialises and parses back with the same R4B model: what leaves must read again."""
    again = type(resource).model_validate_json(resource.model_dump_json())
    assert again.model_dump() == resource.model_dump()
    return resource.model_dump(mode="json")


@pytest.fixture
def partners(world):
    """Carol's people: Diane, the roommate who must not know she is discussed (seed 000), and
    Maria, her mother, who comes to joint sessions."""
    diane = world.carol.people.get(name="Diane")
    TherapyPartner.objects.create(practice=world.practice, person=diane, involvement="unaware")
    maria = Person.objects.create(
        practice=world.practice, client=world.carol, name="Maria Quill", role="mother"
    )
    TherapyPartner.objects.create(
        practice=world.practice,
        person=maria,
        involvement="joint_sessions",
        knows_in_therapy=True,
        knows_discussed=True,
    )
    world.diane = Person.objects.select_related("partner").get(pk=diane.pk)
    world.maria = Person.objects.select_related("partner").get(pk=maria.pk)
    return world


@pytest.fixture
def moment():
    return datetime.datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def now():
    return timezone.now()


def z(moment: datetime.datetime) -> str:
    """A dateTime as fhir.resources writes it: in UTC, with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
