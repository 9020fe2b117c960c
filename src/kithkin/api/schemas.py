"""Input and output schemas of the REST API: separate types, so a field added to an output never
becomes writable by accident. Outputs name what the pages show; psychotherapy notes have no
schema at all."""

import datetime

from ninja import Field, Schema
from pydantic import ConfigDict

from kithkin.api.pagination import DEFAULT_LIMIT, MAX_LIMIT


class Error(Schema):
    detail: str


class PageQuery(Schema):
    cursor: int | None = Field(None, description="Opaque: the `next` of the page before.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class CaseloadRowOut(Schema):
    id: int
    given_name: str
    family_name: str
    preferred_name: str
    pronouns: str
    last_session_at: datetime.datetime | None
    next_session_at: datetime.datetime | None


class CaseloadPage(Schema):
    items: list[CaseloadRowOut]
    next: int | None


class ClientOut(Schema):
    id: int
    given_name: str
    family_name: str
    preferred_name: str
    display_name: str
    pronouns: str
    date_of_birth: datetime.date | None
    email: str
    phone: str
    address: str
    therapist_ids: list[int]


class AlertOut(Schema):
    id: int
    kind: str
    label: str
    reason: str
    session_number: int
    raised_at: datetime.datetime
    response_id: int | None
    acknowledged_at: datetime.datetime | None
    acknowledged_by_id: int | None
    note: str


class AlertPage(Schema):
    items: list[AlertOut]
    next: int | None


class AlertAcknowledgeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(..., max_length=2000, description="What you did or will do about it.")


class ResponseOut(Schema):
    id: int
    instrument: str
    instrument_version: str
    session_id: int | None
    submitted_at: datetime.datetime
    submitted_via: str
    respondent: str
    total: int | None
    band: str
    complete: bool
    answered: int
    item9: str


class ResponsePage(Schema):
    items: list[ResponseOut]
    next: int | None


class ResponseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    instrument: str = Field(..., max_length=40, description="A shipped instrument: phq9, gad7, …")
    answers: dict[int, int | None] = Field(
        ..., description="Item number to answer; null or absent is unanswered, never 0."
    )
    session_id: int | None = None
    idempotency_key: str | None = Field(
        None, max_length=64, description="Or the Idempotency-Key header."
    )


class ResponseCreatedOut(ResponseOut):
    alerts_raised: list[str]


class SessionOut(Schema):
    id: int
    therapist_id: int
    starts_at: datetime.datetime
    duration_minutes: int
    status: str
    modality: str
    kind: str


class SessionPage(Schema):
    items: list[SessionOut]
    next: int | None


class PlanVersionOut(Schema):
    id: int
    plan_id: int
    number: int
    starts_on: datetime.date
    concerns: str
    relational_context: str
    objectives: str
    recommendations: str
    cadence_unit: str
    cadence_every: int
    signed_at: datetime.datetime | None
    signed_by_id: int | None
    acknowledged_at: datetime.datetime | None


class PlanVersionPage(Schema):
    items: list[PlanVersionOut]
    next: int | None


class GoalOut(Schema):
    id: int
    version_id: int
    number: int
    description: str
    criterion: str
    target_date: datetime.date
    lifecycle: str
    achievement: str
    measure: str


class GoalPage(Schema):
    items: list[GoalOut]
    next: int | None


class CheckInOut(Schema):
    id: int
    plan_id: int
    version_id: int
    held_on: datetime.date
    note: str
    by_id: int


class CheckInPage(Schema):
    items: list[CheckInOut]
    next: int | None


class PartnerOut(Schema):
    involvement: str
    knows_in_therapy: bool
    knows_discussed: bool
    may_contact: bool


class PersonOut(Schema):
    id: int
    name: str
    role: str
    notes: str
    partner: PartnerOut | None


class PersonPage(Schema):
    items: list[PersonOut]
    next: int | None


class SphereMapOut(Schema):
    id: int
    made_by: str
    author_id: int
    taken_at: datetime.datetime
    status: str
    finished_at: datetime.datetime | None


class SphereMapPage(Schema):
    items: list[SphereMapOut]
    next: int | None


class SphereEntryOut(Schema):
    person_id: int
    label: str
    ring: int
    types: list[str]
    ratings: dict[str, int]
    note: str


class SphereMapDetailOut(SphereMapOut):
    reflection: str
    entries: list[SphereEntryOut]
