"""The draft's sections: what each part of the review holds, in words and numbers."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, fields
from enum import StrEnum

from kithkin.core.ending_review.facts import (
    MeasurePoint,
)
from kithkin.core.ending_review.words import _and, _count, _day, _strings
from kithkin.core.episodes import (
    Phase,
    Stage,
)
from kithkin.core.partners import ActionStatus
from kithkin.core.plans import Achievement, Lifecycle
from kithkin.core.referrals import Kind, Reason, Status

# --- The draft -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseSpan:
    phase: Phase
    began_on: datetime.date
    ended_on: datetime.date | None  # None: still in it when drafted


@dataclass(frozen=True)
class Journey:
    sentences: tuple[str, ...]
    first_contact: datetime.date
    ending_began: datetime.date | None
    closed_on: datetime.date | None
    weeks: int  # first contact to closing, or to the draft
    stage_days: tuple[tuple[Stage, int], ...]
    phases: tuple[PhaseSpan, ...]
    attended: int
    cancelled: int
    late_cancelled: int
    missed: int
    attended_by_kind: tuple[tuple[str, int], ...]


class GoalOutcomeWord(StrEnum):
    ACHIEVED = "achieved"
    PARTLY = "improving"
    NOT_ACHIEVED = "not achieved"
    NO_CHANGE = "no change"
    HARDER = "harder than at the start"
    IN_PROGRESS = "still in progress"
    ON_HOLD = "on hold"
    SET_ASIDE = "set aside"
    NOT_TAKEN_UP = "not taken up"


@dataclass(frozen=True)
class GoalOutcome:
    number: int
    description: str
    lifecycle: Lifecycle
    achievement: Achievement
    outcome: GoalOutcomeWord
    text: str


@dataclass(frozen=True)
class WorkDone:
    goals: tuple[GoalOutcome, ...]
    # Written by the therapist, with the client; never drafted, never copied from notes.
    themes: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        if not self.goals:
            return "No goals were written into a plan in this episode."
        counts: dict[GoalOutcomeWord, int] = {}
        for goal in self.goals:
            counts[goal.outcome] = counts.get(goal.outcome, 0) + 1
        parts = [f"{n} {word.value}" for word, n in counts.items()]
        return f"Of {_count(len(self.goals), 'goal')}: {_and(parts)}."


class Verdict(StrEnum):
    RECOVERED = "recovered"
    IMPROVED = "reliable improvement"
    NO_RELIABLE_CHANGE = "no reliable change"
    DETERIORATED = "reliable deterioration"
    NOT_JUDGED = "not judged"  # no method of reliable change for this measure
    ONE_SCORE = "one score only"


class Method(StrEnum):
    TALKING_THERAPIES = "talking_therapies"
    RELIABLE_CHANGE_INDEX = "reliable_change_index"
    NONE = "none"


@dataclass(frozen=True)
class MeasureProgress:
    code: str
    name: str
    first: MeasurePoint
    last: MeasurePoint | None  # None with one score only
    change: float | None
    reliable: bool | None  # None when there is no change or no method to judge it by
    threshold: float | None  # the points a change must reach (TT) or exceed (RCI)
    method: Method
    verdict: Verdict
    text: str


class Trend(StrEnum):
    HIGHER = "higher"
    SAME = "the same"
    LOWER = "lower"
    ONE = "one check-in"
    NONE = "none"


@dataclass(frozen=True)
class AllianceTrend:
    trend: Trend
    count: int
    first: MeasurePoint | None
    last: MeasurePoint | None
    under_cutoff: int
    falling_at_end: bool
    text: str


@dataclass(frozen=True)
class Progress:
    measures: tuple[MeasureProgress, ...]
    # The NHS Talking Therapies outcome over PHQ-9 and GAD-7 together, when both were given.
    overall: str
    alliance: AllianceTrend

    @property
    def summary(self) -> str:
        if self.measures:
            return ""
        return (
            "No questionnaires were completed in this episode, so the progress made is told in "
            "the client's and therapist's own words."
        )


class Shift(StrEnum):
    CLOSER = "closer"
    FURTHER = "further"
    NEW = "new"
    GONE = "gone"
    SAME_RING = "same ring"


@dataclass(frozen=True)
class RelationshipChange:
    person_id: int
    label: str
    shift: Shift
    from_ring: int | None
    to_ring: int | None
    gained: tuple[str, ...]  # component labels now rated present, not before
    lost: tuple[str, ...]  # rated present before, not now
    text: str


class PlanOutcome(StrEnum):
    DONE = "done"
    CLIENT_CHOOSES = "left for the client to choose when"
    NOT_YET = "not done yet"
    NOT_STARTED = "not yet due"


@dataclass(frozen=True)
class PartnerPlan:
    person_id: int
    label: str
    action: str
    status: ActionStatus
    outcome: PlanOutcome
    text: str


@dataclass(frozen=True)
class Relationships:
    first_map_on: datetime.date | None
    latest_map_on: datetime.date | None
    changes: tuple[RelationshipChange, ...]
    partner_plans: tuple[PartnerPlan, ...]

    @property
    def summary(self) -> str:
        """Worked out from the items kept, so it never counts a withheld person."""
        if self.first_map_on is None:
            return "No spheres map was made in this episode."
        if self.latest_map_on is None or self.latest_map_on == self.first_map_on:
            return (
                f"One spheres map was made, on {_day(self.first_map_on)}, so there is no later "
                "map to compare it with."
            )
        head = (
            f"Between the spheres map of {_day(self.first_map_on)} and the map of "
            f"{_day(self.latest_map_on)}"
        )
        if not self.changes:
            return f"{head}, no one changed ring or components."
        counts = [
            (Shift.CLOSER, "moved closer"),
            (Shift.FURTHER, "moved further out"),
            (Shift.NEW, "{is_} new on the map"),
            (Shift.GONE, "{is_} no longer on the map"),
            (Shift.SAME_RING, "stayed in the same ring with different components"),
        ]
        parts = []
        for shift, words in counts:
            n = sum(1 for c in self.changes if c.shift is shift)
            if n:
                verb = words.format(is_="is" if n == 1 else "are")
                parts.append(f"{_count(n, 'person', 'people')} {verb}")
        return f"{head}: {_and(parts)}."


@dataclass(frozen=True)
class Referral:
    kind: Kind
    to: str
    reason: Reason
    status: Status
    text: str


@dataclass(frozen=True)
class Draft:
    audience: str
    journey: Journey
    work_done: WorkDone
    progress: Progress
    relationships: Relationships
    open_door: str
    referral: Referral | None = None
    # Written with the client; never drafted.
    future_growth: tuple[str, ...] = ()
    # The therapist's own note to the client, optional; guarded like every other text, since it
    # goes wherever the client's copy goes (a printed letter can name nobody withheld).
    note_for_client: tuple[str, ...] = ()
    # For the person preparing the output, not for the recipient (see disclosure.Guarded).
    notice: str = ""

    def texts(self) -> Iterator[str]:
        """Every text in the draft, summaries included: what a recipient could read."""
        for f in fields(self):
            if f.name not in ("audience", "notice"):
                yield from _strings(getattr(self, f.name))
        yield self.work_done.summary
        yield self.progress.summary
        yield self.relationships.summary
