"""The spheres-of-influence map drawn as one SVG element, on the server, as a plain string.

No scripts, fonts, images or style sheets: the drawing prints, passes a strict content security
policy, and scales with its viewBox. Colour is never the only cue: each mark carries its type's
letters, the legend names them, and every mark has a title. The therapist stands apart from the
rings because, as the seed says, the therapeutic relationship "could fall into literally every
concentric circle".
"""

import html
import math
import re
from collections.abc import Mapping, Sequence

from kithkin.core.bullseye_layout import (
    FONT_SIZE,
    MARGIN,
    MARK_RADIUS,
    Geometry,
    Placed,
    layout,
)
from kithkin.core.bullseye_text import (
    RingSummary,
    describe,
    prompts_for,
    summary,
    text_alternative,
    types_in_order,
)
from kithkin.core.spheres import RING_FURTHEST, Entry, Prompt
from kithkin.core.vocabulary import TYPE_KEYS, TYPES

# The page imports the drawing and its text list from one place.
__all__ = ["RingSummary", "describe", "draw", "text_alternative"]

INK = "#1F2328"
FAINT = "#6E7781"
RING_FILLS = ("#E6EEF5", "#EDF2F7", "#F3F6F9", "#F8FAFB", "#FFFFFF")
NO_TYPE_COLOUR = "#FFFFFF"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
LEGEND_COLUMN = 200
BADGE_OFFSET, BADGE_RADIUS = 10, 7
THERAPIST_CAPTION = (
    "The therapeutic relationship can sit in any ring, so it is drawn apart from them."
)
LEGEND_NOTE = "each mark shows a person's first type; the text list names them all"
RING_NOTE = "Ring 1, the centre, holds the closest and safest; ring 5 the furthest."
NOTES = {
    "prompt": (
        f'<circle cx="{{x}}" cy="{{y}}" r="{MARK_RADIUS + 2}" fill="none" stroke="{INK}" '
        'stroke-width="1.6" stroke-dasharray="4 3"/><text x="{x}" y="{ty}" text-anchor="middle" '
        f'font-size="11" font-weight="700" fill="{INK}">?</text>',
        "Placed much closer or further than the components suggest: worth exploring.",
    ),
    "moved": (
        f'<circle cx="{{x}}" cy="{{y}}" r="{MARK_RADIUS}" fill="none" stroke="{FAINT}" '
        'stroke-width="1.2" stroke-dasharray="2 2"/>',
        "Dotted circle and arrow: where the person was on the earlier map.",
    ),
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(value: object) -> str:
    # Characters XML 1.0 forbids even when escaped would make the whole drawing unreadable.
    return html.escape(_CONTROL.sub("", str(value)), quote=True)


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _mark(p: Placed, prompt: Prompt | None, earlier_ring: int | None) -> list[str]:
    types = types_in_order(p.entry)
    colour = TYPES[types[0]].colour if types else NO_TYPE_COLOUR
    letters = TYPES[types[0]].abbreviation if types else ""
    x, y = _n(p.x), _n(p.y)
    out = [
        f'<g class="person" data-person-id="{_esc(p.entry.person_id)}" data-ring="{p.entry.ring}">',
        f"<title>{_esc(describe(p.entry, prompt, earlier_ring))}</title>",
    ]
    if prompt is not None:
        out.append(
            f'<circle class="incongruent" cx="{x}" cy="{y}" r="{MARK_RADIUS + 3.5}" fill="none" '
            f'stroke="{INK}" stroke-width="1.6" stroke-dasharray="4 3"/>'
        )
    out.append(
        f'<circle cx="{x}" cy="{y}" r="{MARK_RADIUS}" fill="{colour}" '
        f'stroke="{INK if not types else "#FFFFFF"}" stroke-width="1.5"/>'
    )
    if letters:
        out.append(
            f'<text x="{x}" y="{_n(p.y + 4)}" text-anchor="middle" font-size="11" '
            f'font-weight="700" fill="#FFFFFF" aria-hidden="true">{_esc(letters)}</text>'
        )
    if prompt is not None:
        # Up and inward, on the dashed ring: away from the person's own label, and inside the
        # square that other labels already keep clear of (see bullseye_layout.CLEARANCE).
        bx, by = _n(p.x - p.side * BADGE_OFFSET), _n(p.y - BADGE_OFFSET)
        out.append(
            f'<circle class="prompt-marker" cx="{bx}" cy="{by}" r="{BADGE_RADIUS}" fill="#FFF8C5" '
            f'stroke="{INK}" stroke-width="1.2"/>'
            f'<text x="{bx}" y="{_n(p.y - BADGE_OFFSET + 4)}" text-anchor="middle" font-size="11" '
            f'font-weight="700" fill="{INK}" aria-hidden="true">?</text>'
        )
    out.append(
        f'<text class="label" x="{_n(p.label_x)}" y="{_n(p.label_y)}" text-anchor="{p.anchor}" '
        f'font-size="{FONT_SIZE}" fill="{INK}" stroke="#FFFFFF" stroke-width="3" '
        f'stroke-linejoin="round" paint-order="stroke">{_esc(p.label)}</text>'
    )
    out.append("</g>")
    return out


def _movement(geometry: Geometry, p: Placed, earlier_ring: int, ident: str) -> list[str]:
    ex, ey = geometry.earlier_point(earlier_ring, p)
    # A curve that leaves the earlier place level and drops onto the mark from above (or rises
    # from below), so the arrowhead stays visible and the line keeps off the person's label.
    end_y = p.y - MARK_RADIUS - 3 if ey < p.y else p.y + MARK_RADIUS + 3
    start_x = ex + (MARK_RADIUS + 2) * (1 if p.x > ex else -1)
    return [
        f'<g class="movement" data-person-id="{_esc(p.entry.person_id)}">',
        f"<title>{_esc(p.entry.label)}: from ring {earlier_ring} to ring {p.entry.ring}</title>",
        f'<circle cx="{_n(ex)}" cy="{_n(ey)}" r="{MARK_RADIUS}" fill="none" stroke="{FAINT}" '
        f'stroke-width="1.2" stroke-dasharray="2 2"/>',
        f'<path d="M{_n(start_x)},{_n(ey)} Q{_n(p.x)},{_n(ey)} {_n(p.x)},{_n(end_y)}" '
        f'fill="none" stroke="{FAINT}" stroke-width="1.5" marker-end="url(#{ident}-arrow)"/>',
        "</g>",
    ]


def _rings(geometry: Geometry) -> list[str]:
    out = ['<g class="rings">']
    for index in reversed(range(RING_FURTHEST)):
        out.append(
            f'<circle class="ring" data-ring="{index + 1}" cx="{_n(geometry.cx)}" '
            f'cy="{_n(geometry.cy)}" r="{_n(geometry.outer[index])}" fill="{RING_FILLS[index]}" '
            f'stroke="#8C959F" stroke-width="1.2"/>'
        )
    for index, outer in enumerate(geometry.outer):
        out.append(
            f'<text x="{_n(geometry.cx)}" y="{_n(geometry.cy - outer + 16)}" text-anchor="middle" '
            f'font-size="12" font-weight="700" fill="{FAINT}" aria-hidden="true">'
            f"{index + 1}</text>"
        )
    out.append("</g>")
    return out


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def _text(x: float, y: float, text: str, *, size: int = FONT_SIZE, extra: str = "") -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" fill="{INK}"{extra}>{_esc(text)}</text>'
    )


def _therapist(x: float, y: float, label: str) -> list[str]:
    out = [
        '<g class="therapist">',
        f"<title>{_esc(label)}: the therapeutic relationship can sit in any ring, so it is drawn "
        "apart from them.</title>",
        f'<rect x="{_n(x)}" y="{_n(y)}" width="26" height="26" rx="5" fill="#FFFFFF" '
        f'stroke="{INK}" stroke-width="2"/>',
        f'<text x="{_n(x + 13)}" y="{_n(y + 17.5)}" text-anchor="middle" font-size="11" '
        f'font-weight="700" fill="{INK}" aria-hidden="true">Th</text>',
        _text(x + 36, y + 17.5, label, size=13, extra=' font-weight="700"'),
    ]
    y += 46
    for line in _wrap(THERAPIST_CAPTION, 34):
        out.append(_text(x, y, line))
        y += 16
    return [*out, "</g>"]


def _legend(
    x: float, y: float, width: float, entries: Sequence[Entry], notes: list[str]
) -> tuple[list[str], float]:
    out = [
        '<g class="legend">',
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="13" fill="{INK}">'
        f'<tspan font-weight="700">Relationship types</tspan> ({_esc(LEGEND_NOTE)})</text>',
    ]
    # The legend explains what is drawn: each mark shows its person's first type, so those are
    # the types listed; the titles and the text list name every type.
    drawn = {types_in_order(e)[0] for e in entries if e.types}
    rows = [
        (TYPES[k].colour, TYPES[k].abbreviation, TYPES[k].label) for k in TYPE_KEYS if k in drawn
    ]
    if any(not e.types for e in entries):
        rows.append((NO_TYPE_COLOUR, "", "No type named yet"))
    columns = max(1, int(width // LEGEND_COLUMN))
    for index, (colour, letters, label) in enumerate(rows):
        cx = x + 12 + (index % columns) * LEGEND_COLUMN
        cy = y + 24 + (index // columns) * 26
        stroke = INK if not letters else "#FFFFFF"
        out += [
            f'<circle cx="{_n(cx)}" cy="{_n(cy - 4)}" r="{MARK_RADIUS}" fill="{colour}" '
            f'stroke="{stroke}" stroke-width="1.5"/>',
            f'<text x="{_n(cx)}" y="{_n(cy)}" text-anchor="middle" font-size="11" '
            f'font-weight="700" fill="#FFFFFF" aria-hidden="true">{_esc(letters)}</text>',
            _text(cx + 20, cy, label),
        ]
    y += 24 + 26 * math.ceil(len(rows) / columns) + 8
    for note in notes:
        symbol, text = NOTES[note]
        out += [symbol.format(x=_n(x + 12), y=_n(y - 4), ty=_n(y)), _text(x + 32, y, text)]
        y += 28
    return [*out, "</g>"], y


def draw(
    entries: Sequence[Entry],
    *,
    title: str,
    therapist_label: str | None = "Your therapist",
    prompts: Mapping[int, Prompt] | None = None,
    previous: Mapping[int, int] | None = None,
    ident: str = "bullseye",
) -> str:
    """One ``<svg>`` element for the map.

    ``prompts`` (person id -> prompt) defaults to every incongruence in ``entries``; pass ``{}``
    to draw none (say, before the client has reached that step at home). ``previous`` (person id
    -> ring on the earlier map) draws movement for those whose ring changed. ``ident`` prefixes
    the element ids, so two maps can share a page.
    """
    prompts = prompts_for(entries, prompts)
    previous = previous or {}
    geometry = layout(entries)
    moved = [
        p for p in geometry.placed if previous.get(p.entry.person_id) not in (None, p.entry.ring)
    ]
    ident = re.sub(r"[^A-Za-z0-9_-]", "-", ident) or "bullseye"
    size = geometry.size
    notes = [n for n, shown in (("prompt", prompts), ("moved", moved)) if shown]
    legend, bottom = _legend(
        MARGIN, geometry.cy + geometry.outer[-1] + 34, size - 2 * MARGIN, entries, notes
    )
    width, height = size, max(size, bottom + MARGIN)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bullseye" viewBox="0 0 {_n(width)} '
        f'{_n(height)}" width="{_n(width)}" height="{_n(height)}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{_esc(FONT_FAMILY)}">',
        f'<title id="{ident}-title">{_esc(title)}</title>',
        f'<desc id="{ident}-desc">{_esc(summary(entries, prompts, therapist_label is not None))}'
        "</desc>",
        f'<defs><marker id="{ident}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{FAINT}"/></marker></defs>',
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#FFFFFF"/>',
        *_rings(geometry),
    ]
    # Top corners are outside every ring and clear of every label (people keep to the middle
    # 80% of the height), so the therapist stands there, apart, and the key to the rings opposite.
    if therapist_label is not None:
        out += _therapist(MARGIN, MARGIN, therapist_label)
    for i, line in enumerate(_wrap(RING_NOTE, 30)):
        out.append(_text(width - MARGIN, MARGIN + 14 + 16 * i, line, extra=' text-anchor="end"'))
    for p in moved:
        out += _movement(geometry, p, previous[p.entry.person_id], ident)
    out.append('<g class="people">')
    for p in geometry.placed:
        pid = p.entry.person_id
        out += _mark(p, prompts.get(pid), previous.get(pid))
    out.append("</g>")
    out += legend
    out.append("</svg>")
    return "\n".join(out)
