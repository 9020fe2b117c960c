"""Input and output schemas of the REST API: separate types, so a field added to an output never
becomes writable by accident. Outputs name what the pages show; psychotherapy notes have no
schema at all."""

import datetime
import uuid
from typing import Annotated, Literal

from ninja import Field, Path, Query, Schema
from pydantic import AfterValidator, AwareDatetime, ConfigDict

from kithkin.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from kithkin.core.plans import MAX_EVERY, Achievement, CadenceUnit, Lifecycle, Measure
from kithkin.partners.models import TherapyPartner
from kithkin.schedule.models import Session

# Ids are 64-bit (BigAutoField). A larger number can name no row, and SQLite cannot even take it
# as a query parameter, so it is refused as input instead of reaching the database.
MAX_ID = 2**63 - 1
RecordId = Path[int, {"ge": 1, "le": MAX_ID}]
RecordIdFilter = Query[int | None, {"ge": 1, "le": MAX_ID}]
# PostgreSQL text cannot hold a NUL character; refused here, it never becomes a server error.
NO_NUL = r"^[^\x00]*$"
# Dates and times a practice's records can hold: Python's date arithmetic (a target date, a
# cadence, a time zone) overflows near the years 1 and 9999.
EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(2199, 12, 31)


def text(max_length: int, *, min_length: int = 0, description: str | None = None):
    return Field(
        ..., min_length=min_length, max_length=max_length, pattern=NO_NUL, description=description
    )


def _on_a_calendar(day: datetime.date) -> datetime.date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"Give a date from {EARLIEST} to {LATEST}.")
    return day


def _on_a_calendar_at(moment: datetime.datetime) -> datetime.datetime:
    _on_a_calendar(moment.date())
    return moment


Day = Annotated[datetime.date, AfterValidator(_on_a_calendar)]
# With its offset, so "10:00" means one moment wherever the caller is.
Moment = Annotated[AwareDatetime, AfterValidator(_on_a_calendar_at)]
Ids = Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]], Field(max_length=50)]
Kinds = Annotated[list[Annotated[str, Field(max_length=30, pattern=NO_NUL)]], Field(max_length=30)]


class Strict(Schema):
    """An input: a field it does not name is refused (422), so nothing the caller sends can set
    what the token decides (the practice, the therapist, the author)."""

    model_config = ConfigDict(extra="forbid")


class Error(Schema):
    detail: str


class InvalidField(Schema):
    loc: list[str | int]
    msg: str
    type: str


class InvalidInput(Schema):
    """Django Ninja's answer to input its schema refuses (422), on every operation."""

    detail: list[InvalidField]


class PageQuery(Schema):
    cursor: int | None = Field(
        None, ge=0, le=MAX_ID, description="Opaque: the `next` of the page before."
    )
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


class AlertAcknowledgeIn(Strict):
    note: str = text(2000, description="What you did or will do about it.")


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


class ResponseIn(Strict):
    instrument: str = Field(
        ..., max_length=40, pattern=NO_NUL, description="A shipped instrument: phq9, gad7, …"
    )
    answers: dict[int, int | None] = Field(
        ..., description="Item number to answer; null or absent is unanswered, never 0."
    )
    session_id: int | None = Field(None, ge=1, le=MAX_ID)
    idempotency_key: str | None = Field(
        None, max_length=64, pattern=NO_NUL, description="Or the Idempotency-Key header."
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


# --- Writes ----------------------------------------------------------------------------------
# Each write has its own input type: ``...In`` to create, ``...Patch`` to change (a field left out
# stays as it is). None of them names a practice, a therapist or an author: those come from the
# token, and an input that names them is refused.


class ClientIn(Strict):
    given_name: str = text(100, min_length=1)
    family_name: str = text(100, min_length=1)
    preferred_name: str = Field("", max_length=100, pattern=NO_NUL)
    pronouns: str = Field("", max_length=40, pattern=NO_NUL)
    date_of_birth: datetime.date | None = None
    email: str = Field("", max_length=254, pattern=NO_NUL)
    phone: str = Field("", max_length=30, pattern=NO_NUL)
    address: str = Field("", max_length=2000, pattern=NO_NUL)


class ClientPatch(Strict):
    given_name: str = Field(None, min_length=1, max_length=100, pattern=NO_NUL)
    family_name: str = Field(None, min_length=1, max_length=100, pattern=NO_NUL)
    preferred_name: str = Field(None, max_length=100, pattern=NO_NUL)
    pronouns: str = Field(None, max_length=40, pattern=NO_NUL)
    date_of_birth: datetime.date | None = Field(None, description="null clears it.")
    email: str = Field(None, max_length=254, pattern=NO_NUL)
    phone: str = Field(None, max_length=30, pattern=NO_NUL)
    address: str = Field(None, max_length=2000, pattern=NO_NUL)


class Problem(Schema):
    """A refused write: ``detail`` in the page's words, and the field it concerns, if one."""

    detail: str
    field: str | None = None
    errors: dict[str, list[str]] | None = None


class PersonIn(Strict):
    name: str = text(120, min_length=1, description="A name or a label, such as 'coworkers'.")
    role: str = Field("", max_length=80, pattern=NO_NUL)
    kinds: Kinds = Field([], description="Relationship types (docs: vocabulary).")
    notes: str = Field("", max_length=4000, pattern=NO_NUL)
    since: Day | None = Field(None, description="When the kinds began; today if left out.")


Involvement = Literal[tuple(TherapyPartner.Involvement.values)]


class PartnerIn(Strict):
    involvement: Involvement
    knows_in_therapy: bool = False
    knows_discussed: bool = False
    may_contact: bool = False
    contact_note: str = Field("", max_length=2000, pattern=NO_NUL)
    reason: str = Field(
        "",
        max_length=2000,
        pattern=NO_NUL,
        description="Needed when someone stops being treated as unaware.",
    )


Modality = Literal[tuple(Session.Modality.values)]
SessionKind = Literal[tuple(Session.Kind.values)]
SessionStatus = Literal[tuple(Session.Status.values)]
IDEMPOTENCY = "Makes a retry safe: the same key sent again answers with the first result."


class SessionIn(Strict):
    starts_at: Moment
    duration_minutes: int = Field(50, ge=5, le=480)
    modality: Modality = Session.Modality.IN_PERSON.value
    kind: SessionKind = Session.Kind.INDIVIDUAL.value
    attendee_ids: Ids = Field([], description="People in the client's life who attend.")
    idempotency_key: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        pattern=NO_NUL,
        description=f"Or the Idempotency-Key header; one is required. {IDEMPOTENCY}",
    )


class SessionPatch(Strict):
    starts_at: Moment = None
    duration_minutes: int = Field(None, ge=5, le=480)
    modality: Modality = None
    kind: SessionKind = None
    attendee_ids: Ids = None


class SessionStatusIn(Strict):
    status: SessionStatus
    attended_ids: Ids = Field([], description="The planned attendees who came.")
    notice_at: Moment | None = Field(None, description="For a cancellation; now if left out.")
    expected_status: SessionStatus | None = Field(
        None, description="The status you saw: refused if it has changed since."
    )


class AttendeeOut(Schema):
    person_id: int
    attendance: str


class SessionDetailOut(SessionOut):
    attendees: list[AttendeeOut]
    alerts_raised: list[str] = []


class PlanIn(Strict):
    starts_on: Day
    key: uuid.UUID | None = Field(None, description=IDEMPOTENCY)


class RevisionIn(Strict):
    key: uuid.UUID | None = Field(None, description=IDEMPOTENCY)


class PlanVersionPatch(Strict):
    starts_on: Day = None
    concerns: str = Field(None, max_length=8000, pattern=NO_NUL)
    relational_context: str = Field(None, max_length=8000, pattern=NO_NUL)
    objectives: str = Field(None, max_length=8000, pattern=NO_NUL)
    recommendations: str = Field(None, max_length=8000, pattern=NO_NUL)
    cadence_unit: Literal[tuple(u.value for u in CadenceUnit)] = None
    cadence_every: int = Field(None, ge=1, le=MAX_EVERY)


LifecycleValue = Literal[tuple(v.value for v in Lifecycle)]
AchievementValue = Literal[tuple(v.value for v in Achievement)]
MeasureValue = Literal[tuple(v.value for v in Measure)]


class GoalIn(Strict):
    description: str = text(2000, min_length=1, description="In the client's own words.")
    criterion: str = text(2000, min_length=1, description="How you will both know it is reached.")
    target_date: Day
    lifecycle: LifecycleValue = Lifecycle.PROPOSED.value
    achievement: AchievementValue = Achievement.IN_PROGRESS.value
    measure: MeasureValue = Measure.NONE.value
    partner_ids: Ids = Field([], description="People in the client's life the goal involves.")
    key: uuid.UUID | None = Field(None, description=IDEMPOTENCY)


class GoalPatch(Strict):
    description: str = Field(None, min_length=1, max_length=2000, pattern=NO_NUL)
    criterion: str = Field(None, min_length=1, max_length=2000, pattern=NO_NUL)
    target_date: Day = None
    lifecycle: LifecycleValue = None
    achievement: AchievementValue = None
    measure: MeasureValue = None
    partner_ids: Ids = None


class ProgressIn(Strict):
    goal_id: int = Field(..., ge=1, le=MAX_ID)
    achievement: AchievementValue
    note: str = Field("", max_length=500, pattern=NO_NUL)


class CheckInIn(Strict):
    held_on: Day
    progress: list[ProgressIn] = Field(
        ..., max_length=100, description="Each goal under review, once."
    )
    note: str = Field("", max_length=4000, pattern=NO_NUL)
    revise: bool = Field(False, description="Also carry the progress into a draft revision.")
    key: uuid.UUID | None = Field(None, description=IDEMPOTENCY)


class SphereEntryIn(Strict):
    ring: int = Field(..., ge=1, le=5, description="1 is closest.")
    types: Kinds = []
    ratings: dict[Annotated[str, Field(max_length=40, pattern=NO_NUL)], int] = Field(
        {}, max_length=20, description="Component to 0, 1 or 2."
    )
    note: str = Field("", max_length=2000, pattern=NO_NUL)
