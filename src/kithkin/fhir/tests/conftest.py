import datetime

import pytest
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir_core.fhirabstractmodel import FHIRAbstractModel

from kithkin.api.services import token_create
from kithkin.clients.models import Person
from kithkin.fhir.valid import forget
from kithkin.measures import services as measures
from kithkin.measures.models import Response
from kithkin.measures.tests.conftest import PHQ9_MODERATE, key
from kithkin.notes import services as notes
from kithkin.partners.models import TherapyPartner
from kithkin.plans import services as plans
from kithkin.relationships.models import Episode
from kithkin.schedule.models import Session, SessionAttendee
from kithkin.spheres.models import SphereEntry, SphereMap

UTC = datetime.UTC


@pytest.fixture
def validations(monkeypatch):
    """The resources ``model_validate`` is called for from here on, by type (the elements it
    validates on the way, a Coding, a Reference, are not counted), with the validation memo
    emptied before and after (what another test validated would otherwise not be validated)."""
    original = FHIRAbstractModel.model_validate.__func__
    calls = []

    def counting(cls, obj, *args, **kwargs):
        if cls.has_resource_base():
            calls.append(cls.get_resource_type())
        return original(cls, obj, *args, **kwargs)

    monkeypatch.setattr(FHIRAbstractModel, "model_validate", classmethod(counting))
    forget()
    yield calls
    forget()


def models(dicts) -> list:
    """The builders' validated dicts (``selectors.resources_for_client``) as their R4B models."""
    return [get_fhir_model_class(d["resourceType"]).model_validate(d) for d in dicts]


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


NOTE = "Transference strong today; she idealises me as she did her father"


@pytest.fixture
def carols_record(partners):
    """Carol's record with everything that could carry Diane: a session Diane once sat in on
    (before she was marked unaware), a plan whose text names her, her place on the sphere map,
    and a psychotherapy note."""
    world = partners
    session = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=datetime.datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        status="attended",
        kind="joint",
    )
    for person in (world.maria, world.diane):
        SessionAttendee.objects.create(
            practice=world.practice, session=session, person=person, attendance="attended"
        )
    plan = plans.plan_start(client=world.carol, by=world.alice, starts_on=datetime.date(2026, 3, 2))
    version = plan.versions.get()
    version.concerns = "Arguments with Diane about the rent; her roommate does not know"
    version.save()
    sphere_map = SphereMap.objects.create(
        practice=world.practice,
        client=world.carol,
        made_by="therapist",
        author=world.alice,
        taken_at=datetime.datetime(2026, 3, 2, 16, 0, tzinfo=UTC),
        status="final",
    )
    for person, ring in ((world.maria, 1), (world.diane, 3)):
        SphereEntry.objects.create(
            practice=world.practice, map=sphere_map, person=person, ring=ring
        )
    measures.response_submit(
        client=world.carol,
        instrument_code="phq9",
        answers=PHQ9_MODERATE,
        by=world.carol_login,
        via="portal",
        idempotency_key=key(),
    )
    notes.psychotherapy_note_save(session=session, by=world.alice, text=NOTE)
    world.session = session
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


# --- The REST facade: a token per persona, GETs as one, and carol's record -----------------

BASE = "/fhir/R4/"


@pytest.fixture
def tokens(world):
    users = {
        "alice": world.alice,
        "bob": world.bob,
        "sam": world.sam,
        "adam": world.adam,
        "carol": world.carol_login,
        "dave": world.dave_login,
        "mallory": world.mallory,
    }
    return {name: token_create(user=user, by=None)[1] for name, user in users.items()}


@pytest.fixture
def fhir(client, tokens):
    """GETs under the base as a persona (None: no token)."""

    def get(path, who=None, **params):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[who]}"} if who else {}
        url = path if path.startswith("http") else BASE + path
        return client.get(url, params, **headers)

    return get


@pytest.fixture
def record(carols_record):
    """carols_record (Diane unaware and in a joint session, Maria her mother, a PHQ-9, a note)
    with an episode and a goal on the plan."""
    world = carols_record
    world.episode = Episode.objects.create(
        practice=world.practice,
        relationship=world.carol.therapy_relationships.get(),
        opened_on=datetime.date(2026, 3, 1),
        opened_by=world.alice,
    )
    version = world.carol.plans.get().versions.get()
    world.goal = plans.goal_add(
        version=version,
        by=world.alice,
        goal=plans.GoalInput(
            description="Sleep through the week",
            criterion="Five nights of seven",
            target_date=datetime.date(2026, 6, 1),
        ),
    )
    world.version = version
    world.response = Response.objects.get(client=world.carol)
    return world
