"""The treatment plan as plain data: goal statuses, the check-in cadence, when the next check-in
falls, which goals are near their target date, and what changed between two versions.

Seed 000: "After Alexis and I set up a schedule for treatment-goal target dates and after we
scheduled regular check-ins..." The plan is shared work, revised as it goes; every revision
keeps the one before it, so the difference between any two versions can be shown.
"""

import datetime
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class PlanError(ValueError):
    """A request the plan cannot take, in words fit for the therapist.

    ``field`` names the form field the message belongs beside, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class Lifecycle(StrEnum):
    """A goal's lifecycle, the subset of FHIR Goal.lifecycleStatus a therapist uses."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return LIFECYCLE_LABELS[self]

    @property
    def fhir_code(self) -> str:
        return self.value.replace("_", "-")


LIFECYCLE_LABELS = {
    Lifecycle.PROPOSED: "Proposed",
    Lifecycle.ACTIVE: "Active",
    Lifecycle.ON_HOLD: "On hold",
    Lifecycle.COMPLETED: "Completed",
    Lifecycle.CANCELLED: "Cancelled",
}
# Goals that are finished with, one way or the other: no longer flagged, no longer reviewed.
CLOSED_LIFECYCLES = frozenset({Lifecycle.COMPLETED, Lifecycle.CANCELLED})


class Achievement(StrEnum):
    """Where a goal stands, as FHIR Goal.achievementStatus (valueset goal-achievement)."""

    IN_PROGRESS = "in_progress"
    IMPROVING = "improving"
    WORSENING = "worsening"
    NO_CHANGE = "no_change"
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not_achieved"

    @property
    def label(self) -> str:
        return ACHIEVEMENT_LABELS[self]

    @property
    def fhir_code(self) -> str:
        return self.value.replace("_", "-")


ACHIEVEMENT_LABELS = {
    Achievement.IN_PROGRESS: "In progress",
    Achievement.IMPROVING: "Improving",
    Achievement.WORSENING: "Worsening",
    Achievement.NO_CHANGE: "No change",
    Achievement.ACHIEVED: "Achieved",
    Achievement.NOT_ACHIEVED: "Not achieved",
}


class Measure(StrEnum):
    """A questionnaire that follows a goal. A later issue makes questionnaires data; until then
    the two shipped instruments are a plain choice."""

    NONE = ""
    PHQ9 = "phq9"
    GAD7 = "gad7"

    @property
    def label(self) -> str:
        return MEASURE_LABELS[self]


MEASURE_LABELS = {Measure.NONE: "None", Measure.PHQ9: "PHQ-9", Measure.GAD7: "GAD-7"}


# --- Cadence and check-ins ----------------------------------------------------------------------


class CadenceUnit(StrEnum):
    WEEKS = "weeks"
    SESSIONS = "sessions"


# A check-in less often than about once a year is no schedule at all.
MAX_EVERY = 52


@dataclass(frozen=True)
class Cadence:
    unit: CadenceUnit
    every: int

    def __post_init__(self):
        object.__setattr__(self, "unit", _cadence_unit(self.unit))
        check_cadence_every(self.every)

    @property
    def phrase(self) -> str:
        if self.every == 1:
            return "every week" if self.unit is CadenceUnit.WEEKS else "every session"
        return f"every {self.every} {self.unit.value}"


def _cadence_unit(value) -> CadenceUnit:
    try:
        return CadenceUnit(value)
    except ValueError:
        raise PlanError(
            "Choose a check-in cadence in weeks or in sessions.", field="cadence_unit"
        ) from None


def check_cadence_every(every: int) -> int:
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise PlanError(
            "A check-in comes every 1 or more weeks or sessions: N must be at least 1.",
            field="cadence_every",
        )
    if every > MAX_EVERY:
        raise PlanError(
            f"Check in at least every {MAX_EVERY} weeks or sessions.", field="cadence_every"
        )
    return every


class DueState(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"


# A check-in falls due on a day (or at a session) and stays "due" for a week, the usual gap
# between sessions, so it can be done at the next meeting; after that it is overdue.
GRACE = datetime.timedelta(days=7)


@dataclass(frozen=True)
class CheckInDue:
    state: DueState
    # The day it falls due, for a cadence in weeks. A cadence in sessions has no date: it falls
    # due when enough sessions have been attended.
    due_on: datetime.date | None
    # Sessions still to attend before it falls due (sessions cadence only; 0 once due).
    sessions_left: int | None = None

    @property
    def is_pending(self) -> bool:
        return self.state is not DueState.UPCOMING


def next_check_in(
    *,
    cadence: Cadence,
    since: datetime.date,
    attended_since: int,
    today: datetime.date,
) -> CheckInDue:
    """When the plan's next check-in falls due, and where it stands today.

    ``since`` is the day of the last check-in, or the day the plan was signed if there has been
    none; ``attended_since`` counts the sessions attended after that day.

    Every N weeks: due N weeks after ``since``, overdue a week after that. Every N sessions: due
    once N sessions have been attended since, so it belongs in the next one; overdue once a
    further session has gone by without it.
    """
    if attended_since < 0:
        raise PlanError("A count of sessions cannot be negative.")
    if cadence.unit is CadenceUnit.WEEKS:
        due_on = since + datetime.timedelta(weeks=cadence.every)
        if today < due_on:
            state = DueState.UPCOMING
        elif today <= due_on + GRACE:
            state = DueState.DUE
        else:
            state = DueState.OVERDUE
        return CheckInDue(state=state, due_on=due_on)
    left = max(0, cadence.every - attended_since)
    if attended_since < cadence.every:
        state = DueState.UPCOMING
    elif attended_since == cadence.every:
        state = DueState.DUE
    else:
        state = DueState.OVERDUE
    return CheckInDue(state=state, due_on=None, sessions_left=left)


def due_phrase(due: CheckInDue, *, today: datetime.date) -> str:
    """The state in a therapist's words: "overdue since 3 Mar 2026", "due after 2 more sessions"."""
    if due.due_on is not None:
        day = _day(due.due_on)
        if due.state is DueState.UPCOMING:
            return f"next check-in due on {day}"
        if due.state is DueState.DUE:
            return "check-in due today" if due.due_on == today else f"check-in due since {day}"
        return f"check-in overdue since {_day(due.due_on + GRACE)}"
    if due.state is DueState.UPCOMING:
        left = due.sessions_left or 0
        return f"next check-in due after {left} more session{'s' if left != 1 else ''}"
    if due.state is DueState.DUE:
        return "check-in due at the next session"
    return "check-in overdue: a session has gone by without it"


class TargetFlag(StrEnum):
    NEAR = "near"
    PAST = "past"


# "Near" is the next two weeks: with weekly or fortnightly sessions, the goal comes up in one of
# the next two sessions, which is when the therapist can still talk about it before it passes.
NEAR_DAYS = 14


def target_flag(
    *,
    target_date: datetime.date | None,
    lifecycle: Lifecycle | str,
    achievement: Achievement | str,
    today: datetime.date,
) -> TargetFlag | None:
    """Flags an open goal whose target date is within NEAR_DAYS (near) or gone by (past).

    A goal completed, cancelled or achieved is never flagged: there is nothing left to chase.
    """
    if target_date is None:
        return None
    if Lifecycle(lifecycle) in CLOSED_LIFECYCLES or Achievement(achievement) is (
        Achievement.ACHIEVED
    ):
        return None
    if target_date < today:
        return TargetFlag.PAST
    if (target_date - today).days <= NEAR_DAYS:
        return TargetFlag.NEAR
    return None


def check_target_date(target_date: datetime.date, *, plan_starts_on: datetime.date) -> None:
    """Seed 000's target dates are set when the plan is made: none can fall before it starts."""
    if target_date < plan_starts_on:
        raise PlanError(
            f"The target date ({_day(target_date)}) is before the plan starts "
            f"({_day(plan_starts_on)}). Choose a date on or after the start.",
            field="target_date",
        )


# --- Versions and their differences -------------------------------------------------------------

# The plan's sections, in the order they are written and shown.
SECTIONS = (
    ("starts_on", "Plan starts on"),
    ("concerns", "Concerns, in the client's words"),
    ("relational_context", "Relational context"),
    ("objectives", "Objectives and interventions"),
    ("recommendations", "Recommendations"),
    ("cadence", "Check-ins"),
)
GOAL_FIELDS = (
    ("description", "In the client's words"),
    ("target_date", "Target date"),
    ("criterion", "How we will know"),
    ("lifecycle", "Status"),
    ("achievement", "Progress"),
    ("partners", "Therapy partners involved"),
    ("measure", "Measure"),
)


TEXT_FIELDS = frozenset(
    {"concerns", "relational_context", "objectives", "recommendations", "description", "criterion"}
)


@dataclass(frozen=True)
class GoalData:
    """A goal as a version holds it. ``number`` is the goal's identity across versions: a
    revision copies each goal with its number, so "Goal 2" is the same goal in every version."""

    number: int
    description: str = ""
    target_date: datetime.date | None = None
    criterion: str = ""
    lifecycle: str = Lifecycle.PROPOSED.value
    achievement: str = Achievement.IN_PROGRESS.value
    partners: frozenset[str] = frozenset()
    measure: str = ""


@dataclass(frozen=True)
class PlanData:
    starts_on: datetime.date | None = None
    concerns: str = ""
    relational_context: str = ""
    objectives: str = ""
    recommendations: str = ""
    cadence: Cadence | None = None
    goals: tuple[GoalData, ...] = ()


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


MIRROR = {ChangeKind.ADDED: ChangeKind.REMOVED, ChangeKind.REMOVED: ChangeKind.ADDED}


@dataclass(frozen=True)
class Segment:
    """A run of words in a text difference: kept, added or removed."""

    kind: str  # "same", "added", "removed"
    text: str


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: str
    after: str

    @property
    def words(self) -> tuple[Segment, ...]:
        return word_diff(self.before, self.after)

    @property
    def is_text(self) -> bool:
        """Free text, shown word by word; other fields are short values shown as before and
        after."""
        return self.name in TEXT_FIELDS


@dataclass(frozen=True)
class Change:
    """One section or goal that differs. For a goal added or removed, ``fields`` hold all of its
    non-empty fields, with the other side empty."""

    kind: ChangeKind
    part: str  # "section" or "goal"
    key: str  # the section's name, or the goal's number as text
    label: str
    fields: tuple[FieldChange, ...]


def diff(before: PlanData, after: PlanData) -> tuple[Change, ...]:
    """What changed from ``before`` to ``after``: sections in their order, then goals by number.

    Values are compared as the text a reader sees, so the result can be shown as it is.
    """
    changes: list[Change] = []
    for name, label in SECTIONS:
        old, new = _text(getattr(before, name)), _text(getattr(after, name))
        if old != new:
            kind = ChangeKind.ADDED if not old else ChangeKind.REMOVED if not new else None
            changes.append(
                Change(
                    kind=kind or ChangeKind.CHANGED,
                    part="section",
                    key=name,
                    label=label,
                    fields=(FieldChange(name, label, old, new),),
                )
            )
    old_goals = _by_number(before.goals)
    new_goals = _by_number(after.goals)
    for number in sorted(old_goals.keys() | new_goals.keys()):
        old_goal, new_goal = old_goals.get(number), new_goals.get(number)
        fields = _goal_fields(old_goal, new_goal)
        if not fields and old_goal is not None and new_goal is not None:
            continue
        if old_goal is None:
            kind = ChangeKind.ADDED
        elif new_goal is None:
            kind = ChangeKind.REMOVED
        else:
            kind = ChangeKind.CHANGED
        changes.append(
            Change(
                kind=kind,
                part="goal",
                key=str(number),
                label=f"Goal {number}",
                fields=fields,
            )
        )
    return tuple(changes)


def mirror(changes: Iterable[Change]) -> tuple[Change, ...]:
    """The same differences read the other way: what ``diff(b, a)`` says of ``diff(a, b)``."""
    return tuple(
        Change(
            kind=MIRROR.get(change.kind, change.kind),
            part=change.part,
            key=change.key,
            label=change.label,
            fields=tuple(
                FieldChange(f.name, f.label, before=f.after, after=f.before) for f in change.fields
            ),
        )
        for change in changes
    )


def _by_number(goals: Iterable[GoalData]) -> dict[int, GoalData]:
    numbered: dict[int, GoalData] = {}
    for goal in goals:
        if goal.number in numbered:
            raise PlanError(f"Goal {goal.number} appears twice in one version.")
        numbered[goal.number] = goal
    return numbered


def _goal_fields(old: GoalData | None, new: GoalData | None) -> tuple[FieldChange, ...]:
    fields = []
    for name, label in GOAL_FIELDS:
        before = _goal_text(name, getattr(old, name)) if old is not None else ""
        after = _goal_text(name, getattr(new, name)) if new is not None else ""
        if before != after:
            fields.append(FieldChange(name, label, before, after))
    return tuple(fields)


def _goal_text(name: str, value) -> str:
    if name == "lifecycle":
        return LIFECYCLE_LABELS.get(_enum(Lifecycle, value), str(value))
    if name == "achievement":
        return ACHIEVEMENT_LABELS.get(_enum(Achievement, value), str(value))
    if name == "measure":
        return "" if not value else MEASURE_LABELS.get(_enum(Measure, value), str(value))
    return _text(value)


def _enum(kind, value):
    try:
        return kind(value)
    except ValueError:
        return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return _day(value)
    if isinstance(value, Cadence):
        return value.phrase
    if isinstance(value, frozenset | set | tuple | list):
        return ", ".join(sorted(str(v) for v in value))
    return str(value).strip()


def word_diff(before: str, after: str) -> tuple[Segment, ...]:
    """The two texts as runs of kept, removed and added words, for showing a change in place.

    Each segment holds whole words joined by single spaces; a page puts a space between them.
    """
    old, new = before.split(), after.split()
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("same", " ".join(new[b1:b2])))
            continue
        if a2 > a1:
            segments.append(Segment("removed", " ".join(old[a1:a2])))
        if b2 > b1:
            segments.append(Segment("added", " ".join(new[b1:b2])))
    return tuple(segments)


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"
