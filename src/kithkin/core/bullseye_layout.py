"""Where each person and label goes on the bullseye, kept apart from the SVG so it can be tested.

Labels run horizontally, outward from the centre: to the right on the right half, to the left on
the left half. Down each side of a ring the people are spaced evenly by height, not by angle, so
the labels on one side of one ring are at least a line apart; a ring is widened when it holds
more people than its circumference allows. A label is shortened (with an ellipsis) where it would
run into a mark further out, and each ring's column is nudged up or down to where that shortens
the fewest labels. The full name is always in the mark's title and in the text list.
"""

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from kithkin.core.spheres import RING_FURTHEST, Entry

FONT_SIZE = 12  # px; stays legible when the map is printed at the width of a page
MARK_RADIUS = 12
LABEL_GAP = 7  # between a mark and its label, clear of a dashed ring
# Between a label and a mark it stops short of; wide enough to clear the dashed ring and the
# "worth exploring" badge, which both stay within MARK_RADIUS + CLEARANCE of the mark's centre.
CLEARANCE = 5
# The least vertical distance between two people on one side of one ring: the label's depth
# below the mark's centre plus the next mark's clear zone, so neighbours on a ring never shorten
# each other's labels.
LINE = 25
BAND = 80  # the width of a ring, unless crowding widens it
# People keep within 80% of the radius vertically: near the top and bottom of a circle a
# horizontal label would cross the next ring's people at a shallow angle.
SPREAD = 0.8
LABEL_WIDTH = 130  # the longest label, about 20 letters; the full name is in the title
MARGIN = 16
ELLIPSIS = "\u2026"
# How far each ring's column may shift down its side, in spacings; 0 first, so it wins ties.
NUDGES = (0.0, *(sign * step * 0.08 for step in range(1, 7) for sign in (-1, 1)))
# Where each ring's column would rather sit when nothing is in the way, so that a small map does
# not line everyone up along the middle like spokes.
PREFERRED = (0.0, -0.24, 0.24, -0.16, 0.16)

# Rough advance widths in em for a sans-serif face; the server has no font metrics, so this errs
# wide and a label is shortened a little early rather than overlapping.
_NARROW = set("fijlrtI!|.,:;'()[] ")
_WIDE = set("MWmw@%")


# Layout tries each ring's column at 13 nudges and measures the same labels each time.
@lru_cache(maxsize=4096)
def text_width(text: str, size: float = FONT_SIZE) -> float:
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.34
        elif char in _WIDE:
            em += 0.9
        elif char.isupper() or char.isdigit():
            em += 0.7
        else:
            em += 0.6
    return em * size


def shorten(text: str, width: float) -> str:
    """``text`` cut with an ellipsis so that it fits ``width``; at least one letter is kept."""
    if text_width(text) <= width:
        return text
    for cut in range(len(text) - 1, 0, -1):
        candidate = text[:cut].rstrip() + ELLIPSIS
        if text_width(candidate) <= width:
            return candidate
    return text[:1] + ELLIPSIS


@dataclass(frozen=True)
class Placed:
    entry: Entry
    x: float  # centre of the mark
    y: float
    side: int  # 1 on the right half, -1 on the left
    label: str  # as drawn, perhaps shortened
    label_x: float  # where the label's text is anchored
    label_y: float  # the label's baseline
    anchor: str  # "start" (right half) or "end" (left half)

    @property
    def label_box(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the label, as estimated."""
        width = text_width(self.label)
        left = self.label_x if self.anchor == "start" else self.label_x - width
        top, bottom = _label_rows(self.y)
        return (left, top, left + width, bottom)


def _label_rows(y: float) -> tuple[float, float]:
    """Top and bottom of a label whose mark is centred at height ``y``."""
    baseline = y + FONT_SIZE * 0.35
    return baseline - FONT_SIZE * 0.8, baseline + FONT_SIZE * 0.25


@dataclass(frozen=True)
class Geometry:
    cx: float
    cy: float
    mids: tuple[float, ...]  # radius people sit on, ring 1 first
    outer: tuple[float, ...]  # outer edge of each ring, ring 1 first
    placed: tuple[Placed, ...]
    size: float  # the bullseye's square, labels included

    @cached_property
    def _obstacles(self) -> tuple[tuple[float, float, tuple[float, float, float, float]], ...]:
        """Every mark (centre height, centre x) and its label's box, top to bottom."""
        return tuple(sorted((p.y, p.x, p.label_box) for p in self.placed))

    def earlier_point(self, ring: int, like: Placed) -> tuple[float, float]:
        """Where to show ``like`` on an earlier map's ``ring``: on that ring and the same side,
        off the person's row so a line from it keeps off their label, at the place nearest to
        just above them that is clear of every mark and label drawn now (or, on a crowded
        ring, the least crowded place)."""
        radius = self.mids[ring - 1]
        limit = 0.95 * radius
        row = like.y - self.cy
        wanted = row - 2.5 * MARK_RADIUS
        steps = range(-int(limit // 6), int(limit // 6) + 1)
        heights = sorted(
            (6.0 * step for step in steps if abs(6.0 * step - row) >= 2 * MARK_RADIUS + 2),
            key=lambda dy: abs(dy - wanted),
        )
        best, best_clearance = wanted, -math.inf
        r, enough = MARK_RADIUS + 2, 2 * MARK_RADIUS + 4
        obstacles = self._obstacles
        for dy in heights:
            x, y = self.cx + like.side * math.sqrt(radius * radius - dy * dy), self.cy + dy
            # Only marks a little more than the clearance above or below can be in the way.
            first = bisect_left(obstacles, (y - enough - FONT_SIZE,))
            last = bisect_right(obstacles, (y + enough + FONT_SIZE,))
            clearance = min(
                (
                    -1.0
                    if _overlap((x - r, y - r, x + r, y + r), box)
                    else math.hypot(px - x, py - y)
                    for py, px, box in obstacles[first:last]
                ),
                default=math.inf,
            )
            if clearance > enough:
                best = dy
                break
            if clearance > best_clearance:
                best, best_clearance = dy, clearance
        best = min(max(best, -limit), limit)
        return self.cx + like.side * math.sqrt(radius * radius - best * best), self.cy + best


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _order(entry: Entry) -> tuple[int, str, int]:
    return (entry.ring, entry.label.casefold(), entry.person_id)


# A mark on one side: (entry, distance out from the centre line, height, label's full width).
_Mark = tuple[Entry, float, float, float]


def _rooms(marks: list[_Mark], rooms: list[float], column: list[_Mark]) -> list[float]:
    """How wide each label may be, for ``marks`` (whose ``rooms`` are known) and then ``column``,
    once ``column`` is added: a label stops short of the first mark further out on its line."""
    everything = marks + column
    result = []
    for index, (_, out, y, _) in enumerate(everything):
        known = index < len(marks)
        room = rooms[index] if known else float(LABEL_WIDTH)
        start = out + MARK_RADIUS + LABEL_GAP
        top, bottom = _label_rows(y)
        low, high = top - MARK_RADIUS - CLEARANCE, bottom + MARK_RADIUS + CLEARANCE
        for _, o_out, o_y, _ in column if known else everything:
            if o_out > out and low < o_y < high:
                room = min(room, o_out - MARK_RADIUS - CLEARANCE - start)
        result.append(room)
    return result


def _cut(marks: list[_Mark], rooms: list[float]) -> float:
    """How much label text, in px, would be cut off."""
    return sum(max(0.0, mark[3] - room) for mark, room in zip(marks, rooms, strict=True))


def _column(people: list[Entry], radius: float, nudge: float) -> list[_Mark]:
    spacing = 2 * SPREAD * radius / len(people)
    marks = []
    for row, entry in enumerate(people):
        y = -SPREAD * radius + (row + 0.5 + nudge) * spacing
        out = math.sqrt(max(radius * radius - y * y, 0.0))
        marks.append((entry, out, y, text_width(entry.label)))
    return marks


def layout(entries: Sequence[Entry]) -> Geometry:
    rings: list[list[Entry]] = [[] for _ in range(RING_FURTHEST)]
    for entry in sorted(entries, key=_order):
        rings[entry.ring - 1].append(entry)

    mids, outer, edge = [], [], 0.0
    for people in rings:
        per_side = math.ceil(len(people) / 2)
        # Tall enough for per_side people a LINE apart, even after a half-spacing nudge.
        mid = max(edge + BAND / 2, (per_side + 1) * LINE / (2 * SPREAD))
        mids.append(mid)
        edge = mid + BAND / 2
        outer.append(edge)

    centre = MARGIN + outer[-1] + MARK_RADIUS + LABEL_GAP + LABEL_WIDTH
    placed: list[Placed] = []
    for side in (1, -1):
        marks: list[_Mark] = []
        rooms: list[float] = []
        # Inside out, each ring's column goes where it cuts the least from the labels so far.
        for index, people in enumerate(rings):
            half = math.ceil(len(people) / 2)
            people_here = people[:half] if side == 1 else people[half:]
            if not people_here:
                continue
            best = None
            preferred = PREFERRED[index] * side
            for nudge in sorted(NUDGES, key=lambda n: abs(n - preferred)):
                column = _column(people_here, mids[index], nudge)
                candidate = _rooms(marks, rooms, column)
                cut = _cut(marks + column, candidate)
                if best is None or cut < best[0]:
                    best = (cut, column, candidate)
                if best[0] == 0:
                    break  # no nudge cuts less than nothing, and the first found wins ties
            marks, rooms = marks + best[1], best[2]
        for (entry, out, y, _), room in zip(marks, rooms, strict=True):
            placed.append(
                Placed(
                    entry=entry,
                    x=centre + side * out,
                    y=centre + y,
                    side=side,
                    label=shorten(entry.label, max(room, FONT_SIZE)),
                    label_x=centre + side * (out + MARK_RADIUS + LABEL_GAP),
                    label_y=centre + y + FONT_SIZE * 0.35,
                    anchor="start" if side == 1 else "end",
                )
            )
    placed.sort(key=lambda p: _order(p.entry))
    return Geometry(centre, centre, tuple(mids), tuple(outer), tuple(placed), 2 * centre)
