"""No user of one practice reaches another practice's client through any URL in the project.

The URLs come from the URL configuration itself, so a page added later is covered the day it is
added. A URL whose arguments this test does not know fails: teach ``ARGUMENTS`` what to pass.
"""

from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# How to fill each URL argument with an object of the *other* practice (mallory's target).
ARGUMENTS = {
    "client_id": lambda world: world.carol.pk,
    "user_id": lambda world: world.alice.pk,
    "person_id": lambda world: world.carol.people.get(name="Diane").pk,
    "action_id": lambda world: world.diane_action.pk,
    "map_id": lambda world: world.carols_map.pk,
    "home_map_id": lambda world: world.carols_home_map.pk,
    "step": lambda world: 2,
    "episode_id": lambda world: world.carols_episode.pk,
    "version_id": lambda world: world.carols_plan_draft.pk,
    "goal_id": lambda world: world.carols_goal.pk,
    "session_id": lambda world: world.carols_session.pk,
    "alert_id": lambda world: world.carols_alert.pk,
    "code": lambda world: "phq9",
    "token": lambda world: world.carols_link_token,
    "kiosk_token": lambda world: world.carols_kiosk_token,
    "instrument_id": lambda world: world.loaded_instrument.pk,
    "response_id": lambda world: world.carols_alert.response_id,
    # A path the facade does not serve (its served routes have their own arguments above).
    "fhir_path": lambda world: f"Medication/{world.alice.pk}",
    # Bulk $export's status URL and files (a job is its starter's alone: fhir/tests/test_export).
    "job_id": lambda world: 1,
    "resource_type": lambda world: "Patient",
    # An event of the other practice's audit trail (read by its admin alone).
    "event_id": lambda world: _an_event_of(world.carol),
    # Carol's drafted referral to Dr Okafor (referrals/tests/conftest.py).
    "referral_id": lambda world: _a_referral_of(world),
    # Carol's signed authorization and a release under it (consent/tests/conftest.py).
    "authorization_id": lambda world: _a_release_of(world)[0].pk,
    "disclosure_id": lambda world: _a_release_of(world)[1].pk,
    "kind": lambda world: "pdf",
    # Riverside's public inquiry form, and Robin's inquiry in its queue (inquiries/tests).
    "practice_slug": lambda world: world.practice.slug,
    "inquiry_id": lambda world: _an_inquiry_of(world),
    # Carol's shared ending review of a closed episode (endings/tests/conftest.py).
    "review_id": lambda world: _a_review_of(world),
}

# Public pages of a practice: the same page for every visitor, signed in anywhere or not, so
# another practice's user reaching them is no crossing. They are still checked for leaks.
PUBLIC_PAGES = {"inquiry_new", "inquiry_thanks"}


def _a_review_of(world) -> int:
    from kithkin.endings.tests.conftest import carols_review

    return carols_review(world).pk


def _an_inquiry_of(world) -> int:
    from kithkin.inquiries.models import Inquiry
    from kithkin.inquiries.tests.conftest import robins_inquiry

    found = Inquiry.objects.filter(practice=world.practice).first()
    return (found or robins_inquiry(world)).pk


def _a_release_of(world):
    from kithkin.consent.models import Disclosure
    from kithkin.consent.tests.conftest import carols_release

    found = Disclosure.objects.filter(client=world.carol).select_related("authorization").first()
    if found is not None:
        return found.authorization, found
    return carols_release(world)


def _a_referral_of(world) -> int:
    from kithkin.referrals.tests.conftest import carols_referral

    return carols_referral(world).pk


def _an_event_of(client) -> int:
    from kithkin.audit.models import AuditEvent

    event = AuditEvent.objects.filter(practice_id=client.practice_id).order_by("pk").first()
    return event.pk if event else 1


# Text of the other practice's record that must never appear in mallory's responses.
SECRETS = (
    "Quill",
    "carol@example.org",
    "Diane",
    "Talk about the rent",
    "robin@example.net",
    "argue with my sister",
)


def all_patterns(resolvers=None, prefix=""):
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from all_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def project_patterns():
    """The pages. The REST API's URLs (django-ninja's views) are left to tests/test_api_matrix.py,
    which calls them with tokens rather than a signed-in browser."""
    return [
        (route, entry)
        for route, entry in all_patterns()
        if entry.callback.__module__.startswith(("kithkin.", "django.contrib.auth"))
        and not route.startswith(API_PREFIX)
    ]


API_PREFIX = "api/"


def api_patterns():
    return [(route, entry) for route, entry in all_patterns() if route.startswith(API_PREFIX)]


def fill(route: str, entry: URLPattern, world, missing: bool = False) -> str:
    unknown = set(entry.pattern.converters) - set(ARGUMENTS)
    assert not unknown, f"{route}: teach the tenancy test about {sorted(unknown)}"
    path = route
    for name, converter in entry.pattern.converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        kind = {"integer": "int", "string": "str"}.get(kind, kind)
        value = 987654321 if missing else ARGUMENTS[name](world)
        path = path.replace(f"<{kind}:{name}>", str(value))
    return "/" + path.lstrip("^").rstrip("$")


def loaded_instrument(world):
    """The made-up example of docs/instruments, loaded by adam into carol's practice."""
    from kithkin.measures.library import instrument_load

    example = Path(__file__).resolve().parents[1] / "docs/instruments/example-instrument.json"
    return instrument_load(
        practice=world.practice, text=example.read_text("utf-8"), licence="Test", by=world.adam
    )


@pytest.fixture
def world(world):
    """The personas, with Diane a therapy partner of carol's with a planned action."""
    from django.utils import timezone

    from kithkin.partners.models import PlannedAction, TherapyPartner

    diane = world.carol.people.get(name="Diane")
    partner = TherapyPartner.objects.create(
        practice=world.practice, person=diane, involvement="unaware"
    )
    world.diane_action = PlannedAction.objects.create(
        practice=world.practice,
        partner=partner,
        text="Talk about the rent",
        planned_on=timezone.localdate(),
        window_start=timezone.localdate(),
        created_by=world.alice,
    )
    from kithkin.spheres.models import SphereEntry, SphereMap

    world.carols_map = SphereMap.objects.create(
        practice=world.practice,
        client=world.carol,
        made_by="therapist",
        author=world.alice,
        taken_at=timezone.now(),
    )
    SphereEntry.objects.create(practice=world.practice, map=world.carols_map, person=diane, ring=2)
    world.carols_home_map = SphereMap.objects.create(
        practice=world.practice,
        client=world.carol,
        made_by="client",
        author=world.carol_login,
        taken_at=timezone.now(),
    )
    SphereEntry.objects.create(
        practice=world.practice, map=world.carols_home_map, person=diane, ring=1
    )
    from kithkin.relationships.models import Episode

    world.carols_episode = Episode.objects.create(
        practice=world.practice,
        relationship=world.carol.therapy_relationships.get(),
        opened_on=timezone.localdate(),
        opened_by=world.alice,
    )
    import datetime

    from kithkin.schedule.models import Session

    world.carols_session = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        status=Session.Status.ATTENDED,
    )
    from kithkin.plans import services as plans

    plan = plans.plan_start(client=world.carol, by=world.alice, starts_on=timezone.localdate())
    first = plan.versions.get()
    plans.goal_add(
        version=first,
        by=world.alice,
        goal=plans.GoalInput(
            description="Ask Diane to share the chores",
            criterion="A rota on the fridge",
            target_date=timezone.localdate(),
            partner_ids=(diane.pk,),
        ),
    )
    plans.version_sign(version=first, by=world.alice)
    world.carols_plan_draft = plans.plan_revise(plan=plan, by=world.alice)
    world.carols_goal = world.carols_plan_draft.goals.get()
    import uuid

    from kithkin.measures import services as measures

    measures.response_submit(
        client=world.carol,
        instrument_code="phq9",
        answers={**{n: 0 for n in range(1, 9)}, 9: 2},
        by=world.carol_login,
        via="portal",
        idempotency_key=str(uuid.uuid4()),
    )
    world.carols_alert = world.carol.measure_alerts.get()
    _, world.carols_link_token = measures.link_create(
        client=world.carol, instrument_code="alliance", by=world.alice
    )
    _, world.carols_kiosk_token = measures.kiosk_start(
        client=world.carol, instrument_code="alliance", by=world.alice
    )
    world.loaded_instrument = loaded_instrument(world)
    return world


def test_the_url_walk_finds_the_client_pages():
    routes = [route for route, _ in project_patterns()]
    assert "clients/<int:client_id>/" in routes
    assert "caseload/" in routes


@pytest.mark.parametrize("method", ["get", "post"])
def test_mallory_reaches_no_record_of_another_practice_through_any_url(world, client, method):
    from kithkin.api.services import token_create

    # The FHIR facade takes a Bearer token, never the session: she sends one with every request
    # (the pages ignore it), so the facade's routes are walked with her own credentials too.
    _, secret = token_create(user=world.mallory, by=None)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    checked = 0
    for route, entry in project_patterns():
        # Logging out (one of the URLs) ends all her sessions, so log in afresh each time.
        world.mallory.refresh_from_db()
        client.force_login(world.mallory)
        path = fill(route, entry, world)
        response = getattr(client, method)(path, **headers)
        body = response.content.decode(errors="replace")
        leaked = [secret for secret in SECRETS if secret in body]
        assert not leaked, f"{method.upper()} {path} showed {leaked} to another practice"
        if entry.pattern.converters and entry.name not in PUBLIC_PAGES:
            # Another practice's record answers exactly as a record that does not exist would.
            assert response.status_code in (403, 404, 405), f"{method.upper()} {path}"
            missing = getattr(client, method)(fill(route, entry, world, missing=True), **headers)
            assert response.status_code == missing.status_code, (
                f"{method.upper()} {path} reveals it"
            )
        checked += 1
    assert checked >= 8


def test_the_other_practices_client_stays_unchanged(world, client):
    client.force_login(world.mallory)
    client.post(f"/clients/{world.carol.pk}/edit/", {"given_name": "Hacked", "family_name": "X"})
    world.carol.refresh_from_db()
    assert world.carol.given_name == "Carol"
