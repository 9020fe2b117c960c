"""Builders from Kithkin's rows to validated FHIR R4 resources (``fhir.resources.R4B``).

Each builder takes model instances (and the rows that go with them) and returns a validated
resource; none queries the database, so the caller decides what is loaded and how. There is no
builder for psychotherapy notes, and there must never be one (HIPAA 164.508(a)(2)).
"""

from kithkin.fhir.resources.audit import audit_event
from kithkin.fhir.resources.care import (
    care_plan,
    care_plan_status,
    encounter,
    episode_of_care,
    goal,
)
from kithkin.fhir.resources.consent import consent, consent_status, release_cover
from kithkin.fhir.resources.endings import ending_review
from kithkin.fhir.resources.measures import (
    observation,
    observation_code,
    option_coding,
    questionnaire,
    questionnaire_id,
    questionnaire_response,
    shares_wording,
)
from kithkin.fhir.resources.people import (
    care_team,
    patient,
    practitioner,
    practitioner_role,
    related_person,
)
from kithkin.fhir.resources.referrals import service_request, task

__all__ = [
    "audit_event",
    "care_plan",
    "care_plan_status",
    "care_team",
    "consent",
    "consent_status",
    "encounter",
    "ending_review",
    "episode_of_care",
    "goal",
    "observation",
    "observation_code",
    "option_coding",
    "patient",
    "practitioner",
    "practitioner_role",
    "questionnaire",
    "questionnaire_id",
    "questionnaire_response",
    "related_person",
    "release_cover",
    "service_request",
    "shares_wording",
    "task",
]
