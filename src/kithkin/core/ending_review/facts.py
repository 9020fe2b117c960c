"""The facts an ending review is drafted from: plain values the caller reads from the record."""

import datetime
import math
from dataclasses import dataclass

from kithkin.core.disclosure import PartnerView
from kithkin.core.episodes import (
    EndingType,
    Phase,
)
from kithkin.core.plans import Achievement, Lifecycle
from kithkin.core.referrals import Kind, Reason, Status
from kithkin.core.spheres import Entry


class EndingReviewError(ValueError):
    """Facts a review cannot be drafted from, in words fit for the therapist."""


# --- The facts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseChange:
    """The episode entered ``phase`` on ``on``; ``reason`` as the record gave it (may be empty)."""

    on: datetime.date
    phase: Phase
    reason: str = ""


@dataclass(frozen=True)
class EpisodeFacts:
    """The episode opened in reaching out on ``opened_on``; ``changes`` are every later move."""

    opened_on: datetime.date
    changes: tuple[PhaseChange, ...] = ()
    ending_type: EndingType | None = None  # only once closed


@dataclass(frozen=True)
class SessionTally:
    """Sessions of one kind (``kithkin.core.schedule.Kind``: individual, joint...)."""

    kind: str
    attended: int = 0
    cancelled: int = 0
    late_cancelled: int = 0
    missed: int = 0  # no-show


@dataclass(frozen=True)
class GoalFacts:
    number: int
    description: str
    lifecycle: Lifecycle = Lifecycle.ACTIVE
    achievement: Achievement = Achievement.IN_PROGRESS


@dataclass(frozen=True)
class MeasurePoint:
    session: int
    total: float
    on: datetime.date | None = None

    def __post_init__(self):
        if isinstance(self.session, bool) or not isinstance(self.session, int) or self.session < 1:
            raise EndingReviewError("A session number is a whole number from 1.")
        if (
            isinstance(self.total, bool)
            or not isinstance(self.total, int | float)
            or not math.isfinite(self.total)
        ):
            raise EndingReviewError(f"The score at session {self.session} must be a number.")


@dataclass(frozen=True)
class MeasureSeries:
    """One questionnaire's totals over the episode.

    The method of reliable change: ``sd`` and ``reliability`` given, the reliable change index
    (Jacobson & Truax 1991); else for ``phq9`` and ``gad7`` the NHS Talking Therapies thresholds
    and caseness; else none, and the change is reported without a judgement. ``caseness`` is the
    clinical cut-off: at or above it is a case when lower is better, below it when higher is.
    """

    code: str
    name: str
    points: tuple[MeasurePoint, ...]
    lower_is_better: bool = True
    caseness: float | None = None
    sd: float | None = None
    reliability: float | None = None


@dataclass(frozen=True)
class AllianceSeries:
    points: tuple[MeasurePoint, ...]
    cutoff: float | None = None  # scores under it are talked about in the next session
    name: str = "alliance check-in"
    validated: bool = False


@dataclass(frozen=True)
class SphereMap:
    made_on: datetime.date
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class PartnerAction:
    """Something planned with a therapy partner (``kithkin.partners.PlannedAction``)."""

    person_id: int
    text: str
    planned_on: datetime.date
    window_start: datetime.date
    window_end: datetime.date | None = None
    client_paced: bool = False
    done_on: datetime.date | None = None


@dataclass(frozen=True)
class ReferralFacts:
    kind: Kind
    to: str  # the receiving therapist or service, as the referral names them
    reason: Reason
    status: Status
    sent_on: datetime.date | None = None


@dataclass(frozen=True)
class Facts:
    """Everything the draft is made from; nothing else is read.

    ``people`` holds a :class:`PartnerView` for everyone the maps and partner plans mention; it
    decides who may be named for each audience. ``come_back`` is how to get back in touch (the
    practice's contact), for the open door.
    """

    drafted_on: datetime.date
    episode: EpisodeFacts
    sessions: tuple[SessionTally, ...] = ()
    goals: tuple[GoalFacts, ...] = ()
    measures: tuple[MeasureSeries, ...] = ()
    alliance: AllianceSeries | None = None
    maps: tuple[SphereMap, ...] = ()
    partner_actions: tuple[PartnerAction, ...] = ()
    people: tuple[PartnerView, ...] = ()
    referral: ReferralFacts | None = None
    come_back: str = ""
