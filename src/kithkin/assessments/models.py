from django.conf import settings
from django.db import models

from kithkin.core.assessments import LEVELS, TEXTS, Findings, Level, RiskLevel, level_fields
from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import PracticeScoped

RISK_CHOICES = [(risk.value, risk.label) for risk in RiskLevel]
_NEEDS_NOTE = [risk.value for risk in RiskLevel if risk.needs_note]


class Assessment(PracticeScoped):
    """The assessment of one episode of therapy (seed 004: assessment is a phase of the
    journey, and a returning client's new episode gets its own).

    One per episode, so a form sent twice cannot make two. Every save is a new
    :class:`AssessmentVersion` and the earlier ones are kept: a clinical record is amended,
    never overwritten. This row says which version is current and who wrote first and last.
    """

    episode = models.OneToOneField(
        "relationships.Episode", on_delete=models.PROTECT, related_name="assessment"
    )
    version = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="assessment_has_a_version"
            ),
        ]

    def __str__(self) -> str:
        return f"assessment of episode {self.episode_id} (version {self.version})"


class AssessmentVersion(PracticeScoped):
    """One saved state of an assessment. The free text is the therapist's clinical writing and
    is encrypted at rest; the risk level and the codes are structured, so reports can use them.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    presenting_concerns = EncryptedTextField(blank=True)
    personal_resources = EncryptedTextField(blank=True)
    personal_challenges = EncryptedTextField(blank=True)
    familial_resources = EncryptedTextField(blank=True)
    familial_challenges = EncryptedTextField(blank=True)
    social_resources = EncryptedTextField(blank=True)
    social_challenges = EncryptedTextField(blank=True)
    ecological_resources = EncryptedTextField(blank=True)
    ecological_challenges = EncryptedTextField(blank=True)
    spiritual_resources = EncryptedTextField(blank=True)
    spiritual_challenges = EncryptedTextField(blank=True)
    symptoms = EncryptedTextField(blank=True)
    risk_to_self = EncryptedTextField(blank=True)
    risk_to_others = EncryptedTextField(blank=True)
    safeguarding = EncryptedTextField(blank=True)
    risk_level = models.CharField(max_length=12, choices=RISK_CHOICES)
    risk_note = EncryptedTextField(blank=True)
    formulation = EncryptedTextField(blank=True)
    # [[code, title], ...] as chosen: the title is kept as the therapist saw it, so a later
    # release that retitles or retires a code does not change what the record said.
    codes = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "number"], name="one_assessment_version_per_number"
            ),
            models.CheckConstraint(
                condition=models.Q(risk_level__in=[risk.value for risk in RiskLevel]),
                name="assessment_risk_level_known",
            ),
            # An empty text stays empty when encrypted, so the database can tell a missing
            # note from a written one.
            models.CheckConstraint(
                condition=~models.Q(risk_level__in=_NEEDS_NOTE) | ~models.Q(risk_note=""),
                name="assessment_moderate_or_high_risk_has_a_note",
            ),
        ]

    def __str__(self) -> str:
        return f"version {self.number} of assessment {self.assessment_id}"

    @property
    def risk(self) -> RiskLevel:
        return RiskLevel(self.risk_level)

    @property
    def code_list(self) -> list[dict]:
        return [{"code": code, "title": title} for code, title in self.codes]

    @property
    def levels(self) -> list[tuple[Level, str, str]]:
        """Each level with its resources and challenges, in the seed's order."""
        return [(level, *(getattr(self, name) for name in level_fields(level))) for level in LEVELS]

    @property
    def findings(self) -> Findings:
        return Findings(
            **{name: getattr(self, name) for name in TEXTS},
            risk_level=RiskLevel(self.risk_level),
            codes=tuple(code for code, _ in self.codes),
        )
