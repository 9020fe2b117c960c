"""The tables from Kithkin's values to FHIR codes, checked value by value against the model
choices, so a status added to Kithkin without a FHIR mapping fails here."""

import pytest

from kithkin.core.episodes import Phase
from kithkin.core.plans import Achievement, Lifecycle
from kithkin.core.schedule import Modality, Status
from kithkin.fhir import codes


@pytest.mark.parametrize(
    ("status", "fhir"),
    [
        ("scheduled", "planned"),
        ("attended", "finished"),
        ("cancelled", "cancelled"),
        ("late_cancelled", "cancelled"),
        ("no_show", "cancelled"),
    ],
)
def test_each_session_status_has_its_encounter_status(status, fhir):
    assert codes.ENCOUNTER_STATUS[status] == fhir


def test_every_session_status_is_mapped():
    assert set(codes.ENCOUNTER_STATUS) == {s.value for s in Status}


@pytest.mark.parametrize(
    ("modality", "code"), [("in_person", "AMB"), ("video", "VR"), ("phone", "VR")]
)
def test_each_modality_has_its_encounter_class(modality, code):
    assert codes.ENCOUNTER_CLASS[modality][0] == code


def test_every_modality_is_mapped():
    assert set(codes.ENCOUNTER_CLASS) == {m.value for m in Modality}


@pytest.mark.parametrize(
    ("phase", "status"),
    [
        ("reaching_out", "planned"),
        ("assessment", "active"),
        ("formulation", "active"),
        ("planning", "active"),
        ("active", "active"),
        ("ending", "active"),
        ("closed", "finished"),
    ],
)
def test_each_episode_phase_has_its_episode_of_care_status(phase, status):
    assert codes.EPISODE_STATUS[phase] == status


def test_every_phase_is_mapped_to_an_r4_episode_status():
    assert set(codes.EPISODE_STATUS) == {p.value for p in Phase}
    r4 = {"planned", "waitlist", "active", "onhold", "finished", "cancelled", "entered-in-error"}
    assert set(codes.EPISODE_STATUS.values()) <= r4


@pytest.mark.parametrize(
    ("lifecycle", "fhir"),
    [
        ("proposed", "proposed"),
        ("active", "active"),
        ("on_hold", "on-hold"),
        ("completed", "completed"),
        ("cancelled", "cancelled"),
    ],
)
def test_each_goal_lifecycle_has_its_fhir_code(lifecycle, fhir):
    assert codes.GOAL_LIFECYCLE[lifecycle] == fhir


def test_every_goal_status_is_mapped():
    assert set(codes.GOAL_LIFECYCLE) == {v.value for v in Lifecycle}
    assert set(codes.GOAL_ACHIEVEMENT_CODES) == {v.value for v in Achievement}
    assert codes.GOAL_ACHIEVEMENT_CODES["not_achieved"] == ("not-achieved", "Not Achieved")


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("mother", "MTH"),
        ("Mother", "MTH"),
        ("roommate", "ROOM"),
        ("friend", "FRND"),
        ("spouse", "SPS"),
        ("sibling", "SIB"),
        ("father", "FTH"),
    ],
)
def test_roles_in_the_clients_words_find_their_v3_role_code(role, code):
    assert codes.relationship_code(role)[:2] == (codes.V3_ROLE_CODE, code)


def test_an_employer_is_coded_from_v2_contact_roles_and_an_unknown_role_not_at_all():
    assert codes.relationship_code("employer")[:2] == (codes.V2_CONTACT_ROLE, "E")
    assert codes.relationship_code("coworkers") is None


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ("client.view", "R"),
        ("measures.response.submit", "C"),
        ("plan.sign", "U"),
        ("consent.authorization.draft", "C"),
        ("consent.authorization.revoke", "U"),
        ("consent.authorization.expire", "U"),
        ("user.login", "E"),
    ],
)
def test_audit_actions_map_to_crud(action, code):
    assert codes.audit_action(action) == code


def test_every_kithkin_uri_is_under_the_projects_own_domain():
    uris = [v for k, v in vars(codes).items() if k.startswith(("SID_", "EXT_", "CS_"))]
    assert uris and all(uri.startswith("https://kithkin.example/fhir/") for uri in uris)
