"""The bullseye in words: each person's title, the drawing's summary, and the text list.

The same sentences serve the marks' titles in the SVG and the list a page shows beside it, so a
screen reader, a printout and a glance at the drawing all say the same thing.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kithkin.core.spheres import (
    RING_CLOSEST,
    RING_FURTHEST,
    Entry,
    Prompt,
    components_shown,
    incongruence,
)
from kithkin.core.vocabulary import COMPONENT_KEYS, TYPE_KEYS, TYPES


def types_in_order(entry: Entry) -> list[str]:
    return [key for key in TYPE_KEYS if key in entry.types]


def _ring_name(ring: int) -> str:
    extra = {RING_CLOSEST: " (closest)", RING_FURTHEST: " (furthest)"}.get(ring, "")
    return f"Ring {ring}{extra}"


def describe(
    entry: Entry,
    prompt: Prompt | None = None,
    earlier_ring: int | None = None,
    *,
    with_ring: bool = True,
) -> str:
    """One person in words, for the mark's title and (without the ring) the text list."""
    types = ", ".join(TYPES[key].label.lower() for key in types_in_order(entry)) or "no type named"
    shown = components_shown(entry.ratings)
    ring = f"ring {entry.ring}; " if with_ring else ""
    parts = [f"{entry.label}: {ring}{types}; shows {shown} of {len(COMPONENT_KEYS)} components."]
    if earlier_ring is not None and earlier_ring != entry.ring:
        parts.append(f"Was in ring {earlier_ring}.")
    if prompt is not None:
        parts.append(prompt.text)
    return " ".join(parts)


@dataclass(frozen=True)
class RingSummary:
    ring: int
    heading: str  # "Ring 1 (closest)"
    people: tuple[str, ...]  # one sentence per person, in the drawing's order; empty if nobody


def prompts_for(
    entries: Sequence[Entry], prompts: Mapping[int, Prompt] | None
) -> Mapping[int, Prompt]:
    if prompts is not None:
        return prompts
    found = {}
    for entry in entries:
        prompt = incongruence(entry)
        if prompt is not None:
            found[entry.person_id] = prompt
    return found


def text_alternative(
    entries: Sequence[Entry],
    prompts: Mapping[int, Prompt] | None = None,
    previous: Mapping[int, int] | None = None,
) -> tuple[RingSummary, ...]:
    """The map as a list, ring by ring, for screen readers and for anyone who prefers text."""
    prompts = prompts_for(entries, prompts)
    previous = previous or {}
    ordered = sorted(entries, key=lambda e: (e.ring, e.label.casefold(), e.person_id))
    return tuple(
        RingSummary(
            ring=ring,
            heading=_ring_name(ring),
            people=tuple(
                describe(e, prompts.get(e.person_id), previous.get(e.person_id), with_ring=False)
                for e in ordered
                if e.ring == ring
            ),
        )
        for ring in range(RING_CLOSEST, RING_FURTHEST + 1)
    )


def summary(entries: Sequence[Entry], prompts: Mapping[int, Prompt], therapist: bool) -> str:
    counts = [sum(1 for e in entries if e.ring == ring) for ring in range(1, RING_FURTHEST + 1)]
    people = "1 person" if len(entries) == 1 else f"{len(entries)} people"
    rings = "; ".join(f"{_ring_name(i + 1).lower()}: {n}" for i, n in enumerate(counts))
    text = f"Spheres of influence: {people} on {RING_FURTHEST} rings ({rings})."
    if prompts:
        n = len(prompts)
        text += f" {n} placement{'s' if n != 1 else ''} worth exploring."
    if therapist:
        text += " The therapist is drawn apart from the rings."
    return text + " The same information follows as a list."
