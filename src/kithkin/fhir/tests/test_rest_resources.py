"""Practitioner, PractitionerRole, CareTeam, Questionnaire and AuditEvent under /fhir/R4/, and
the code and _lastUpdated searches (issue 7).

Personas (STYLE.md): alice treats carol, bob is a colleague, sam supervises alice, adam
administers the practice, carol and dave are clients, mallory works in another practice.
"""

import datetime
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.questionnaire import Questionnaire

from kithkin.audit.models import AuditEvent
from kithkin.audit.services import audit_record
from kithkin.clients.models import Client, Person
from kithkin.fhir.tests.conftest import UTC, z
from kithkin.fhir.tests.test_rest import (
    _queries,
    bundle,
    ids,
    outcome,
)
from kithkin.measures import services as measures
from kithkin.measures.library import instrument_load
from kithkin.measures.models import Response
from kithkin.measures.tests.conftest import GAD7_MODERATE, key
from kithkin.partners.models import TherapyPartner
from kithkin.plans import services as plans
from kithkin.plans.models import Goal
from kithkin.relationships import services as episodes
from kithkin.relationships.models import Episode
from kithkin.schedule import services as schedule
from kithkin.schedule.models import Session

EXAMPLE = Path(__file__).resolve().parents[4] / "docs/instruments/example-instrument.json"

# --- Practitioner and PractitionerRole -----------------------------------------------------


@pytest.mark.parametrize("resource_type", ["Practitioner", "PractitionerRole"])
def test_staff_read_their_practices_clinicians(world, fhir, resource_type):
    for who in ("alice", "bob", "sam", "adam"):
        response = fhir(f"{resource_type}/{world.alice.pk}", who)
        assert response.status_code == 200, who
        assert response.json()["resourceType"] == resource_type
        assert response.json()["id"] == str(world.alice.pk)
    assert fhir(f"{resource_type}/{world.sam.pk}", "alice").status_code == 200


@pytest.mark.parametrize("resource_type", ["Practitioner", "PractitionerRole"])
def test_another_practices_therapist_an_admin_or_a_client_is_no_practitioner(
    world, fhir, resource_type
):
    missing = fhir(f"{resource_type}/987654321", "alice")
    outcome(missing, 404, "not-found")
    for pk, who in (
        (world.mallory.pk, "alice"),  # another practice's
        (world.alice.pk, "mallory"),
        (world.adam.pk, "alice"),  # an admin treats nobody
        (world.carol_login.pk, "alice"),  # a client's login
    ):
        there = fhir(f"{resource_type}/{pk}", who)
        assert there.content == missing.content, (pk, who)


def test_a_clients_token_does_not_walk_the_staff_list(world, fhir):
    outcome(fhir(f"Practitioner/{world.alice.pk}", "carol"), 403, "forbidden")
    outcome(fhir("Practitioner", "carol"), 403, "forbidden")
    outcome(fhir("PractitionerRole", "dave"), 403, "forbidden")


def test_practitioner_search_lists_the_practices_clinicians_only(world, fhir):
    found = bundle(fhir("Practitioner", "alice"))
    assert set(ids(found)) == {str(world.alice.pk), str(world.bob.pk), str(world.sam.pk)}
    assert ids(bundle(fhir("Practitioner", "bob", name="ALI"))) == [str(world.alice.pk)]
    assert ids(bundle(fhir("Practitioner", "mallory"))) == [str(world.mallory.pk)]
    roles = bundle(fhir("PractitionerRole", "adam", practitioner=f"Practitioner/{world.bob.pk}"))
    assert ids(roles) == [str(world.bob.pk)]
    assert bundle(fhir("PractitionerRole", "alice", practitioner=world.mallory.pk)).total == 0
    outcome(fhir("PractitionerRole", "alice", practitioner="Patient/1"), 400, "not-supported")
    outcome(fhir("Practitioner", "alice", family="Example"), 400, "not-supported")


def test_a_practitioner_carries_no_client_data(carols_record, fhir):
    world = carols_record
    for path in ("Practitioner", f"Practitioner/{world.alice.pk}", "PractitionerRole"):
        text = fhir(path, "alice").content.decode()
        assert "Quill" not in text and "Patient/" not in text and "Diane" not in text


def test_practitioner_search_pages_in_a_fixed_number_of_queries(world, fhir):
    from kithkin.accounts.models import User

    fhir("Practitioner", "alice")  # the token's last use is written once a minute
    few = _queries(lambda: fhir("Practitioner", "alice", _count="2"))
    for n in range(5):
        User.objects.create_user(username=f"t{n}", role="therapist", practice=world.practice)
    assert _queries(lambda: fhir("Practitioner", "alice", _count="2")) == few


# --- CareTeam ------------------------------------------------------------------------------


def test_carols_care_team_is_alice_and_maria_never_diane(record, fhir):
    for who in ("alice", "sam"):
        response = fhir(f"CareTeam/{record.carol.pk}", who)
        assert response.status_code == 200
        team = CareTeam.model_validate_json(response.content)
        members = [p.member.reference for p in team.participant]
        assert members == [f"Practitioner/{record.alice.pk}", f"RelatedPerson/{record.maria.pk}"]
        assert team.subject.reference == f"Patient/{record.carol.pk}"
        text = response.content.decode()
        assert f"RelatedPerson/{record.diane.pk}" not in text and "Diane" not in text
    found = bundle(fhir("CareTeam", "alice", patient=record.carol.pk))
    assert ids(found) == [str(record.carol.pk)] and found.total == 1


def test_an_ended_relationship_leaves_the_care_team(record, fhir):
    from kithkin.relationships.models import TherapyRelationship

    TherapyRelationship.objects.create(
        practice=record.practice,
        client=record.carol,
        therapist=record.bob,
        started_on=datetime.date(2025, 1, 6),
        ended_on=datetime.date(2025, 12, 1),
    )
    team = CareTeam.model_validate_json(fhir(f"CareTeam/{record.carol.pk}", "alice").content)
    members = [p.member.reference for p in team.participant]
    assert f"Practitioner/{record.bob.pk}" not in members
    assert f"Practitioner/{record.alice.pk}" in members


def test_the_care_team_is_refused_like_the_patient_and_audited(record, fhir):
    missing = fhir("CareTeam/987654321", "bob")
    for who in ("bob", "adam", "mallory", "carol", "dave"):
        assert fhir(f"CareTeam/{record.carol.pk}", who).content == missing.content
        there = fhir("CareTeam", who, patient=record.carol.pk)
        outcome(there, 404, "not-found")
    events = AuditEvent.objects.filter(client_id=record.carol.pk, action="client.view")
    assert events.filter(actor=record.bob, outcome="denied").exists()
    fhir(f"CareTeam/{record.carol.pk}", "alice")
    assert events.filter(actor=record.alice, reason__endswith="[via fhir]").exists()


# --- Questionnaire -------------------------------------------------------------------------


@pytest.mark.parametrize("qid", ["phq9-1.0", "gad7-1.0"])
def test_the_shipped_instruments_are_questionnaires_with_their_wording(world, fhir, qid):
    for who in ("alice", "adam", "carol", "mallory"):
        response = fhir(f"Questionnaire/{qid}", who)
        assert response.status_code == 200, who
        questionnaire = Questionnaire.model_validate_json(response.content)
        assert questionnaire.id == qid
        assert all(item.text for item in questionnaire.item)
        assert questionnaire.item[0].answerOption[0].valueCoding.display == "Not at all"


def test_the_alliance_check_in_is_served_and_says_it_is_not_validated(world, fhir):
    from kithkin.core.instruments import shipped_instruments

    alliance = shipped_instruments()["alliance"]
    response = fhir(f"Questionnaire/alliance-{alliance.version}", "alice")
    assert response.status_code == 200
    assert Questionnaire.model_validate_json(response.content).description == alliance.label_note


@pytest.fixture
def loaded(world):
    return instrument_load(
        practice=world.practice, text=EXAMPLE.read_text("utf-8"), licence="Test", by=world.adam
    )


def test_a_practice_loaded_instrument_travels_without_its_licensed_wording(loaded, fhir):
    qid = "session.rating.example-0.1"  # "_" is not allowed in a FHIR id
    response = fhir(f"Questionnaire/{qid}", "alice")
    assert response.status_code == 200, response.content
    questionnaire = Questionnaire.model_validate_json(response.content)
    text = response.content.decode()
    assert "I knew what we were going to talk about" not in text
    assert "not at all" not in text and "How was today" not in text
    assert "Anything else about today" not in text
    first = questionnaire.item[0]
    assert first.text is None and first.linkId == "1" and first.type == "choice"
    assert [o.valueCoding.code for o in first.answerOption][:2] == ["r0", "r1"]
    assert all(o.valueCoding.display is None for o in first.answerOption)
    assert questionnaire.purpose is None
    # Another practice never loaded it.
    outcome(fhir(f"Questionnaire/{qid}", "mallory"), 404, "not-found")


def test_answers_to_a_loaded_instrument_leave_without_its_wording(loaded, record, fhir):
    response = measures.response_submit(
        client=record.carol,
        instrument_code=loaded.code,
        answers={n: 5 for n in range(1, 5)},
        by=record.alice,
        via="office",
        idempotency_key=key(),
    )
    for resource_type in ("QuestionnaireResponse", "Observation"):
        text = fhir(f"{resource_type}/{response.pk}", "alice").content.decode()
        assert "I knew what we were going to talk about" not in text, resource_type
        assert "(not at all)" not in text


def test_an_unknown_questionnaire_is_a_404(world, fhir):
    outcome(fhir("Questionnaire/phq9-9.9", "alice"), 404, "not-found")
    outcome(fhir("Questionnaire/nothing", "alice"), 404, "not-found")
    outcome(fhir("Questionnaire/phq9-1.0", None), 401, "login")


# --- AuditEvent ----------------------------------------------------------------------------


def test_the_practice_admin_reads_a_clients_audit_trail_and_that_is_audited(record, fhir):
    fhir(f"Patient/{record.carol.pk}", "alice")
    before = AuditEvent.objects.filter(client_id=record.carol.pk).count()
    found = bundle(fhir("AuditEvent", "adam", patient=record.carol.pk, _count="200"))
    assert found.total == before + 1  # the read itself is on the trail it read
    assert all(e.resource.get_resource_type() == "AuditEvent" for e in found.entry)
    reading = AuditEvent.objects.filter(actor=record.adam, action="audit.view").get()
    assert (reading.client_id, reading.outcome) == (record.carol.pk, "allowed")
    assert reading.reason.endswith("[via fhir]")
    text = "".join(e.resource.model_dump_json() for e in found.entry)
    assert "hash" not in text  # the chain's hashes stay home


@pytest.mark.parametrize("who", ["alice", "sam", "bob", "mallory", "carol"])
def test_no_one_else_reads_the_audit_trail_and_the_refusal_is_audited(record, fhir, who):
    outcome(fhir("AuditEvent", who, patient=record.carol.pk), 403, "forbidden")
    assert not AuditEvent.objects.filter(action="audit.view").exists()
    if who != "mallory":  # mallory's refusal is on her own practice's trail
        assert AuditEvent.objects.filter(action="practice.manage", outcome="denied").exists()


def test_the_admin_reads_no_other_practices_client_and_needs_a_patient(record, fhir):
    elsewhere = Client.objects.create(
        practice=record.mallory.practice, given_name="Eve", family_name="Other"
    )
    outcome(fhir("AuditEvent", "adam", patient=elsewhere.pk), 404, "not-found")
    outcome(fhir("AuditEvent", "adam"), 400, "not-supported")
    assert not AuditEvent.objects.filter(action="audit.view").exists()


def test_an_audit_trail_page_costs_the_same_queries_however_long_the_trail(record, fhir):
    path = f"AuditEvent?patient={record.carol.pk}&_count=5"
    fhir(path, "adam")  # the token's last use is written once a minute: not counted below
    few = _queries(lambda: fhir(path, "adam"))
    for _ in range(20):
        fhir(f"Patient/{record.carol.pk}", "alice")
    assert _queries(lambda: fhir(path, "adam")) == few


def test_the_audit_trail_searches_by_date(record, fhir):
    carol = record.carol.pk
    assert bundle(fhir("AuditEvent", "adam", patient=carol, date="ge2099-01-01")).total == 0
    assert bundle(fhir("AuditEvent", "adam", patient=carol, date="lt2000-01-01")).total == 0
    today = datetime.datetime.now(UTC).date().isoformat()
    assert bundle(fhir("AuditEvent", "adam", patient=carol, date=f"le{today}")).total > 0
    outcome(fhir("AuditEvent", "adam", patient=carol, date="2026"), 400, "not-supported")


# --- Observation code ----------------------------------------------------------------------


def test_observations_search_by_the_loinc_code_of_the_score(record, fhir):
    gad7 = measures.response_submit(
        client=record.carol,
        instrument_code="gad7",
        answers=GAD7_MODERATE,
        by=record.carol_login,
        via="portal",
        idempotency_key=key(),
    )
    carol, phq9 = record.carol.pk, str(record.response.pk)
    assert ids(bundle(fhir("Observation", "alice", patient=carol, code="44261-6"))) == [phq9]
    found = bundle(fhir("Observation", "alice", patient=carol, code="http://loinc.org|70274-6"))
    assert ids(found) == [str(gad7.pk)]
    assert (
        bundle(
            fhir("Observation", "alice", patient=carol, code="http://snomed.info/sct|44261-6")
        ).total
        == 0
    )
    assert bundle(fhir("Observation", "alice", patient=carol, code="12345-6")).total == 0
    outcome(fhir("Observation", "alice", patient=carol, code=""), 400, "not-supported")
    # QuestionnaireResponse has no code: a filter the server would ignore is refused.
    outcome(
        fhir("QuestionnaireResponse", "alice", patient=carol, code="44261-6"), 400, "not-supported"
    )


# --- _lastUpdated --------------------------------------------------------------------------

MARCH_FIRST = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("ge2026-03-01", True),
        ("le2026-03-01", True),
        ("gt2026-03-01", False),  # after the whole day
        ("lt2026-03-01", False),
        ("ge2026-03-01T10:00:00Z", True),
        ("gt2026-03-01T10:00:00Z", False),
        ("le2026-03-01T10:00:00+00:00", True),
        ("lt2026-03-01T11:00:00+01:00", False),  # the same instant, written in another zone
        (["ge2026-02-01", "lt2026-04-01"], True),
        (["ge2026-02-01", "lt2026-03-01"], False),
    ],
)
def test_patients_by_last_updated(world, fhir, value, found):
    Client.objects.filter(pk=world.carol.pk).update(updated_at=MARCH_FIRST)
    result = bundle(fhir("Patient", "alice", name="Quill", _lastUpdated=value))
    assert ids(result) == ([str(world.carol.pk)] if found else [])


def test_a_patient_says_when_it_was_last_updated(world, fhir):
    Client.objects.filter(pk=world.carol.pk).update(updated_at=MARCH_FIRST)
    assert fhir(f"Patient/{world.carol.pk}", "alice").json()["meta"] == {
        "lastUpdated": "2026-03-01T10:00:00Z"
    }


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-01",  # no prefix
        "eq2026-03-01",
        "sa2026-03-01",
        "ge2026-13-01",
        "ge2026-03-01T10:00:00",  # a time without its zone
        "ge2026-03",
        "gebanana",
        "ge",
    ],
)
def test_a_malformed_last_updated_is_a_clear_400(world, fhir, value):
    issue = outcome(fhir("Patient", "alice", _lastUpdated=value), 400, "not-supported")
    assert "_lastUpdated" in issue.diagnostics and "ge" in issue.diagnostics


@pytest.mark.parametrize("resource_type", ["Observation", "QuestionnaireResponse"])
def test_responses_by_last_updated_page_with_the_range_kept(record, fhir, resource_type):
    for _ in range(2):
        measures.response_submit(
            client=record.carol,
            instrument_code="gad7",
            answers=GAD7_MODERATE,
            by=record.carol_login,
            via="portal",
            idempotency_key=key(),
        )
    Response.objects.filter(pk=record.response.pk).update(submitted_at=MARCH_FIRST)
    carol = record.carol.pk
    early = bundle(fhir(resource_type, "alice", patient=carol, _lastUpdated="lt2026-03-02"))
    assert ids(early) == [str(record.response.pk)]
    assert early.entry[0].resource.meta.lastUpdated.isoformat().startswith("2026-03-01T10:00")
    window = ["ge2026-03-02", f"le{datetime.datetime.now(UTC).date().isoformat()}"]
    page = bundle(fhir(resource_type, "alice", patient=carol, _lastUpdated=window, _count="1"))
    assert page.total == 2
    [following] = [link.url for link in page.link if link.relation == "next"]
    query = parse_qs(urlsplit(following).query)
    assert sorted(query["_lastUpdated"]) == sorted(window) and "_cursor" in query
    rest = bundle(fhir(following, "alice"))
    assert len(set(ids(page)) | set(ids(rest))) == 2
    assert str(record.response.pk) not in ids(page) + ids(rest)


def _changed_rows(record):
    """Each of the three kinds of row, changed through its service today: the session's
    outcome recorded, the episode moved on, the goal edited."""
    session = schedule.session_set_status(session=record.session, by=record.alice, status="no_show")
    episode = episodes.episode_transition(episode=record.episode, by=record.alice, to="assessment")
    goal = plans.goal_update(
        goal=record.goal,
        by=record.alice,
        changes=plans.GoalInput(
            description="Sleep through most of the week",
            criterion="Four nights of seven",
            target_date=datetime.date(2026, 6, 1),
        ),
    )
    return {"Encounter": session, "EpisodeOfCare": episode, "Goal": goal}


def _another_of(record, resource_type, *, quarters_back=0):
    """Another row of the type, as if last changed on the first of March. ``quarters_back``
    keeps two closed episodes from overlapping."""
    if resource_type == "Encounter":
        row = Session.objects.create(
            practice=record.practice,
            client=record.carol,
            therapist=record.alice,
            starts_at=datetime.datetime(2026, 2, 23, 15, 0, tzinfo=UTC),
            status="attended",
        )
    elif resource_type == "EpisodeOfCare":
        row = Episode.objects.create(
            practice=record.practice,
            relationship=record.episode.relationship,
            opened_on=datetime.date(2025, 9 - 3 * quarters_back, 1),
            closed_on=datetime.date(2025, 11 - 3 * quarters_back, 1),
            phase="closed",
            ending_type="planned",
            opened_by=record.alice,
        )
    else:
        row = plans.goal_add(
            version=record.version,
            by=record.alice,
            goal=plans.GoalInput(
                description="Call a friend",
                criterion="Once a week",
                target_date=datetime.date(2026, 6, 1),
            ),
        )
    # QuerySet.update: auto_now does not apply, so the time set here stays.
    type(row).objects.filter(pk=row.pk).update(updated_at=MARCH_FIRST)
    return row


@pytest.mark.parametrize("resource_type", ["Encounter", "EpisodeOfCare", "Goal"])
def test_a_search_by_last_updated_finds_what_changed_after_and_not_before(
    record, fhir, resource_type
):
    before = _another_of(record, resource_type)
    changed = _changed_rows(record)[resource_type]
    carol = record.carol.pk
    after = bundle(fhir(resource_type, "alice", patient=carol, _lastUpdated="ge2026-03-02"))
    assert ids(after) == [str(changed.pk)]
    assert after.entry[0].resource.meta.lastUpdated == changed.updated_at
    early = bundle(fhir(resource_type, "alice", patient=carol, _lastUpdated="lt2026-03-02"))
    assert ids(early) == [str(before.pk)]
    assert early.entry[0].resource.meta.lastUpdated.isoformat().startswith("2026-03-01T10:00")
    window = bundle(
        fhir(resource_type, "alice", patient=carol, _lastUpdated=["ge2026-02-01", "lt2026-03-01"])
    )
    assert window.total == 0
    # The read by id says the same time.
    read = fhir(f"{resource_type}/{changed.pk}", "alice").json()
    assert read["meta"] == {"lastUpdated": z(changed.updated_at)}


@pytest.mark.parametrize("resource_type", ["Encounter", "EpisodeOfCare", "Goal"])
def test_a_last_updated_search_pages_with_the_range_kept(record, fhir, resource_type):
    _another_of(record, resource_type)
    _another_of(record, resource_type, quarters_back=1)
    changed = _changed_rows(record)[resource_type]
    carol = record.carol.pk
    window = ["ge2026-02-01", "lt2026-03-02"]
    page = bundle(fhir(resource_type, "alice", patient=carol, _lastUpdated=window, _count="1"))
    assert page.total == 2
    [following] = [link.url for link in page.link if link.relation == "next"]
    query = parse_qs(urlsplit(following).query)
    assert sorted(query["_lastUpdated"]) == sorted(window) and "_cursor" in query
    rest = bundle(fhir(following, "alice"))
    assert len(set(ids(page)) | set(ids(rest))) == 2
    assert str(changed.pk) not in ids(page) + ids(rest)


def test_a_change_through_each_service_moves_updated_at(record):
    long_ago = {
        Session: record.session.pk,
        Episode: record.episode.pk,
        Goal: record.goal.pk,
    }
    for model, pk in long_ago.items():
        model.objects.filter(pk=pk).update(updated_at=MARCH_FIRST)
    record.session.refresh_from_db()
    record.episode.refresh_from_db()
    record.goal.refresh_from_db()
    started = timezone.now()
    _changed_rows(record)
    for model, pk in long_ago.items():
        assert model.objects.get(pk=pk).updated_at >= started, model
    # A session's changed details (schedule.session_update) move it too.
    Session.objects.filter(pk=record.session.pk).update(updated_at=MARCH_FIRST)
    session = Session.objects.get(pk=record.session.pk)
    schedule.session_update(
        session=session,
        by=record.alice,
        starts_at=session.starts_at,
        duration_minutes=80,
        modality=session.modality,
        kind=session.kind,
        attendee_ids=[record.maria.pk],  # Diane, unaware, may no longer be planned in
    )
    assert Session.objects.get(pk=session.pk).updated_at >= started


@pytest.mark.parametrize("resource_type", ["Encounter", "EpisodeOfCare", "Goal"])
@pytest.mark.parametrize("value", ["2026-03-01", "eq2026-03-01", "ge2026-03-01T10:00:00", "ge"])
def test_a_malformed_last_updated_on_the_work_is_a_clear_400(record, fhir, resource_type, value):
    params = {"patient": record.carol.pk, "_lastUpdated": value}
    issue = outcome(fhir(resource_type, "alice", **params), 400, "not-supported")
    assert "_lastUpdated" in issue.diagnostics and "ge" in issue.diagnostics


# --- EpisodeOfCare and Goal by patient and status ------------------------------------------


def test_episodes_by_patient_and_status(record, fhir):
    carol, episode = record.carol.pk, str(record.episode.pk)
    assert ids(bundle(fhir("EpisodeOfCare", "alice", patient=carol))) == [episode]
    assert ids(bundle(fhir("EpisodeOfCare", "sam", patient=carol, status="planned"))) == [episode]
    assert bundle(fhir("EpisodeOfCare", "alice", patient=carol, status="active")).total == 0
    record.episode.__class__.objects.filter(pk=record.episode.pk).update(phase="formulation")
    assert ids(bundle(fhir("EpisodeOfCare", "alice", patient=carol, status="active"))) == [episode]
    assert bundle(fhir("EpisodeOfCare", "alice", patient=carol, status="nonsense")).total == 0
    outcome(fhir("EpisodeOfCare", "bob", patient=carol), 404, "not-found")
    outcome(fhir("EpisodeOfCare", "alice"), 400, "not-supported")


def test_goals_by_patient_and_lifecycle_status(record, fhir):
    carol, goal = record.carol.pk, str(record.goal.pk)
    assert ids(bundle(fhir("Goal", "alice", patient=carol))) == [goal]
    found = bundle(fhir("Goal", "alice", patient=carol, **{"lifecycle-status": "proposed"}))
    assert ids(found) == [goal]
    record.goal.__class__.objects.filter(pk=record.goal.pk).update(lifecycle="on_hold")
    found = bundle(fhir("Goal", "alice", patient=carol, **{"lifecycle-status": "on-hold"}))
    assert ids(found) == [goal]
    assert bundle(fhir("Goal", "alice", patient=carol, **{"lifecycle-status": "active"})).total == 0
    outcome(fhir("Goal", "alice", patient=carol, status="active"), 400, "not-supported")
    outcome(fhir("Goal", "mallory", patient=carol), 404, "not-found")


def test_a_goal_search_redacts_the_unaware_roommate_as_a_read_does(record, fhir):
    record.goal.__class__.objects.filter(pk=record.goal.pk).update(
        description="Ask Diane to share the chores"
    )
    text = fhir("Goal", "alice", patient=record.carol.pk).content.decode()
    assert "Diane" not in text
    assert text.count("Goal/") >= 1


def test_the_admin_reads_one_event_by_its_id_and_that_is_audited(record, fhir):
    event = AuditEvent.objects.filter(client_id=record.carol.pk).order_by("pk").first()
    response = fhir(f"AuditEvent/{event.pk}", "adam")
    assert response.status_code == 200
    found = json.loads(response.content)
    assert (found["resourceType"], found["id"]) == ("AuditEvent", str(event.pk))
    assert found["type"]["code"] == event.action and "hash" not in response.content.decode()
    reading = AuditEvent.objects.filter(actor=record.adam, action="audit.view").get()
    assert (reading.resource_id, reading.client_id) == (str(event.pk), record.carol.pk)


@pytest.mark.parametrize("who", ["alice", "sam", "bob", "mallory", "carol"])
def test_no_one_else_reads_an_event_by_its_id(record, fhir, who):
    event = AuditEvent.objects.filter(client_id=record.carol.pk).order_by("pk").first()
    outcome(fhir(f"AuditEvent/{event.pk}", who), 403, "forbidden")
    assert not AuditEvent.objects.filter(action="audit.view").exists()


def test_an_event_of_another_practice_or_none_at_all_is_not_found(record, fhir):
    elsewhere = audit_record(
        practice_id=record.mallory.practice_id,
        actor=record.mallory,
        action="client.view",
        resource_type="Client",
        resource_id="1",
        allowed=True,
    )
    outcome(fhir(f"AuditEvent/{elsewhere.pk}", "adam"), 404, "not-found")
    outcome(fhir("AuditEvent/999999", "adam"), 404, "not-found")
    assert not AuditEvent.objects.filter(action="audit.view").exists()


# --- RelatedPerson and CarePlan searches -----------------------------------------------------


def test_a_related_person_search_names_only_whom_the_guard_may_name(record, fhir):
    found = bundle(fhir("RelatedPerson", "alice", patient=record.carol.pk))
    assert ids(found) == [str(record.maria.pk)]
    assert found.total == 1  # Diane, unaware, is in no page and no total
    text = "".join(e.resource.model_dump_json() for e in found.entry)
    assert "Diane" not in text and "roommate" not in text.lower()


def test_a_related_person_search_pages_by_keyset(record, fhir):
    more = [
        Person.objects.create(practice=record.practice, client=record.carol, name=f"Friend {n}")
        for n in range(3)
    ]
    for person in more:
        TherapyPartner.objects.create(
            practice=record.practice, person=person, involvement="informed"
        )
    first = bundle(fhir("RelatedPerson", "alice", patient=record.carol.pk, _count="2"))
    assert first.total == 4 and len(first.entry) == 2
    [following] = [link.url for link in first.link if link.relation == "next"]
    second = bundle(fhir("RelatedPerson?" + urlsplit(following).query, "alice"))
    assert len(second.entry) == 2 and not set(ids(first)) & set(ids(second))


def test_a_care_plan_search_gives_every_version_as_its_read_does(record, fhir):
    if not record.version.is_signed:
        plans.version_sign(version=record.version, by=record.alice)
    revised = plans.plan_revise(plan=record.version.plan, by=record.alice)
    found = bundle(fhir("CarePlan", "alice", patient=record.carol.pk))
    assert sorted(ids(found)) == sorted([str(record.version.pk), str(revised.pk)])
    for entry in found.entry:
        read = json.loads(fhir(f"CarePlan/{entry.resource.id}", "alice").content)
        assert entry.resource.model_dump(mode="json") == read
    statuses = {e.resource.id: e.resource.status for e in found.entry}
    assert statuses == {str(record.version.pk): "active", str(revised.pk): "draft"}
    [replacing] = [e.resource for e in found.entry if e.resource.id == str(revised.pk)]
    assert replacing.replaces[0].reference == f"CarePlan/{record.version.pk}"


@pytest.mark.parametrize("resource_type", ["RelatedPerson", "CarePlan"])
def test_a_patient_search_is_refused_to_whoever_may_not_see_the_client(record, fhir, resource_type):
    outcome(fhir(resource_type, "alice"), 400, "not-supported")
    for who in ("bob", "mallory"):
        response = fhir(resource_type, who, patient=record.carol.pk)
        assert response.status_code in (403, 404)
        assert "Maria" not in response.content.decode()


@pytest.mark.parametrize("resource_type", ["RelatedPerson", "CarePlan"])
def test_a_patient_search_costs_the_same_queries_however_much_there_is(record, fhir, resource_type):
    path = f"{resource_type}?patient={record.carol.pk}"
    fhir(path, "alice")
    few = _queries(lambda: fhir(path, "alice"))
    for n in range(5):
        person = Person.objects.create(
            practice=record.practice, client=record.carol, name=f"Cousin {n}"
        )
        TherapyPartner.objects.create(
            practice=record.practice, person=person, involvement="indirect"
        )
    plans.plan_revise(plan=record.version.plan, by=record.alice)
    assert _queries(lambda: fhir(path, "alice")) == few
