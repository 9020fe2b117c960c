"""Properties of the sphere rules that hold for every rating, ring and pair of maps."""

import re

from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.spheres import (
    RING_CLOSEST,
    RING_FURTHEST,
    Entry,
    SphereError,
    components_shown,
    incongruence,
    movement,
    suggested_ring,
    validate_entry,
)
from kithkin.core.vocabulary import COMPONENT_KEYS, TYPE_KEYS

ratings = st.dictionaries(st.sampled_from(COMPONENT_KEYS), st.integers(0, 2))
rings = st.integers(RING_CLOSEST, RING_FURTHEST)
types = st.frozensets(st.sampled_from(TYPE_KEYS), max_size=4)
labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFG-'", min_size=1, max_size=20).filter(
    str.strip
)


@given(ratings, st.sampled_from(COMPONENT_KEYS), st.integers(0, 2))
def test_raising_a_rating_never_moves_the_suggestion_outward(ratings, key, raised):
    before = ratings.get(key, 0)
    if raised < before:
        return
    assert suggested_ring({**ratings, key: raised}) <= suggested_ring(ratings)


@given(ratings)
def test_the_suggestion_is_always_a_ring(ratings):
    assert RING_CLOSEST <= suggested_ring(ratings) <= RING_FURTHEST
    assert 0 <= components_shown(ratings) <= 14


@given(ratings, ratings)
def test_a_map_with_every_rating_at_least_as_high_is_never_suggested_further_out(a, b):
    higher = {key: max(a.get(key, 0), b.get(key, 0)) for key in COMPONENT_KEYS}
    assert suggested_ring(higher) <= min(suggested_ring(a), suggested_ring(b))


@given(st.integers(), labels, types, ratings)
def test_every_ring_outside_one_to_five_is_rejected(ring, label, types, ratings):
    entry = Entry(1, label, ring, types, ratings)
    if RING_CLOSEST <= ring <= RING_FURTHEST:
        assert validate_entry(entry).ring == ring
        return
    try:
        validate_entry(entry)
    except SphereError as error:
        assert str(error) == (f"Ring must be between 1 (closest) and 5 (furthest); got {ring}.")
    else:
        raise AssertionError(f"ring {ring} was accepted")


@given(st.sampled_from(COMPONENT_KEYS), st.integers().filter(lambda v: v not in (0, 1, 2)))
def test_every_rating_outside_zero_to_two_is_rejected(key, value):
    try:
        validate_entry(Entry(1, "Diane", 2, frozenset(), {key: value}))
    except SphereError as error:
        assert error.field == "ratings"
    else:
        raise AssertionError(f"rating {value} was accepted")


@given(types, st.text(max_size=20).filter(lambda key: key not in TYPE_KEYS))
def test_every_unknown_type_is_rejected(known, unknown):
    try:
        validate_entry(Entry(1, "Diane", 2, known | {unknown}, {}))
    except SphereError as error:
        assert error.field == "types"
    else:
        raise AssertionError(f"type {unknown!r} was accepted")


@given(labels, rings, ratings)
def test_a_prompt_appears_exactly_when_placement_and_components_are_two_rings_apart(
    label, ring, ratings
):
    prompt = incongruence(Entry(1, label, ring, frozenset(), ratings))
    gap = abs(ring - suggested_ring(ratings))
    assert (prompt is not None) == (gap >= 2)
    if prompt is not None:
        # The seed: "an opportunity for curiosity", never a verdict.
        assert prompt.text.endswith("worth exploring?")
        words = prompt.text[len(label) :].lower()
        assert not re.search(r"wrong|unhealthy|problem|bad|toxic|should", words)


def maps(ids):
    # Ratings play no part in movement; leaving them out keeps the search on what matters.
    entry = st.builds(
        Entry,
        person_id=ids,
        label=st.sampled_from(["Mother", "Diane", "Employer", "Coworkers", "Sam"]),
        ring=rings,
        types=types,
        ratings=st.just({}),
    )
    return st.lists(entry, max_size=10, unique_by=lambda e: e.person_id)


two_maps = st.tuples(maps(st.integers(1, 15)), maps(st.integers(1, 15)))


@given(two_maps)
def test_movement_is_symmetric(pair):
    a, b = pair
    forward, backward = movement(a, b), movement(b, a)

    def rings_moved(items, flip=False):
        return {
            (m.person_id, m.to_ring, m.from_ring) if flip else (m.person_id, m.from_ring, m.to_ring)
            for m in items
        }

    assert rings_moved(forward.moved_in) == rings_moved(backward.moved_out, flip=True)
    assert rings_moved(forward.moved_out) == rings_moved(backward.moved_in, flip=True)
    assert {(p.person_id, p.ring) for p in forward.new} == {
        (p.person_id, p.ring) for p in backward.gone
    }
    assert {(p.person_id, p.ring) for p in forward.gone} == {
        (p.person_id, p.ring) for p in backward.new
    }
    assert {(t.person_id, t.from_types, t.to_types) for t in forward.types_changed} == {
        (t.person_id, t.to_types, t.from_types) for t in backward.types_changed
    }


@given(two_maps)
def test_movement_accounts_for_every_person_once_per_kind(pair):
    a, b = pair
    change = movement(a, b)
    before, after = {e.person_id: e for e in a}, {e.person_id: e for e in b}
    assert {p.person_id for p in change.new} == after.keys() - before.keys()
    assert {p.person_id for p in change.gone} == before.keys() - after.keys()
    moved = [m.person_id for m in (*change.moved_in, *change.moved_out)]
    assert sorted(moved) == sorted(
        pid for pid in before.keys() & after.keys() if before[pid].ring != after[pid].ring
    )
    assert all(m.to_ring < m.from_ring for m in change.moved_in)
    assert all(m.to_ring > m.from_ring for m in change.moved_out)
    assert movement(a, a).is_empty
