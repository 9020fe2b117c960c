"""Alerts for feedback-informed practice: what a client's newest session should put in front of
the therapist.

In feedback-informed practice an alliance score under the instrument's cut-off, or a drop from
the previous session, is flagged for discussion in the next session; a client who is not
improving by the middle of a typical course is flagged so the plan can be reviewed while there
is still time to change it. PHQ-9 item 9 is different in kind: any answer of 1 or more is a
same-day risk alert, whatever the total (Kroenke, Spitzer & Williams 2001).

These rules only raise alerts. None of them closes one: an earlier risk alert stays open until
the therapist has reviewed it, whatever later sessions say.
"""

import datetime
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from kithkin.core.outcomes import (
    GAD7_MAX,
    PHQ9_MAX,
    Outcome,
    PairedScores,
    talking_therapies_outcome,
)


class AlertError(ValueError):
    """A history or setting the alert rules cannot work from, in words fit for the therapist."""


class AlertKind(StrEnum):
    # Declared in the order alerts are shown: risk first, as it cannot wait for the next session.
    RISK = "risk"
    LOW_ALLIANCE = "low_alliance"
    ALLIANCE_DROP = "alliance_drop"
    ALLIANCE_FALLING = "alliance_falling"
    NO_FEEDBACK = "no_feedback"
    NOT_ON_TRACK = "not_on_track"

    @property
    def label(self) -> str:
        return ALERT_LABELS[self]


ALERT_LABELS = {
    AlertKind.RISK: "Risk: thoughts of self-harm",
    AlertKind.LOW_ALLIANCE: "Alliance under the cut-off",
    AlertKind.ALLIANCE_DROP: "Alliance dropped",
    AlertKind.ALLIANCE_FALLING: "Alliance falling",
    AlertKind.NO_FEEDBACK: "No alliance feedback",
    AlertKind.NOT_ON_TRACK: "Not on track",
}

# PHQ-9 answer labels (Kroenke 2001), so a risk alert says what the client chose.
ITEM9_ANSWERS = {
    0: "not at all",
    1: "several days",
    2: "more than half the days",
    3: "nearly every day",
}

# Float item means of the same answers can differ in the last bit; that is not a drop.
_TOLERANCE = 1e-9


SETTING_LABELS = {
    "low_alliance": "alliance cut-off",
    "drop_margin": "margin for an alliance drop",
    "falling_run": "number of falling alliance scores",
    "no_feedback_run": "number of sessions without feedback",
    "on_track_by_session": "session of the on-track check",
}


@dataclass(frozen=True)
class AlertSettings:
    """The thresholds, per practice or per instrument.

    ``low_alliance``: a score strictly under it is low. The default, 9.0, is on a 0-10 item-mean
    scale (the total divided by the number of items, each marked 0-10); it is the SRS cut-off of
    36 out of 40 (Duncan et al. 2003) on that scale. An instrument's definition file should pass
    its own cut-off, in the same units as the scores given.

    ``drop_margin``: a drop of more than this from the previous score is flagged. The default, 0,
    flags any drop: alliance scores sit near the top of the scale, so in feedback-informed
    practice even a small fall is worth asking about, and asking costs one question.

    ``falling_run``: that many scores in a row, each lower than the one before.
    ``no_feedback_run``: that many attended sessions in a row without an alliance score.
    ``on_track_by_session``: from this session on, no reliable improvement means not on track.
    Eight sessions is about the middle of a typical high-intensity course, late enough for change
    to show and early enough to change the plan.
    """

    low_alliance: float = 9.0
    drop_margin: float = 0.0
    falling_run: int = 3
    no_feedback_run: int = 3
    on_track_by_session: int = 8

    def __post_init__(self):
        for name in ("low_alliance", "drop_margin"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise AlertError(f"The {SETTING_LABELS[name]} must be a number.")
            if not math.isfinite(value) or value < 0:
                raise AlertError(f"The {SETTING_LABELS[name]} must be 0 or more.")
        # One score cannot fall; one session without feedback is an ordinary miss.
        for name in ("falling_run", "no_feedback_run", "on_track_by_session"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 2:
                raise AlertError(f"The {SETTING_LABELS[name]} must be a whole number of 2 or more.")


@dataclass(frozen=True)
class SessionRecord:
    """One attended session. Every score is None when not given or incomplete.

    ``alliance`` is the alliance total or mean, in the units of ``AlertSettings.low_alliance``.
    ``item9`` is the answer to PHQ-9 item 9 (0-3). None means unknown, not 0.
    """

    number: int
    on: datetime.date | None = None
    alliance: float | None = None
    phq9: int | None = None
    gad7: int | None = None
    item9: int | None = None

    def __post_init__(self):
        if isinstance(self.number, bool) or not isinstance(self.number, int) or self.number < 1:
            raise AlertError("A session number is a whole number from 1.")
        if self.alliance is not None and (
            isinstance(self.alliance, bool)
            or not isinstance(self.alliance, int | float)
            or not math.isfinite(self.alliance)
            or self.alliance < 0
        ):
            raise AlertError(f"The alliance score at session {self.number} must be 0 or more.")
        _check_whole(self.phq9, f"The PHQ-9 total at session {self.number}", PHQ9_MAX)
        _check_whole(self.gad7, f"The GAD-7 total at session {self.number}", GAD7_MAX)
        _check_whole(self.item9, f"The answer to PHQ-9 item 9 at session {self.number}", 3)
        if self.item9 is not None and self.phq9 is not None and self.item9 > self.phq9:
            raise AlertError(
                f"At session {self.number} PHQ-9 item 9 ({self.item9}) is more than the PHQ-9 "
                f"total ({self.phq9}): one of them is wrong."
            )


def _check_whole(value: int | None, what: str, top: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise AlertError(f"{what} must be a whole number from 0 to {top}.")


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    reason: str
    # The session the alert is raised at (the newest), and its date when known.
    session: int
    on: datetime.date | None = None
    # The sessions whose scores the rule rests on, oldest first.
    evidence: tuple[int, ...] = ()


def evaluate(
    history: Sequence[SessionRecord], settings: AlertSettings | None = None
) -> tuple[Alert, ...]:
    """The alerts the newest session raises, in AlertKind order, at most one of each kind.

    ``history`` holds the client's attended sessions in session order. Earlier sessions matter
    only as the background the newest one is read against.
    """
    settings = settings or AlertSettings()
    _check_order(history)
    if not history:
        return ()
    alerts = (rule(history, settings) for rule in RULES)
    return tuple(alert for alert in alerts if alert is not None)


def risk(history: Sequence[SessionRecord], settings: AlertSettings) -> Alert | None:
    # An unknown item 9 raises nothing here and says nothing of safety: the page shows it as
    # unknown, and an open risk alert from before stays open.
    latest = history[-1]
    if latest.item9 is None or latest.item9 < 1:
        return None
    return _alert(
        AlertKind.RISK,
        latest,
        f"PHQ-9 item 9 (thoughts of being better off dead or of self-harm) was answered "
        f"{latest.item9}, {ITEM9_ANSWERS[latest.item9]}, at session {latest.number}. Review "
        "risk with the client today, whatever the total.",
        (latest.number,),
    )


def low_alliance(history: Sequence[SessionRecord], settings: AlertSettings) -> Alert | None:
    latest = history[-1]
    if latest.alliance is None or latest.alliance >= settings.low_alliance:
        return None
    return _alert(
        AlertKind.LOW_ALLIANCE,
        latest,
        f"The alliance score at session {latest.number} was {_n(latest.alliance)}, under the "
        f"cut-off of {_n(settings.low_alliance)}. Talk with the client about how the work is "
        "going together at the next session.",
        (latest.number,),
    )


def alliance_drop(history: Sequence[SessionRecord], settings: AlertSettings) -> Alert | None:
    # The previous score is the last one given: a missed check-in in between does not make the
    # fall any less worth asking about.
    scored = _scored(history)
    if len(scored) < 2 or scored[-1] is not history[-1]:
        return None
    before, latest = scored[-2], scored[-1]
    assert before.alliance is not None and latest.alliance is not None
    if before.alliance - latest.alliance <= settings.drop_margin + _TOLERANCE:
        return None
    return _alert(
        AlertKind.ALLIANCE_DROP,
        latest,
        f"The alliance score fell from {_n(before.alliance)} at session {before.number} to "
        f"{_n(latest.alliance)} at session {latest.number}. Ask the client about it at the "
        "next session.",
        (before.number, latest.number),
    )


def alliance_falling(history: Sequence[SessionRecord], settings: AlertSettings) -> Alert | None:
    # A steady slide can stay above the cut-off and each step can look too small to mention; the
    # run is the signal.
    scored = _scored(history)
    run = scored[-settings.falling_run :]
    if len(run) < settings.falling_run or run[-1] is not history[-1]:
        return None
    values = [r.alliance for r in run if r.alliance is not None]
    if not all(a > b for a, b in itertools.pairwise(values)):
        return None
    steps = ", ".join(f"{_n(v)} at session {r.number}" for v, r in zip(values, run, strict=True))
    return _alert(
        AlertKind.ALLIANCE_FALLING,
        history[-1],
        f"The alliance score has fallen at each of the last {len(run)} check-ins: {steps}. "
        "Talk with the client about how the work is going together.",
        tuple(r.number for r in run),
    )


def no_feedback(history: Sequence[SessionRecord], settings: AlertSettings) -> Alert | None:
    # Clients rarely volunteer that the work is not helping; without a check-in, a strained
    # alliance goes unseen.
    run = history[-settings.no_feedback_run :]
    if len(run) < settings.no_feedback_run or any(r.alliance is not None for r in run):
        return None
    numbers = tuple(r.number for r in run)
    return _alert(
        AlertKind.NO_FEEDBACK,
        history[-1],
        f"No alliance check-in at the last {len(run)} sessions ({_listed(numbers)}). Ask the "
        "client for feedback at the next session.",
        numbers,
    )


def silent_run(history: Sequence[SessionRecord]) -> tuple[int, ...]:
    """The numbers of the newest sessions without an alliance score, oldest first: the whole
    silence a no-feedback alert speaks of, however long it has grown since the alert was raised.
    Empty when the newest session has a score."""
    run = list(itertools.takewhile(lambda r: r.alliance is None, reversed(history)))
    return tuple(r.number for r in reversed(run))


def not_on_track(history: Sequence[SessionRecord], settings: AlertSettings) -> Alert | None:
    # Deterioration is flagged whenever it shows; a lack of improvement only once enough sessions
    # have gone by for improvement to be expected.
    latest = history[-1]
    outcome = outcome_so_far(history)
    if outcome.reliable_deterioration:
        why = ""
    elif latest.number >= settings.on_track_by_session and not outcome.reliable_improvement:
        why = f"No reliable improvement by session {latest.number}. "
    else:
        return None
    return _alert(
        AlertKind.NOT_ON_TRACK,
        latest,
        f"{why}{outcome.summary} Review the plan with the client.",
        outcome.paired_sessions,
    )


def outcome_so_far(history: Sequence[SessionRecord]) -> Outcome:
    return talking_therapies_outcome(
        [PairedScores(session=r.number, on=r.on, phq9=r.phq9, gad7=r.gad7) for r in history]
    )


RULES: tuple[Callable[[Sequence[SessionRecord], AlertSettings], Alert | None], ...] = (
    risk,
    low_alliance,
    alliance_drop,
    alliance_falling,
    no_feedback,
    not_on_track,
)


def _alert(kind: AlertKind, latest: SessionRecord, reason: str, evidence: tuple[int, ...]) -> Alert:
    return Alert(kind=kind, reason=reason, session=latest.number, on=latest.on, evidence=evidence)


def _scored(history: Sequence[SessionRecord]) -> list[SessionRecord]:
    return [r for r in history if r.alliance is not None]


def _check_order(history: Sequence[SessionRecord]) -> None:
    for before, after in itertools.pairwise(history):
        if after.number <= before.number:
            raise AlertError(
                f"Sessions must be in order, each once: session {after.number} comes after "
                f"session {before.number}."
            )


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _listed(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
