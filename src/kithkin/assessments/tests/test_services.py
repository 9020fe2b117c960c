import dataclasses
from unittest import mock

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from kithkin.assessments.models import Assessment, AssessmentVersion
from kithkin.assessments.services import AssessmentError, assessment_save
from kithkin.audit.models import AuditEvent
from kithkin.core.assessments import AssessmentRefused, Findings
from kithkin.relationships.services import episode_open, episode_transition

FINDINGS = Findings(
    presenting_concerns="I have lived with depression for years. I want to talk to my mum.",
    familial_resources="Her father listens.",
    familial_challenges="Her mother also lives with depression; they have never talked about it.",
    social_challenges="Cannot ask her roommate for anything.",
    risk_level="low",
    risk_note="Passive thoughts two years ago; none since. Knows the crisis line.",
    formulation="Learned early that needs go unspoken.",
    codes=("F32.1",),
)


@pytest.fixture
def episode(world):
    return episode_open(relationship=world.carol.therapy_relationships.get(), by=world.alice)


def events(world):
    return list(
        AuditEvent.objects.filter(practice=world.practice, resource_type="Assessment").order_by(
            "seq"
        )
    )


def test_the_first_save_writes_version_one_with_who_and_when_and_an_event(world, episode):
    version = assessment_save(
        episode=episode, by=world.alice, findings=FINDINGS, expected_version=0, ip="10.0.0.9"
    )
    assessment = Assessment.objects.get()
    assert (assessment.episode, assessment.version, assessment.created_by) == (
        episode,
        1,
        world.alice,
    )
    assert (version.number, version.by, version.risk_level) == (1, world.alice, "low")
    assert version.codes == [["F32.1", "Major depressive disorder, single episode, moderate"]]
    assert version.findings == FINDINGS
    [event] = events(world)
    assert (event.action, event.resource_id, event.client_id, event.ip) == (
        "assessment.create",
        str(assessment.pk),
        world.carol.pk,
        "10.0.0.9",
    )


def test_the_audit_event_carries_no_clinical_content(world, episode):
    assessment_save(episode=episode, by=world.alice, findings=FINDINGS, expected_version=0)
    [event] = events(world)
    assert event.reason == f"version 1 for episode {episode.pk}"
    for clinical in ("depression", "F32", "low", "roommate"):
        assert clinical not in event.reason


def test_a_revision_is_a_new_version_and_the_first_is_kept(world, episode):
    assessment_save(episode=episode, by=world.alice, findings=FINDINGS, expected_version=0)
    later = dataclasses.replace(FINDINGS, symptoms="Sleeping better since week three.")
    second = assessment_save(episode=episode, by=world.alice, findings=later, expected_version=1)
    assessment = Assessment.objects.get()
    assert (assessment.version, second.number) == (2, 2)
    first = AssessmentVersion.objects.get(number=1)
    assert (first.symptoms, second.symptoms) == ("", "Sleeping better since week three.")
    assert [e.action for e in events(world)] == ["assessment.create", "assessment.revise"]


def test_the_same_findings_sent_twice_make_one_assessment_and_one_version(world, episode):
    once = dict(episode=episode, by=world.alice, findings=FINDINGS, expected_version=0)
    first = assessment_save(**once)
    again = assessment_save(**once)  # a double click: the form still says version 0
    assert again.pk == first.pk
    assert (Assessment.objects.count(), AssessmentVersion.objects.count()) == (1, 1)
    assert len(events(world)) == 1


def test_a_change_from_an_out_of_date_page_is_refused(world, episode):
    assessment_save(episode=episode, by=world.alice, findings=FINDINGS, expected_version=0)
    other = dataclasses.replace(FINDINGS, symptoms="Written in another tab.")
    with pytest.raises(AssessmentError, match="now at version 1"):
        assessment_save(episode=episode, by=world.alice, findings=other, expected_version=0)
    assert AssessmentVersion.objects.count() == 1


@pytest.mark.parametrize("risk", ["moderate", "high"])
def test_a_moderate_or_high_risk_without_a_note_is_refused_and_nothing_written(
    world, episode, risk
):
    bare = dataclasses.replace(FINDINGS, risk_level=risk, risk_note="")
    with pytest.raises(AssessmentRefused, match=f"A {risk} risk needs a note") as refused:
        assessment_save(episode=episode, by=world.alice, findings=bare, expected_version=0)
    assert refused.value.field == "risk_note"
    assert not Assessment.objects.exists()
    assert events(world) == []


def test_an_unknown_code_is_refused_with_the_reason(world, episode):
    unknown = dataclasses.replace(FINDINGS, codes=("F32.1", "F99.9"))
    with pytest.raises(AssessmentError, match=r"F99\.9 is not a code") as refused:
        assessment_save(episode=episode, by=world.alice, findings=unknown, expected_version=0)
    assert refused.value.field == "codes"
    assert not Assessment.objects.exists()


def test_a_heading_is_refused_as_a_code_to_record(world, episode):
    heading = dataclasses.replace(FINDINGS, codes=("F32",))
    with pytest.raises(AssessmentError, match=r"F32 \(Depressive episode\) is a heading"):
        assessment_save(episode=episode, by=world.alice, findings=heading, expected_version=0)


def test_a_closed_episode_keeps_its_assessment_as_it_was(world, episode):
    assessment_save(episode=episode, by=world.alice, findings=FINDINGS, expected_version=0)
    episode_transition(episode=episode, by=world.alice, to="closed", ending_type="lapsed")
    later = dataclasses.replace(FINDINGS, symptoms="after the end")
    with pytest.raises(AssessmentError, match="its assessment is kept as it was"):
        assessment_save(episode=episode, by=world.alice, findings=later, expected_version=1)
    assert AssessmentVersion.objects.count() == 1


def test_a_returning_client_gets_a_new_assessment_with_the_new_episode(world, episode):
    assessment_save(episode=episode, by=world.alice, findings=FINDINGS, expected_version=0)
    episode_transition(episode=episode, by=world.alice, to="closed", ending_type="lapsed")
    returned = episode_open(relationship=episode.relationship, by=world.alice)
    assessment_save(episode=returned, by=world.alice, findings=FINDINGS, expected_version=0)
    assert Assessment.objects.count() == 2


def test_when_the_audit_write_fails_no_assessment_is_written(world, episode):
    before = AuditEvent.objects.count()
    with (
        mock.patch(
            "kithkin.assessments.services.audit_record", side_effect=DatabaseError("disk full")
        ),
        pytest.raises(DatabaseError),
    ):
        assessment_save(episode=episode, by=world.alice, findings=FINDINGS, expected_version=0)
    assert not Assessment.objects.exists()
    assert not AssessmentVersion.objects.exists()
    assert AuditEvent.objects.count() == before


def test_when_the_audit_write_fails_a_revision_is_not_half_written(world, episode):
    assessment_save(episode=episode, by=world.alice, findings=FINDINGS, expected_version=0)
    later = dataclasses.replace(FINDINGS, symptoms="New symptoms")
    with (
        mock.patch("kithkin.assessments.services.audit_record", side_effect=DatabaseError("x")),
        pytest.raises(DatabaseError),
    ):
        assessment_save(episode=episode, by=world.bob, findings=later, expected_version=1)
    assessment = Assessment.objects.get()
    assert (assessment.version, assessment.updated_by) == (1, world.alice)
    assert list(AssessmentVersion.objects.values_list("number", flat=True)) == [1]


def test_the_free_text_is_stored_encrypted(world, episode):
    assessment_save(episode=episode, by=world.alice, findings=FINDINGS, expected_version=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT presenting_concerns, familial_challenges, risk_note, formulation "
            "FROM assessments_assessmentversion"
        )
        [row] = cursor.fetchall()
    assert not any(word in "".join(row) for word in ("depression", "mother", "crisis", "Learned"))


def test_the_database_keeps_one_assessment_per_episode(world, episode):
    fields = dict(
        practice=world.practice,
        episode=episode,
        version=1,
        created_by=world.alice,
        created_at=timezone.now(),
        updated_by=world.alice,
        updated_at=timezone.now(),
    )
    Assessment.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(**fields)


@pytest.mark.parametrize(
    "bad",
    [
        {"risk_level": "grave"},
        {"risk_level": "high", "risk_note": ""},
        {"risk_level": "moderate", "risk_note": ""},
        {"number": 1},  # version 1 already exists
    ],
)
def test_the_database_refuses_an_inconsistent_version(world, episode, bad):
    version = assessment_save(
        episode=episode, by=world.alice, findings=FINDINGS, expected_version=0
    )
    fields = dict(
        practice=world.practice,
        assessment=version.assessment,
        number=2,
        by=world.alice,
        at=timezone.now(),
        risk_level="low",
        risk_note="x",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AssessmentVersion.objects.create(**{**fields, **bad})
