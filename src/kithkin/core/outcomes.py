"""Outcome of a course of treatment from its first and last scores: the reliable change index and
the NHS Talking Therapies (formerly IAPT) definitions of recovery and reliable change.

The rules work on plain totals so they can be fed by any scoring code; a total that is
incomplete is passed as None and never stands in as a lower number.
"""

import datetime
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class OutcomeError(ValueError):
    """Scores or parameters an outcome cannot be computed from, in words fit for the therapist."""


# --- Reliable change index (Jacobson & Truax 1991) -----------------------------------------------

# Two-tailed 5%: a change this large would arise by measurement error alone less than one time in
# twenty.
RELIABLE_Z = 1.96


def standard_error(*, sd: float, reliability: float) -> float:
    """SE = s1 * sqrt(1 - r): the spread of scores measurement error alone would produce."""
    _check_number(sd, "The standard deviation")
    _check_number(reliability, "The reliability")
    if sd <= 0:
        raise OutcomeError("The standard deviation must be greater than 0.")
    # r = 1 would mean a measure with no error at all, so any change would be "reliable".
    if not 0 <= reliability < 1:
        raise OutcomeError("The reliability must be at least 0 and less than 1.")
    return sd * math.sqrt(1 - reliability)


def reliable_change_index(first: float, last: float, *, sd: float, reliability: float) -> float:
    """RC = (x2 - x1) / S_diff, S_diff = sqrt(2 * SE^2). Negative when the score fell.

    ``sd`` is the standard deviation of the normative (usually pre-treatment) sample and
    ``reliability`` the measure's test-retest or internal-consistency coefficient.
    """
    _check_number(first, "The first score")
    _check_number(last, "The last score")
    se = standard_error(sd=sd, reliability=reliability)
    return (last - first) / math.sqrt(2 * se**2)


def is_reliable(rc: float) -> bool:
    return abs(rc) > RELIABLE_Z


def reliable_difference(*, sd: float, reliability: float) -> float:
    """The change a score must exceed to be reliable: 1.96 * S_diff, in the measure's points."""
    se = standard_error(sd=sd, reliability=reliability)
    return RELIABLE_Z * math.sqrt(2 * se**2)


def _check_number(value: float, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OutcomeError(f"{what} must be a number.")


# --- NHS Talking Therapies definitions -----------------------------------------------------------

PHQ9_MAX = 27
GAD7_MAX = 21
# Caseness: the score from which a client counts as having clinically significant symptoms.
PHQ9_CASENESS = 10
GAD7_CASENESS = 8
# Reliable change: the smallest change in points beyond what measurement error explains, as NHS
# Talking Therapies sets it for each measure.
PHQ9_RELIABLE_CHANGE = 6
GAD7_RELIABLE_CHANGE = 4
# First and last must be different sessions: one session has no change to measure.
MIN_PAIRED_SESSIONS = 2


@dataclass(frozen=True)
class PairedScores:
    """One session's totals; either may be None when not given or incomplete."""

    session: int
    on: datetime.date | None = None
    phq9: int | None = None
    gad7: int | None = None

    def __post_init__(self):
        if isinstance(self.session, bool) or not isinstance(self.session, int) or self.session < 1:
            raise OutcomeError("A session number is a whole number from 1.")
        _check_total(self.phq9, "PHQ-9", PHQ9_MAX, self.session)
        _check_total(self.gad7, "GAD-7", GAD7_MAX, self.session)

    @property
    def is_paired(self) -> bool:
        return self.phq9 is not None and self.gad7 is not None

    @property
    def at_caseness(self) -> bool:
        return is_case(phq9=self.phq9, gad7=self.gad7)


def _check_total(total: int | None, measure: str, top: int, session: int) -> None:
    if total is None:
        return
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= top:
        raise OutcomeError(
            f"The {measure} total at session {session} must be a whole number from 0 to {top}."
        )


def is_case(*, phq9: int | None, gad7: int | None) -> bool:
    """At caseness on either measure. An unknown total is not below caseness, it is unknown, so
    this answers only for what is known."""
    return (phq9 is not None and phq9 >= PHQ9_CASENESS) or (
        gad7 is not None and gad7 >= GAD7_CASENESS
    )


@dataclass(frozen=True)
class MeasureChange:
    measure: str
    first: int
    last: int
    threshold: int

    @property
    def change(self) -> int:
        return self.last - self.first

    @property
    def reliable_decrease(self) -> bool:
        return self.change <= -self.threshold

    @property
    def reliable_increase(self) -> bool:
        return self.change >= self.threshold

    @property
    def phrase(self) -> str:
        """The change in words: "PHQ-9 fell 7 points (14 → 7), a reliable change"."""
        points = abs(self.change)
        moved = f"{points} point{'' if points == 1 else 's'} ({self.first} → {self.last})"
        if self.change == 0:
            return f"{self.measure} did not change ({self.first} → {self.last})"
        verb = "fell" if self.change < 0 else "rose"
        if self.reliable_decrease or self.reliable_increase:
            return f"{self.measure} {verb} {moved}, a reliable change"
        return (
            f"{self.measure} {verb} {moved}, less than the {self.threshold} points of a reliable "
            "change"
        )


class OutcomeState(StrEnum):
    ASSESSED = "assessed"
    NOT_ENOUGH_PAIRED = "not_enough_paired"


@dataclass(frozen=True)
class Outcome:
    """The Talking Therapies outcome from the first and last paired sessions.

    When ``state`` is NOT_ENOUGH_PAIRED every outcome flag is False and ``phq9``/``gad7`` are
    None. ``recovered`` is False, not "failed", when the client was not at caseness at the start:
    ``recovery_applies`` tells the two apart.
    """

    state: OutcomeState
    paired_sessions: tuple[int, ...]
    # Sessions with one measure but not the other: left out, as the definitions need both.
    unpaired_sessions: tuple[int, ...]
    first: PairedScores | None
    last: PairedScores | None
    phq9: MeasureChange | None
    gad7: MeasureChange | None
    case_at_start: bool
    recovered: bool
    reliable_improvement: bool
    reliable_deterioration: bool
    reliable_recovery: bool

    @property
    def is_assessed(self) -> bool:
        return self.state is OutcomeState.ASSESSED

    @property
    def recovery_applies(self) -> bool:
        return self.is_assessed and self.case_at_start

    @property
    def headline(self) -> str:
        if not self.is_assessed:
            return "Not enough paired scores"
        if self.reliable_recovery:
            return "Reliable recovery"
        if self.reliable_improvement:
            return "Reliable improvement"
        if self.reliable_deterioration:
            return "Reliable deterioration"
        if self._opposed:
            return "No overall reliable change (the measures moved reliably in opposite directions)"
        return "No reliable change"

    @property
    def summary(self) -> str:
        """The outcome in a therapist's words, with the scores it rests on."""
        if not self.is_assessed:
            return self._not_enough()
        assert self.first and self.last and self.phq9 and self.gad7
        return (
            f"{self.headline}: {self.phq9.phrase}; {self.gad7.phrase} "
            f"(session {self.first.session} to session {self.last.session}). "
            f"{self._recovery()}"
        )

    @property
    def _opposed(self) -> bool:
        return bool(
            self.phq9
            and self.gad7
            and (
                (self.phq9.reliable_decrease and self.gad7.reliable_increase)
                or (self.phq9.reliable_increase and self.gad7.reliable_decrease)
            )
        )

    def _recovery(self) -> str:
        assert self.first and self.last
        start, end = self.first, self.last
        if not self.case_at_start:
            return (
                "Recovery does not apply: below caseness on both measures at session "
                f"{start.session} (PHQ-9 {start.phq9}, under {PHQ9_CASENESS}; GAD-7 "
                f"{start.gad7}, under {GAD7_CASENESS})."
            )
        if self.recovered:
            but = "" if self.reliable_recovery else ", though not with a reliable improvement"
            return (
                f"Recovered{but}: at caseness at session {start.session}, below caseness on "
                f"both measures at session {end.session}."
            )
        still = []
        if end.phq9 is not None and end.phq9 >= PHQ9_CASENESS:
            still.append(f"PHQ-9 {end.phq9}, caseness is {PHQ9_CASENESS} or more")
        if end.gad7 is not None and end.gad7 >= GAD7_CASENESS:
            still.append(f"GAD-7 {end.gad7}, caseness is {GAD7_CASENESS} or more")
        return f"Not recovered: still at caseness at session {end.session} ({'; '.join(still)})."

    def _not_enough(self) -> str:
        count = len(self.paired_sessions)
        if count == 0:
            have = "there are none"
        else:
            verb = "is" if count == 1 else "are"
            have = f"there {verb} {count} ({_sessions(self.paired_sessions)})"
        text = (
            "Not enough paired scores: an outcome needs PHQ-9 and GAD-7 both complete at "
            f"{MIN_PAIRED_SESSIONS} or more sessions, and {have}."
        )
        if self.unpaired_sessions:
            text += f" {_sessions(self.unpaired_sessions).capitalize()} had only one of the two."
        return text


def talking_therapies_outcome(pairs: Sequence[PairedScores]) -> Outcome:
    """Recovery and reliable change between the first and last sessions where both PHQ-9 and
    GAD-7 are complete. ``pairs`` are in session order; a session with only one of the two is
    skipped, since every definition compares the two measures together.
    """
    _check_order(pairs)
    paired = [p for p in pairs if p.is_paired]
    unpaired = tuple(p.session for p in pairs if (p.phq9 is None) != (p.gad7 is None))
    numbers = tuple(p.session for p in paired)
    if len(paired) < MIN_PAIRED_SESSIONS:
        first = paired[0] if paired else None
        return Outcome(
            state=OutcomeState.NOT_ENOUGH_PAIRED,
            paired_sessions=numbers,
            unpaired_sessions=unpaired,
            first=first,
            last=None,
            phq9=None,
            gad7=None,
            case_at_start=bool(first and first.at_caseness),
            recovered=False,
            reliable_improvement=False,
            reliable_deterioration=False,
            reliable_recovery=False,
        )
    first, last = paired[0], paired[-1]
    assert first.phq9 is not None and first.gad7 is not None
    assert last.phq9 is not None and last.gad7 is not None
    phq9 = MeasureChange("PHQ-9", first.phq9, last.phq9, PHQ9_RELIABLE_CHANGE)
    gad7 = MeasureChange("GAD-7", first.gad7, last.gad7, GAD7_RELIABLE_CHANGE)
    case_at_start = first.at_caseness
    recovered = case_at_start and not last.at_caseness
    decrease = phq9.reliable_decrease or gad7.reliable_decrease
    increase = phq9.reliable_increase or gad7.reliable_increase
    # A measure cannot reliably rise and fall at once, so "a reliable decrease on one and no
    # reliable increase on the other" is: some decrease and no increase anywhere.
    improvement = decrease and not increase
    deterioration = increase and not decrease
    return Outcome(
        state=OutcomeState.ASSESSED,
        paired_sessions=numbers,
        unpaired_sessions=unpaired,
        first=first,
        last=last,
        phq9=phq9,
        gad7=gad7,
        case_at_start=case_at_start,
        recovered=recovered,
        reliable_improvement=improvement,
        reliable_deterioration=deterioration,
        reliable_recovery=recovered and improvement,
    )


def _check_order(pairs: Sequence[PairedScores]) -> None:
    for before, after in itertools.pairwise(pairs):
        if after.session <= before.session:
            raise OutcomeError(
                f"Scores must be in session order, each session once: session {after.session} "
                f"comes after session {before.session}."
            )


def _sessions(numbers: Sequence[int]) -> str:
    if len(numbers) == 1:
        return f"session {numbers[0]}"
    listed = ", ".join(str(n) for n in numbers[:-1])
    return f"sessions {listed} and {numbers[-1]}"
