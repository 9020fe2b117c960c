"""A client's scores over sessions drawn as one SVG element, on the server, as a plain string.

The severity bands are shaded behind the line and named beside it, so a reader sees where a score
falls without knowing the cut-offs by heart; colour is never the only cue. A session without a
complete score is a break in the line and a dashed marker, never a point at 0: an incomplete
questionnaire is unknown, not "no symptoms". The ``<desc>`` lists every session, so a screen
reader hears what a sighted reader sees.
"""

import datetime
import html
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass


class TrajectoryError(ValueError):
    """Scores or bands the drawing cannot show, in words fit for the therapist."""


INK = "#1F2328"  # 15.8:1 on white
MUTED = "#57606A"  # 6.4:1 on white
LINE = "#0550AE"  # 7.6:1 on white: the line reads as clearly as the text
AXIS = "#8C959F"
# Light to deeper, in order of severity. INK stays above 12:1 on every one of them.
BAND_FILLS = ("#EAF5EC", "#F4F6E2", "#FCF1DC", "#FBE6DC", "#F8DDDD")
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

WIDTH, HEIGHT = 640, 300
LEFT, TOP, BOTTOM = 52, 44, 64
LABEL_COLUMN = 176  # the band names, right of the plot
INSET = 18  # keeps the first and last points off the axes
FONT_SIZE = 12
POINT_RADIUS = 4
MAX_X_LABELS = 16

_HEX = re.compile(r"#[0-9A-Fa-f]{6}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Band:
    """A severity band as the instrument states it: whole scores ``low`` to ``high`` inclusive.

    It is shaded from half a point below ``low`` to half a point above ``high``, so every whole
    score sits inside its band and neighbouring bands meet without a gap.
    """

    low: float
    high: float
    label: str
    fill: str | None = None

    def __post_init__(self):
        for value in (self.low, self.high):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TrajectoryError("A band's limits must be numbers.")
        if self.high < self.low:
            raise TrajectoryError(f"The band {self.label!r} ends below where it starts.")
        if not self.label.strip():
            raise TrajectoryError("Every band needs a name.")
        if self.fill is not None and not _HEX.fullmatch(self.fill):
            raise TrajectoryError(f"The band {self.label!r} needs a colour such as #EAF5EC.")

    @property
    def range_text(self) -> str:
        return f"{_n(self.low)}\N{EN DASH}{_n(self.high)}"

    @property
    def range_words(self) -> str:
        # Screen readers say a dash as "dash"; the text alternative says "to".
        return f"{_n(self.low)} to {_n(self.high)}"

    def holds(self, score: float, *, top: bool) -> bool:
        # The top band takes its upper edge too, so the highest score on the scale belongs to it.
        upper = self.high + 0.5
        return self.low - 0.5 <= score and (score < upper or (top and score <= upper))


@dataclass(frozen=True)
class Point:
    """One attended session's score; None when the questionnaire was not complete."""

    session: int
    score: float | None
    on: datetime.date | None = None

    def __post_init__(self):
        if isinstance(self.session, bool) or not isinstance(self.session, int) or self.session < 1:
            raise TrajectoryError("A session number is a whole number from 1.")
        if self.score is not None and (
            isinstance(self.score, bool)
            or not isinstance(self.score, int | float)
            or not math.isfinite(self.score)
        ):
            raise TrajectoryError(f"The score at session {self.session} must be a number.")


def text_alternative(points: Sequence[Point], *, bands: Sequence[Band]) -> tuple[str, ...]:
    """One line per session, for the ``<desc>`` and for a list beside the drawing."""
    ordered_bands = sorted(bands, key=lambda b: b.low)
    return tuple(_point_text(p, ordered_bands) for p in _ordered(points))


def trajectory_svg(
    points: Sequence[Point],
    *,
    bands: Sequence[Band],
    y_max: float,
    title: str,
    y_label: str = "Score",
    ident: str = "trajectory",
) -> str:
    """One ``<svg>`` element: the bands, the axes, and the scores joined session to session.

    ``y_max`` is the top of the scale (27 for PHQ-9, 21 for GAD-7). ``ident`` prefixes the
    element ids, so two drawings can share a page.
    """
    if isinstance(y_max, bool) or not isinstance(y_max, int | float) or not 0 < y_max < math.inf:
        raise TrajectoryError("The top of the scale must be a number greater than 0.")
    ordered = _ordered(points)
    ordered_bands = _check_bands(bands, y_max)
    for p in ordered:
        if p.score is not None and not 0 <= p.score <= y_max:
            raise TrajectoryError(
                f"The score at session {p.session} ({_n(p.score)}) is outside the scale, 0 to "
                f"{_n(y_max)}."
            )
    ident = re.sub(r"[^A-Za-z0-9_-]", "-", ident) or "trajectory"
    plot = _Plot(ordered, y_max)
    missing = [p for p in ordered if p.score is None]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trajectory" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{_esc(FONT_FAMILY)}">',
        f'<title id="{ident}-title">{_esc(title)}</title>',
        f'<desc id="{ident}-desc">{_esc(_summary(ordered, ordered_bands, y_max))}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#FFFFFF"/>',
        f'<text class="heading" x="{LEFT}" y="24" font-size="15" font-weight="700" '
        f'fill="{INK}">{_esc(title)}</text>',
        *_bands(plot, ordered_bands),
        *_axes(plot, ordered, y_label),
        *_missing(plot, missing),
        *_line(plot, ordered, ordered_bands),
    ]
    if missing:
        y = HEIGHT - 10
        out += [
            '<g class="legend">',
            f'<line x1="{LEFT}" y1="{y - 4}" x2="{LEFT + 20}" y2="{y - 4}" stroke="{MUTED}" '
            'stroke-width="1.5" stroke-dasharray="4 3"/>',
            f'<text x="{LEFT + 26}" y="{y}" font-size="11" fill="{MUTED}">Dashed line: no '
            "complete score at that session; the line breaks there.</text>",
            "</g>",
        ]
    out.append("</svg>")
    return "\n".join(out)


class _Plot:
    def __init__(self, points: Sequence[Point], y_max: float):
        self.x0, self.x1 = LEFT, WIDTH - LABEL_COLUMN
        self.y0, self.y1 = TOP, HEIGHT - BOTTOM
        self.y_max = y_max
        sessions = [p.session for p in points]
        self.first = min(sessions, default=1)
        self.last = max(sessions, default=1)

    def x(self, session: int) -> float:
        if self.first == self.last:
            return (self.x0 + self.x1) / 2
        span = self.x1 - self.x0 - 2 * INSET
        return self.x0 + INSET + (session - self.first) / (self.last - self.first) * span

    def y(self, score: float) -> float:
        clipped = min(max(score, 0), self.y_max)
        return self.y1 - clipped / self.y_max * (self.y1 - self.y0)


def _bands(plot: _Plot, bands: Sequence[Band]) -> list[str]:
    out = ['<g class="bands">']
    label_floor = math.inf  # labels go bottom to top; each keeps clear of the one below
    for index, band in enumerate(bands):
        # Rounded before subtracting, so neighbours share an edge exactly and no hairline shows.
        top = round(plot.y(band.high + 0.5), 2)
        bottom = round(plot.y(band.low - 0.5), 2)
        fill = band.fill or _default_fill(index, len(bands))
        label_y = min((top + bottom) / 2 + FONT_SIZE / 3, label_floor)
        label_floor = label_y - FONT_SIZE - 1
        out += [
            f'<g class="band" data-low="{_n(band.low)}" data-high="{_n(band.high)}">',
            f"<title>{_esc(band.label)}: {band.range_words}</title>",
            f'<rect x="{plot.x0}" y="{_n(top)}" width="{plot.x1 - plot.x0}" '
            f'height="{_n(bottom - top)}" fill="{fill}"/>',
            f'<text class="band-label" x="{plot.x1 + 8}" y="{_n(label_y)}" '
            f'font-size="{FONT_SIZE}" fill="{INK}">{_esc(band.label)} {band.range_text}</text>',
            "</g>",
        ]
    out.append("</g>")
    return out


def _axes(plot: _Plot, points: Sequence[Point], y_label: str) -> list[str]:
    out = [
        '<g class="axes">',
        f'<line x1="{plot.x0}" y1="{plot.y1}" x2="{plot.x1}" y2="{plot.y1}" stroke="{AXIS}"/>',
        f'<line x1="{plot.x0}" y1="{plot.y0}" x2="{plot.x0}" y2="{plot.y1}" stroke="{AXIS}"/>',
    ]
    for value in _y_ticks(plot.y_max):
        y = _n(plot.y(value))
        out += [
            f'<line class="y-tick" x1="{plot.x0 - 5}" y1="{y}" x2="{plot.x0}" y2="{y}" '
            f'stroke="{AXIS}"/>',
            f'<text x="{plot.x0 - 8}" y="{_n(plot.y(value) + 4)}" text-anchor="end" '
            f'font-size="11" fill="{INK}">{_n(value)}</text>',
        ]
    every = math.ceil(len(points) / MAX_X_LABELS) if points else 1
    for index, p in enumerate(points):
        x = _n(plot.x(p.session))
        out.append(
            f'<line class="x-tick" data-session="{p.session}" x1="{x}" y1="{plot.y1}" x2="{x}" '
            f'y2="{plot.y1 + 5}" stroke="{AXIS}"/>'
        )
        if index % every == 0 or index == len(points) - 1:
            out.append(
                f'<text x="{x}" y="{plot.y1 + 18}" text-anchor="middle" font-size="11" '
                f'fill="{INK}">{p.session}</text>'
            )
    middle = _n((plot.y0 + plot.y1) / 2)
    out += [
        f'<text x="{_n((plot.x0 + plot.x1) / 2)}" y="{plot.y1 + 36}" text-anchor="middle" '
        f'font-size="{FONT_SIZE}" fill="{INK}">Session</text>',
        f'<text x="14" y="{middle}" text-anchor="middle" font-size="{FONT_SIZE}" fill="{INK}" '
        f'transform="rotate(-90 14 {middle})">{_esc(y_label)}</text>',
        "</g>",
    ]
    return out


def _missing(plot: _Plot, missing: Sequence[Point]) -> list[str]:
    out = []
    for p in missing:
        x = _n(plot.x(p.session))
        out.append(
            f'<line class="missing" data-session="{p.session}" x1="{x}" y1="{plot.y0}" x2="{x}" '
            f'y2="{plot.y1}" stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="4 3">'
            f"<title>{_esc(_point_text(p, ()))}</title></line>"
        )
    return out


def _line(plot: _Plot, points: Sequence[Point], bands: Sequence[Band]) -> list[str]:
    # Runs of sessions with a score; a session without one ends the run, so the line breaks.
    runs: list[list[tuple[Point, float]]] = [[]]
    for p in points:
        if p.score is None:
            runs.append([])
        else:
            runs[-1].append((p, p.score))
    path = " ".join(
        "M" + " L".join(f"{_n(plot.x(p.session))},{_n(plot.y(score))}" for p, score in run)
        for run in runs
        if len(run) >= 2
    )
    out = ['<g class="scores">']
    if path:
        out.append(
            f'<path class="trajectory-line" d="{path}" fill="none" stroke="{LINE}" '
            'stroke-width="2" stroke-linejoin="round"/>'
        )
    for run in runs:
        for p, score in run:
            out.append(
                f'<circle class="point" data-session="{p.session}" data-score="{_n(score)}" '
                f'cx="{_n(plot.x(p.session))}" cy="{_n(plot.y(score))}" r="{POINT_RADIUS}" '
                f'fill="{LINE}" stroke="#FFFFFF" stroke-width="1.5">'
                f"<title>{_esc(_point_text(p, bands))}</title></circle>"
            )
    out.append("</g>")
    return out


def _summary(points: Sequence[Point], bands: Sequence[Band], y_max: float) -> str:
    if not points:
        return f"No scores yet. Scale 0 to {_n(y_max)}."
    count = len(points)
    text = f"{count} session{'s' if count != 1 else ''}, on a scale of 0 to {_n(y_max)}."
    if bands:
        text += " Bands: " + ", ".join(f"{b.label} {b.range_words}" for b in bands) + "."
    return text + " " + "; ".join(_point_text(p, bands) for p in points) + "."


def _point_text(p: Point, bands: Sequence[Band]) -> str:
    when = f"Session {p.session}" + (f" ({_day(p.on)})" if p.on else "")
    if p.score is None:
        return f"{when}: no complete score"
    band = next((b for i, b in enumerate(bands) if b.holds(p.score, top=i == len(bands) - 1)), None)
    return f"{when}: {_n(p.score)}" + (f", {band.label}" if band else "")


def _ordered(points: Sequence[Point]) -> list[Point]:
    ordered = sorted(points, key=lambda p: p.session)
    for before, after in itertools.pairwise(ordered):
        if before.session == after.session:
            raise TrajectoryError(f"Session {after.session} has two scores; keep one.")
    return ordered


def _check_bands(bands: Sequence[Band], y_max: float) -> list[Band]:
    ordered = sorted(bands, key=lambda b: b.low)
    for band in ordered:
        if band.low < 0 or band.high > y_max:
            raise TrajectoryError(
                f"The band {band.label!r} ({band.range_text}) is outside the scale, 0 to "
                f"{_n(y_max)}."
            )
    for below, above in itertools.pairwise(ordered):
        if above.low <= below.high:
            raise TrajectoryError(f"The bands {below.label!r} and {above.label!r} overlap.")
    return ordered


def _default_fill(index: int, count: int) -> str:
    if count <= 1:
        return BAND_FILLS[0]
    return BAND_FILLS[round(index * (len(BAND_FILLS) - 1) / (count - 1))]


def _y_ticks(y_max: float) -> list[float]:
    # A round step that gives at most six intervals: 27 and 21 step by 5, 10 by 2.
    steps = (s * 10**e for e in range(-2, 7) for s in (1, 2, 5))
    step = next((s for s in steps if y_max / s <= 6), y_max)
    # The small allowance keeps 1 / 0.2 from landing just under 5 in floating point.
    return [i * step for i in range(math.floor(y_max / step + 1e-9) + 1)]


def _esc(value: object) -> str:
    # Characters XML 1.0 forbids even when escaped would make the whole drawing unreadable.
    return html.escape(_CONTROL.sub("", str(value)), quote=True)


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"
