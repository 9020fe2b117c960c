"""The practice view's figures: rates over a practice's or a therapist's clients, computed from
counts that were summed in advance, with every figure that rests on too few clients withheld.

The view is read by practice admins, who read no clinical content, and by supervisors and
therapists about colleagues' work. A rate over one or two clients would tell them how those
clients are doing, so a figure that rests on fewer than ``SMALL`` clients is withheld, not
shown: counted in clients, not sessions or check-ins, since ten check-ins of one client are
still that client's. Nothing here names or counts a client on their own.
"""

from dataclasses import dataclass, fields

# Under five, a share can be read back to the people in it (the usual small-cell rule of
# published health statistics).
SMALL = 5

# The alliance item mean (0-10) falls in one of five bands of two points; 10 is in the last.
ALLIANCE_BANDS = ("0 to under 2", "2 to under 4", "4 to under 6", "6 to under 8", "8 to 10")


class FeedbackFiguresError(ValueError):
    """Counts that cannot describe real clients (a negative count, more recovered than
    assessed...), from a bug or a damaged summary, never shown as a figure."""


def alliance_band(mean: float) -> int:
    """The band (0-4) an alliance item mean falls in."""
    if not 0 <= mean <= 10:
        raise FeedbackFiguresError(f"An alliance item mean is from 0 to 10, not {mean}.")
    return min(int(mean // 2), len(ALLIANCE_BANDS) - 1)


@dataclass(frozen=True)
class Counts:
    """Sums over the courses (one client with one therapist) of a practice or a therapist."""

    courses: int = 0
    # Courses with at least one alliance check-in: the clients the alliance figures rest on.
    courses_with_checkins: int = 0
    attended: int = 0
    # Attended sessions with the client's own alliance check-in.
    with_feedback: int = 0
    alliance_sum: float = 0.0
    alliance_bands: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    # Courses with two sessions where PHQ-9 and GAD-7 are both complete.
    assessed: int = 0
    case_at_start: int = 0
    improved: int = 0
    recovered: int = 0
    reliably_recovered: int = 0
    deteriorated: int = 0
    # Episodes closed, and of those, ended by the client or lapsed.
    closed: int = 0
    dropped_out: int = 0
    # Of the episodes closed, those that ended as planned, through the ending phase (issue 9).
    planned: int = 0

    def __post_init__(self):
        whole = [f.name for f in fields(self) if f.name not in ("alliance_sum", "alliance_bands")]
        for name in whole:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise FeedbackFiguresError(f"{name} is a count, not {value!r}.")
        if len(self.alliance_bands) != len(ALLIANCE_BANDS) or any(
            isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in self.alliance_bands
        ):
            raise FeedbackFiguresError("The alliance distribution has five counts.")
        alliance = sum(self.alliance_bands)
        if not 0 <= self.alliance_sum <= 10 * alliance + 1e-6:
            raise FeedbackFiguresError("The alliance sum is out of range for its count.")
        if self.courses_with_checkins > alliance:
            raise FeedbackFiguresError("Each course with check-ins has at least one.")
        pairs = [
            ("with_feedback", "attended"),
            ("courses_with_checkins", "courses"),
            ("assessed", "courses"),
            ("case_at_start", "assessed"),
            ("improved", "assessed"),
            ("deteriorated", "assessed"),
            ("recovered", "case_at_start"),
            ("reliably_recovered", "recovered"),
            ("dropped_out", "closed"),
            ("planned", "closed"),
        ]
        for part, whole_name in pairs:
            if getattr(self, part) > getattr(self, whole_name):
                raise FeedbackFiguresError(f"{part} cannot be more than {whole_name}.")
        if self.planned + self.dropped_out > self.closed:
            raise FeedbackFiguresError("An ending cannot be both planned and a drop-out.")
        if self.improved + self.deteriorated > self.assessed:
            raise FeedbackFiguresError("A course cannot both improve and deteriorate reliably.")

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(
            **{
                f.name: (
                    tuple(
                        a + b
                        for a, b in zip(self.alliance_bands, other.alliance_bands, strict=True)
                    )
                    if f.name == "alliance_bands"
                    else getattr(self, f.name) + getattr(other, f.name)
                )
                for f in fields(self)
            }
        )


@dataclass(frozen=True)
class Share:
    part: int
    of: int
    # What the denominator counts, for the sentence: "clients assessed", "sessions attended".
    of_what: str
    # The clients the share rests on, when the denominator counts something else (sessions).
    clients: int | None = None

    @property
    def withheld(self) -> bool:
        return (self.of if self.clients is None else self.clients) < SMALL

    @property
    def percent(self) -> int | None:
        if self.withheld:
            return None
        return round(100 * self.part / self.of)

    @property
    def text(self) -> str:
        if self.of == 0:
            return f"none yet (no {self.of_what})"
        if self.withheld:
            if self.clients is not None:
                return f"withheld: fewer than {SMALL} clients"
            return f"withheld: fewer than {SMALL} {self.of_what}"
        return f"{self.percent}% ({self.part} of {self.of} {self.of_what})"


@dataclass(frozen=True)
class Band:
    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class Figures:
    courses: int
    alliance_checkins: int
    # None when withheld or when there are no check-ins.
    alliance_average: float | None
    alliance_distribution: tuple[Band, ...] | None
    response_rate: Share
    reliable_improvement: Share
    recovery: Share
    reliable_recovery: Share
    reliable_deterioration: Share
    drop_out: Share
    # Seed 004: an ending looked back on together is part of the work, so the share of endings
    # that were planned is the other side of the drop-out rate.
    planned_endings: Share

    @property
    def alliance_text(self) -> str:
        if self.alliance_checkins == 0:
            return "none yet (no alliance check-ins)"
        if self.alliance_average is None:
            return f"withheld: fewer than {SMALL} clients gave check-ins"
        return f"{self.alliance_average:.1f} out of 10 ({self.alliance_checkins} check-ins)"


def figures(counts: Counts) -> Figures:
    checkins = sum(counts.alliance_bands)
    shown = checkins > 0 and counts.courses_with_checkins >= SMALL
    return Figures(
        courses=counts.courses,
        alliance_checkins=checkins,
        alliance_average=round(counts.alliance_sum / checkins, 1) if shown else None,
        alliance_distribution=(
            tuple(
                Band(label, n, round(100 * n / checkins))
                for label, n in zip(ALLIANCE_BANDS, counts.alliance_bands, strict=True)
            )
            if shown
            else None
        ),
        response_rate=Share(
            counts.with_feedback, counts.attended, "sessions attended", clients=counts.courses
        ),
        reliable_improvement=Share(counts.improved, counts.assessed, "clients assessed"),
        recovery=Share(counts.recovered, counts.case_at_start, "clients at caseness at the start"),
        reliable_recovery=Share(
            counts.reliably_recovered, counts.case_at_start, "clients at caseness at the start"
        ),
        reliable_deterioration=Share(counts.deteriorated, counts.assessed, "clients assessed"),
        drop_out=Share(counts.dropped_out, counts.closed, "episodes closed"),
        planned_endings=Share(counts.planned, counts.closed, "episodes closed"),
    )
