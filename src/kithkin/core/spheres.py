"""The spheres-of-influence map: entries, the suggested ring, incongruence and movement.

A client places the people in their life on five concentric rings, the safest and closest in the
middle, and rates each relationship on the 14 components of healthy relationships. The seed says
that the more components apply, "the closer it probably is to the center", and that where the
placement and the components disagree, this is "an opportunity for curiosity, discovery, and
analysis". So a mismatch here produces a question for the next session, never a verdict: the
wording must not call a placement or a relationship wrong, unhealthy or a problem.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TypeVar

from kithkin.core.vocabulary import COMPONENT_KEYS, COMPONENTS, TYPE_KEYS

RING_CLOSEST = 1
RING_FURTHEST = 5

ABSENT, PARTLY, CLEARLY = 0, 1, 2
RATING_WORDS = {ABSENT: "absent", PARTLY: "partly", CLEARLY: "clearly"}

# A placement this many rings away from the suggestion is worth a question; one ring apart is
# ordinary disagreement between a rough rule and a lived relationship.
INCONGRUENCE_GAP = 2

CLOSER_THAN_FACTORS = "closer_than_factors"
FURTHER_THAN_FACTORS = "further_than_factors"


class SphereError(ValueError):
    """Bad input to the map, in words a client or therapist can act on.

    ``field`` names what was wrong (``ring``, ``ratings``, ``types``, ``label``, ``person``) so a
    form can show the message beside it.
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Entry:
    person_id: int
    label: str
    ring: int
    types: frozenset[str]
    # component key -> 0 absent, 1 partly, 2 clearly; a component not rated counts as absent.
    ratings: Mapping[str, int]
    note: str = ""


def validate_ring(ring: object) -> int:
    whole = isinstance(ring, int) and not isinstance(ring, bool)
    if not (whole and RING_CLOSEST <= ring <= RING_FURTHEST):
        raise SphereError(
            f"Ring must be between {RING_CLOSEST} (closest) and {RING_FURTHEST} (furthest); "
            f"got {ring}.",
            field="ring",
        )
    return ring


def validate_types(types: Iterable[str]) -> frozenset[str]:
    # A lone key is a set of one, not a set of its letters.
    types = frozenset((types,) if isinstance(types, str) else types)
    for key in sorted(types, key=str):
        if key not in TYPE_KEYS:
            raise SphereError(
                f"Unknown relationship type {key!r}; choose from: {', '.join(TYPE_KEYS)}.",
                field="types",
            )
    return types


def validate_ratings(ratings: Mapping[str, int]) -> Mapping[str, int]:
    for key, value in ratings.items():
        if key not in COMPONENTS:
            raise SphereError(
                f"Unknown component {key!r}; choose from the 14 components of healthy "
                "relationships.",
                field="ratings",
            )
        if isinstance(value, bool) or not isinstance(value, int) or value not in RATING_WORDS:
            raise SphereError(
                f"Rating for {COMPONENTS[key].label.lower()} must be 0 (absent), 1 (partly) or "
                f"2 (clearly); got {value}.",
                field="ratings",
            )
    return MappingProxyType(dict(ratings))


def validate_entry(entry: Entry) -> Entry:
    """Returns a cleaned copy of ``entry`` (trimmed label, read-only ratings) or raises."""
    label = (entry.label or "").strip()
    if not label:
        raise SphereError("Give the person a name or a label.", field="label")
    return replace(
        entry,
        label=label,
        ring=validate_ring(entry.ring),
        types=validate_types(entry.types),
        ratings=validate_ratings(entry.ratings),
    )


def components_shown(ratings: Mapping[str, int]) -> int:
    """How many of the 14 components are at least partly present."""
    return sum(1 for key in COMPONENT_KEYS if ratings.get(key, ABSENT) >= PARTLY)


# Points per component: being present at all is what the seed counts, so it earns most; being
# clearly present adds half as much again.
POINTS = {ABSENT: 0, PARTLY: 2, CLEARLY: 3}

# (lowest score, ring), closest first. Every 8 points (about four components shown) is one ring.
RING_THRESHOLDS = ((32, 1), (24, 2), (16, 3), (8, 4), (0, 5))


def component_score(ratings: Mapping[str, int]) -> int:
    validate_ratings(ratings)
    return sum(POINTS[ratings.get(key, ABSENT)] for key in COMPONENT_KEYS)


def suggested_ring(ratings: Mapping[str, int]) -> int:
    """The ring the components alone suggest, from 1 (closest) to 5.

    Each component scores 0 when absent or not rated, 2 when partly present and 3 when clearly
    present (so 0 to 42 in all), and the score maps to a ring:

    =========  ====  ===========================================================
    score      ring  for example
    =========  ====  ===========================================================
    32 to 42   1     11 components clearly, or all 14 shown and 4 of them clearly
    24 to 31   2     12 components partly, or 8 clearly
    16 to 23   3     8 components partly, or 6 clearly
    8 to 15    4     4 components partly, or 3 clearly
    0 to 7     5     3 components partly or fewer
    =========  ====  ===========================================================

    Raising any rating never lowers the score, and a higher score never gives a further ring, so
    the suggestion is monotone: more of a component never moves a person outward. It is a rough
    guide for conversation; the seed says not every component fits every kind of relationship.
    """
    score = component_score(ratings)
    return next(ring for lowest, ring in RING_THRESHOLDS if score >= lowest)


@dataclass(frozen=True)
class Prompt:
    """A question for the next session about one person's placement."""

    person_id: int
    direction: str  # CLOSER_THAN_FACTORS or FURTHER_THAN_FACTORS
    text: str
    placed_ring: int
    suggested_ring: int
    shown: int


def incongruence(entry: Entry) -> Prompt | None:
    """A prompt when the placed ring is two or more rings from the suggested one, else None."""
    suggested = suggested_ring(entry.ratings)
    gap = entry.ring - suggested
    if abs(gap) < INCONGRUENCE_GAP:
        return None
    shown = components_shown(entry.ratings)
    # Worded as an invitation; the seed frames a mismatch as something to be curious about.
    text = (
        f"{entry.label} sits in ring {entry.ring} but shows {shown} of {len(COMPONENT_KEYS)} "
        "components: worth exploring?"
    )
    direction = CLOSER_THAN_FACTORS if gap < 0 else FURTHER_THAN_FACTORS
    return Prompt(entry.person_id, direction, text, entry.ring, suggested, shown)


@dataclass(frozen=True)
class RingChange:
    person_id: int
    label: str
    from_ring: int
    to_ring: int


@dataclass(frozen=True)
class Presence:
    """Someone on only one of the two maps, and the ring they were on."""

    person_id: int
    label: str
    ring: int


@dataclass(frozen=True)
class TypesChange:
    person_id: int
    label: str
    from_types: frozenset[str]
    to_types: frozenset[str]


@dataclass(frozen=True)
class Movement:
    moved_in: tuple[RingChange, ...]
    moved_out: tuple[RingChange, ...]
    new: tuple[Presence, ...]
    gone: tuple[Presence, ...]
    types_changed: tuple[TypesChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.moved_in or self.moved_out or self.new or self.gone or self.types_changed)


def _by_person(entries: Iterable[Entry]) -> dict[int, Entry]:
    keyed: dict[int, Entry] = {}
    for entry in entries:
        if entry.person_id in keyed:
            raise SphereError(
                f"{entry.label} is on this map twice; a person has one place on a map.",
                field="person",
            )
        keyed[entry.person_id] = entry
    return keyed


def movement(before: Iterable[Entry], after: Iterable[Entry]) -> Movement:
    """What changed between two maps of the same client, matched by person.

    Moving in means a smaller ring number (closer). Items are in label order. Swapping the two
    maps swaps moved_in with moved_out and new with gone, and keeps the same types_changed.
    Labels come from the later map for people on both (the name the client uses now).
    """
    earlier, later = _by_person(before), _by_person(after)
    both = [(earlier[pid], later[pid]) for pid in later.keys() & earlier.keys()]
    moved = [RingChange(b.person_id, b.label, a.ring, b.ring) for a, b in both if a.ring != b.ring]
    return Movement(
        moved_in=_in_label_order(m for m in moved if m.to_ring < m.from_ring),
        moved_out=_in_label_order(m for m in moved if m.to_ring > m.from_ring),
        new=_in_label_order(
            Presence(e.person_id, e.label, e.ring)
            for e in later.values()
            if e.person_id not in earlier
        ),
        gone=_in_label_order(
            Presence(e.person_id, e.label, e.ring)
            for e in earlier.values()
            if e.person_id not in later
        ),
        types_changed=_in_label_order(
            TypesChange(b.person_id, b.label, frozenset(a.types), frozenset(b.types))
            for a, b in both
            if frozenset(a.types) != frozenset(b.types)
        ),
    )


_Change = TypeVar("_Change", RingChange, Presence, TypesChange)


def _in_label_order(items: Iterable[_Change]) -> tuple[_Change, ...]:
    return tuple(sorted(items, key=lambda item: (item.label.casefold(), item.person_id)))
