"""Layout properties over any map of up to 40 people: nothing overlaps, nobody leaves their ring."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from kithkin.core.bullseye_layout import CLEARANCE, MARK_RADIUS, layout
from kithkin.core.spheres import Entry

labels = st.text(alphabet="aeimnoWMlI .-'()ABCDEFGHIJK", min_size=1, max_size=40)
entries = st.lists(
    st.builds(
        Entry,
        person_id=st.integers(1, 10_000),
        label=labels,
        ring=st.integers(1, 5),
        types=st.just(frozenset()),
        ratings=st.just({}),
    ),
    max_size=40,
    unique_by=lambda e: e.person_id,
)


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@settings(max_examples=60, deadline=None)
@given(entries)
def test_no_label_touches_another_label_or_anyones_mark(people):
    geometry = layout(people)
    boxes = [p.label_box for p in geometry.placed]
    # A mark's clear zone holds its dashed ring and "worth exploring" badge, when it has them.
    zone = MARK_RADIUS + CLEARANCE - 0.5
    zones = [(p.x - zone, p.y - zone, p.x + zone, p.y + zone) for p in geometry.placed]
    for i, box in enumerate(boxes):
        assert box[0] >= 0 and box[2] <= geometry.size
        for j, other in enumerate(boxes):
            assert i == j or not overlaps(box, other)
        for j, mark in enumerate(zones):
            assert i == j or not overlaps(box, mark)


@settings(max_examples=60, deadline=None)
@given(entries)
def test_everyone_sits_in_their_own_ring_and_is_drawn_once(people):
    geometry = layout(people)
    assert sorted(p.entry.person_id for p in geometry.placed) == sorted(e.person_id for e in people)
    for p in geometry.placed:
        distance = math.hypot(p.x - geometry.cx, p.y - geometry.cy)
        inner = geometry.outer[p.entry.ring - 2] if p.entry.ring > 1 else 0.0
        assert inner + MARK_RADIUS <= distance + 1e-6
        assert distance + MARK_RADIUS <= geometry.outer[p.entry.ring - 1] + 1e-6


@given(entries)
def test_the_layout_is_the_same_whatever_order_the_entries_come_in(people):
    forward = layout(people)
    backward = layout(list(reversed(people)))
    assert [(p.entry.person_id, p.x, p.y, p.label) for p in forward.placed] == [
        (p.entry.person_id, p.x, p.y, p.label) for p in backward.placed
    ]
