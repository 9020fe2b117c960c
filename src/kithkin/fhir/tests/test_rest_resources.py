"""Practitioner, PractitionerRole, CareTeam, Questionnaire and AuditEvent under /fhir/R4/, and
the code and _lastUpdated searches (issue 7).

Personas (STYLE.md): alice treats carol, bob is a colleague, sam supervises alice, adam
administers the practice, carol and dave are clients, mallory works in another practice.
"""

import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.questionnaire import Questionnaire

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client
from kithkin.fhir.tests.conftest import UTC
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


def test_encounters_take_no_last_updated_as_sessions_carry_no_update_time(record, fhir):
    carol = record.carol.pk
    outcome(
        fhir("Encounter", "alice", patient=carol, _lastUpdated="ge2026-01-01"), 400, "not-supported"
    )


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
