"""Writes about assessments. Each service is atomic and writes its audit event in the same
transaction; a refused request raises before anything is written."""

from django.db import transaction
from django.utils import timezone

from kithkin.assessments import icd10
from kithkin.assessments.models import Assessment, AssessmentVersion
from kithkin.audit.services import audit_record
from kithkin.core.assessments import TEXTS, AssessmentRefused, Findings, check
from kithkin.relationships.models import Episode


class AssessmentError(AssessmentRefused):
    """A request the record cannot take for reasons outside the findings themselves (a closed
    episode, a page out of date, an unknown code). ``field`` as in the core's refusals."""


@transaction.atomic
def assessment_save(
    *,
    episode: Episode,
    by,
    findings: Findings,
    expected_version: int,
    ip: str | None = None,
) -> AssessmentVersion:
    """Keeps ``findings`` as the episode's assessment: the first version, or the next one.

    ``expected_version`` is the version the therapist's form was built on (0 for none). If the
    assessment has moved on since, the request is refused rather than overwrite words nobody
    read; the same findings sent again (a double click, a resent form) change nothing.
    Refusals raise :class:`AssessmentRefused` (or its :class:`AssessmentError`) and write
    nothing.
    """
    # Locking the episode makes two first saves take turns; the one-to-one would refuse the
    # second anyway, but with a database error instead of a sentence.
    locked = Episode.objects.select_for_update().select_related("relationship").get(pk=episode.pk)
    if not locked.is_open:
        raise AssessmentError(
            f"This episode closed on {locked.closed_on:%d %b %Y}; its assessment is kept as it "
            "was. Open a new episode to assess again."
        )
    findings = check(findings)
    codes = []
    for code in findings.codes:
        refused = icd10.refusal(code)
        if refused:
            raise AssessmentError(refused, field="codes")
        codes.append([code, icd10.lookup(code).title])

    assessment = Assessment.objects.filter(episode=locked).first()
    if assessment is not None:
        current = assessment.versions.get(number=assessment.version)
        if current.findings == findings:
            return current
    have = assessment.version if assessment else 0
    if expected_version != have:
        raise AssessmentError(
            f"The assessment was saved again since this page was opened (it is now at version "
            f"{have}), from another tab or by a colleague. Your text is below: compare it with "
            "the saved version before saving again."
        )
    now = timezone.now()
    if assessment is None:
        assessment = Assessment.objects.create(
            practice_id=locked.practice_id,
            episode=locked,
            version=1,
            created_by=by,
            created_at=now,
            updated_by=by,
            updated_at=now,
        )
    else:
        assessment.version = have + 1
        assessment.updated_by = by
        assessment.updated_at = now
        assessment.save(update_fields=["version", "updated_by", "updated_at"])
    version = AssessmentVersion.objects.create(
        practice_id=locked.practice_id,
        assessment=assessment,
        number=assessment.version,
        by=by,
        at=now,
        risk_level=findings.risk_level,
        codes=codes,
        **{name: getattr(findings, name) for name in TEXTS},
    )
    # The audit reason is stored in clear: it says which version, never the findings, the
    # risk level or the codes (the clinical content stays in the encrypted version row).
    audit_record(
        practice_id=locked.practice_id,
        actor=by,
        action="assessment.create" if version.number == 1 else "assessment.revise",
        resource_type="Assessment",
        resource_id=assessment.pk,
        client_id=locked.relationship.client_id,
        reason=f"version {version.number} for episode {locked.pk}",
        ip=ip,
    )
    return version
