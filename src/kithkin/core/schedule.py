"""Sessions: the outcome a session may be given, who may attend it, when it may be scheduled,
and the ISO weeks of a therapist's calendar.

Rules:
    1. Whether a cancellation is late is derived, never chosen: the therapist records that the
       client cancelled and when they gave notice, and less than 24 hours' notice before the
       start (or none at all) is a late cancellation. Practices that charge for late
       cancellations publish such a window; deriving it keeps every therapist applying the same
       one. Asking for either status gives the one the notice decides.
    2. Attended and no-show describe what happened, so they wait until the session has begun.
       Back to scheduled is for a session that has not begun (an outcome recorded by mistake).
    3. A joint, couple or family session is with someone from the client's life, so it has at
       least one attendee besides the client; an individual session has none. A group session's
       other members are clients of their own, so attendees there are optional.
    4. A session falls in the therapist's open episode with the client. With no episodes at all
       (records from before episodes were kept) any date is accepted.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

LATE_CANCEL_NOTICE = datetime.timedelta(hours=24)


class Status(StrEnum):
    SCHEDULED = "scheduled"
    ATTENDED = "attended"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"
    NO_SHOW = "no_show"


class Modality(StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"


class Kind(StrEnum):
    INDIVIDUAL = "individual"
    JOINT = "joint"
    COUPLE = "couple"
    FAMILY = "family"
    GROUP = "group"


class Attendance(StrEnum):
    PLANNED = "planned"
    ATTENDED = "attended"
    ABSENT = "absent"


# Kinds that are with someone from the client's life (rule 3).
WITH_SOMEONE = frozenset({Kind.JOINT, Kind.COUPLE, Kind.FAMILY})
CANCELLATIONS = frozenset({Status.CANCELLED, Status.LATE_CANCELLED})
HAPPENED = frozenset({Status.ATTENDED, Status.NO_SHOW})


class SessionRefused(ValueError):
    """A request about a session the record cannot take, in words fit for the therapist.

    ``field`` names the form field the message belongs beside, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def outcome(
    *,
    requested: str,
    starts_at: datetime.datetime,
    now: datetime.datetime,
    notice_at: datetime.datetime | None = None,
) -> Status:
    """The status a session takes when the therapist records ``requested`` at ``now``."""
    try:
        status = Status(requested)
    except ValueError:
        raise SessionRefused(
            f"“{requested}” is not a status of a session: choose attended, cancelled, no-show "
            "or scheduled.",
            field="status",
        ) from None
    if status in CANCELLATIONS:
        notice_at = notice_at or now
        if notice_at > now:
            raise SessionRefused("Notice cannot be given in the future.", field="notice_at")
        if starts_at - notice_at < LATE_CANCEL_NOTICE:
            return Status.LATE_CANCELLED
        return Status.CANCELLED
    if status in HAPPENED and starts_at > now:
        raise SessionRefused(
            "This session has not begun yet: it can be recorded as attended or as a no-show "
            "once it has started.",
            field="status",
        )
    if status is Status.SCHEDULED and starts_at <= now:
        raise SessionRefused(
            "This session has begun, so it cannot go back to scheduled: record what happened.",
            field="status",
        )
    return status


def check_attendee_count(kind: str, count: int) -> None:
    try:
        kind = Kind(kind)
    except ValueError:
        raise SessionRefused(f"“{kind}” is not a kind of session.", field="kind") from None
    if kind in WITH_SOMEONE and count == 0:
        raise SessionRefused(
            f"A {kind.value} session is with someone from the client's life: choose who attends.",
            field="attendees",
        )
    if kind is Kind.INDIVIDUAL and count:
        raise SessionRefused(
            "An individual session has no other attendees: choose joint, couple or family, "
            "or leave the attendees out.",
            field="attendees",
        )


@dataclass(frozen=True)
class EpisodeSpan:
    opened_on: datetime.date
    closed_on: datetime.date | None

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


CLOSED_EPISODE = "This episode is closed: open a new episode to schedule sessions."


def check_episode(spans: Iterable[EpisodeSpan], day: datetime.date) -> None:
    """Refuses a session on ``day`` unless it falls in the open episode (rule 4)."""
    spans = sorted(spans, key=lambda s: s.opened_on)
    if not spans:
        return
    current = next((s for s in spans if s.is_open), None)
    if current is None:
        raise SessionRefused(CLOSED_EPISODE, field="starts_at")
    if day < current.opened_on:
        raise SessionRefused(
            f"The current episode opened on {_day(current.opened_on)}: a session before that "
            "day falls outside it.",
            field="starts_at",
        )


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


@dataclass(frozen=True)
class Week:
    """An ISO week, Monday to Sunday, as the calendar's ``?week=2026-W47`` names it."""

    year: int
    number: int

    @classmethod
    def of(cls, day: datetime.date) -> "Week":
        year, number, _ = day.isocalendar()
        return cls(year, number)

    @classmethod
    def parse(cls, text: str) -> "Week":
        """``2026-W47`` (or ``2026-w7``); ValueError for anything else."""
        year, sep, number = text.strip().upper().partition("-W")
        if not sep or not (year.isdigit() and number.isdigit()) or len(year) != 4:
            raise ValueError(f"not an ISO week: {text!r}")
        # Raises for week 0, or week 53 of a year that has 52.
        datetime.date.fromisocalendar(int(year), int(number), 1)
        return cls(int(year), int(number))

    @property
    def monday(self) -> datetime.date:
        return datetime.date.fromisocalendar(self.year, self.number, 1)

    @property
    def days(self) -> list[datetime.date]:
        return [self.monday + datetime.timedelta(days=n) for n in range(7)]

    @property
    def previous(self) -> "Week":
        return Week.of(self.monday - datetime.timedelta(days=7))

    @property
    def next(self) -> "Week":
        return Week.of(self.monday + datetime.timedelta(days=7))

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"
