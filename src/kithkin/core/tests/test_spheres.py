from dataclasses import replace

import pytest

from kithkin.core.spheres import (
    CLOSER_THAN_FACTORS,
    FURTHER_THAN_FACTORS,
    Entry,
    SphereError,
    component_score,
    components_shown,
    incongruence,
    movement,
    suggested_ring,
    validate_entry,
)
from kithkin.core.vocabulary import COMPONENT_KEYS


def rated(partly: int = 0, clearly: int = 0) -> dict[str, int]:
    """The first ``clearly`` components rated 2, the next ``partly`` rated 1."""
    ratings = {key: 2 for key in COMPONENT_KEYS[:clearly]}
    ratings.update({key: 1 for key in COMPONENT_KEYS[clearly : clearly + partly]})
    return ratings


MOTHER = Entry(1, "Mother", 2, frozenset({"family", "parent_child"}), rated(partly=5, clearly=6))
DIANE = Entry(2, "Diane", 2, frozenset({"friendship"}), rated(partly=2, clearly=1))
EMPLOYER = Entry(3, "Employer", 4, frozenset({"professional", "transactional"}), rated(4, 1))
COWORKERS = Entry(4, "Coworkers", 4, frozenset({"professional"}), rated(partly=5))


def test_a_valid_entry_comes_back_cleaned():
    entry = validate_entry(Entry(1, "  Mother ", 2, frozenset({"family"}), {"safety": 2}))
    assert entry.label == "Mother"
    assert dict(entry.ratings) == {"safety": 2}
    with pytest.raises(TypeError):
        entry.ratings["safety"] = 0  # type: ignore[index]


def test_a_ring_out_of_range_is_rejected_in_plain_words():
    with pytest.raises(SphereError) as caught:
        validate_entry(Entry(1, "Mother", 7, frozenset(), {}))
    assert str(caught.value) == "Ring must be between 1 (closest) and 5 (furthest); got 7."
    assert caught.value.field == "ring"


@pytest.mark.parametrize("ring", [0, 6, -1, "2", 2.0, True, None])
def test_only_whole_rings_one_to_five_are_accepted(ring):
    with pytest.raises(SphereError):
        validate_entry(Entry(1, "Mother", ring, frozenset(), {}))


def test_a_rating_outside_zero_to_two_is_rejected_naming_the_component():
    with pytest.raises(SphereError) as caught:
        validate_entry(Entry(1, "Mother", 2, frozenset(), {"conflict_resolution": 3}))
    assert str(caught.value) == (
        "Rating for conflict resolution must be 0 (absent), 1 (partly) or 2 (clearly); got 3."
    )
    assert caught.value.field == "ratings"


def test_a_true_or_false_is_not_a_rating():
    with pytest.raises(SphereError):
        validate_entry(Entry(1, "Mother", 2, frozenset(), {"safety": True}))


def test_an_unknown_type_is_rejected_with_the_choices():
    with pytest.raises(SphereError) as caught:
        validate_entry(Entry(1, "Diane", 2, frozenset({"roommate"}), {}))
    assert str(caught.value).startswith("Unknown relationship type 'roommate'; choose from: ")
    assert "parent_child" in str(caught.value)
    assert caught.value.field == "types"


def test_an_unknown_component_is_rejected():
    with pytest.raises(SphereError, match="Unknown component 'loyalty'"):
        validate_entry(Entry(1, "Diane", 2, frozenset(), {"loyalty": 1}))


def test_a_person_needs_a_name_or_label():
    with pytest.raises(SphereError, match="name or a label") as caught:
        validate_entry(Entry(1, "   ", 2, frozenset(), {}))
    assert caught.value.field == "label"


def test_a_single_type_key_is_one_type_not_its_letters():
    assert validate_entry(Entry(1, "Mother", 2, "family", {})).types == {"family"}  # type: ignore[arg-type]


def test_components_shown_counts_partly_and_clearly_and_ignores_the_unrated():
    assert components_shown({}) == 0
    assert components_shown({"safety": 0, "respect": 1, "intimacy": 2}) == 2
    assert components_shown(rated(partly=14)) == 14


@pytest.mark.parametrize(
    ("partly", "clearly", "score", "ring"),
    [
        (0, 0, 0, 5),
        (3, 0, 6, 5),
        (2, 1, 7, 5),
        (4, 0, 8, 4),
        (0, 3, 9, 4),
        (1, 4, 14, 4),
        (8, 0, 16, 3),
        (0, 7, 21, 3),
        (12, 0, 24, 2),
        (14, 0, 28, 2),
        (0, 10, 30, 2),
        (10, 4, 32, 1),
        (0, 11, 33, 1),
        (0, 14, 42, 1),
    ],
)
def test_the_suggested_ring_follows_the_documented_thresholds(partly, clearly, score, ring):
    ratings = rated(partly, clearly)
    assert component_score(ratings) == score
    assert suggested_ring(ratings) == ring


def test_the_suggestion_checks_its_input():
    with pytest.raises(SphereError):
        suggested_ring({"safety": 5})


def test_diane_in_ring_two_with_three_components_is_worth_exploring():
    prompt = incongruence(DIANE)
    assert prompt is not None
    assert prompt.text == "Diane sits in ring 2 but shows 3 of 14 components: worth exploring?"
    assert prompt.direction == CLOSER_THAN_FACTORS
    assert (prompt.person_id, prompt.placed_ring, prompt.suggested_ring, prompt.shown) == (
        2,
        2,
        5,
        3,
    )


def test_sam_far_out_with_many_components_is_worth_exploring_too():
    sam = Entry(5, "Sam", 5, frozenset({"friendship"}), rated(partly=12))
    prompt = incongruence(sam)
    assert prompt is not None
    assert prompt.text == "Sam sits in ring 5 but shows 12 of 14 components: worth exploring?"
    assert prompt.direction == FURTHER_THAN_FACTORS


def test_one_ring_of_difference_is_not_worth_a_prompt():
    assert incongruence(MOTHER) is None  # ring 2, suggestion 3
    assert incongruence(EMPLOYER) is None  # ring 4, suggestion 4
    assert incongruence(Entry(6, "Barista", 5, frozenset(), {})) is None


def test_movement_between_alexiss_two_maps():
    march = [replace(MOTHER, ring=3), DIANE, COWORKERS]
    june = [
        MOTHER,
        Entry(2, "Diane", 3, frozenset({"friendship", "casual"}), {}),
        EMPLOYER,
    ]
    change = movement(march, june)
    assert [(m.label, m.from_ring, m.to_ring) for m in change.moved_in] == [("Mother", 3, 2)]
    assert [(m.label, m.from_ring, m.to_ring) for m in change.moved_out] == [("Diane", 2, 3)]
    assert [(p.label, p.ring) for p in change.new] == [("Employer", 4)]
    assert [(p.label, p.ring) for p in change.gone] == [("Coworkers", 4)]
    [typed] = change.types_changed
    assert (typed.label, typed.from_types, typed.to_types) == (
        "Diane",
        {"friendship"},
        {"friendship", "casual"},
    )
    assert not change.is_empty
    assert movement(june, june).is_empty


def test_a_person_cannot_be_on_one_map_twice():
    with pytest.raises(SphereError, match="on this map twice"):
        movement([DIANE, DIANE], [])
