"""Properties of scoring and of the definition checks that hold for every response and every
tiling of a range."""

import copy
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kithkin.core.instruments import (
    InstrumentError,
    ItemState,
    load_instrument,
    score,
    shipped_instruments,
)

EXAMPLE_DEFINITION = json.loads(
    (Path(__file__).resolve().parents[4] / "docs/instruments/example-instrument.json").read_text(
        "utf-8"
    )
)
PHQ9 = shipped_instruments()["phq9"]
INSTRUMENTS = [*shipped_instruments().values(), load_instrument(EXAMPLE_DEFINITION)]
instruments = st.sampled_from(INSTRUMENTS)


def complete_response(draw, instrument):
    """Every required item answered; an optional one answered or left blank."""
    answers = {}
    for item in instrument.items:
        choices = st.sampled_from(item.values)
        answers[item.number] = draw(choices if item.required else st.none() | choices)
    return answers


@given(instruments, st.data())
def test_a_complete_response_totals_its_scored_answers_and_falls_in_exactly_one_band(
    instrument, data
):
    answers = complete_response(data.draw, instrument)
    result = score(instrument, answers)
    expected = sum(answers[item.number] for item in instrument.items if item.scored)
    assert (result.complete, result.total, result.missing) == (True, expected, ())
    assert instrument.low <= result.total <= instrument.high
    holding = [band for band in instrument.bands if result.total in band]
    if instrument.bands:
        assert [band.label for band in holding] == [result.band]
    else:
        assert result.band is None


@given(instruments, st.data())
def test_taking_away_any_required_answer_leaves_the_response_incomplete_without_a_total(
    instrument, data
):
    answers = complete_response(data.draw, instrument)
    required = [item.number for item in instrument.items if item.required]
    taken = data.draw(st.lists(st.sampled_from(required), min_size=1, unique=True))
    blank = data.draw(st.booleans())
    for number in taken:
        if blank:
            answers[number] = None
        else:
            del answers[number]
    result = score(instrument, answers)
    assert (result.complete, result.total, result.band) == (False, None, None)
    assert set(result.missing) == set(taken)
    assert result.answered + len(result.missing) == len(required)
    assert result.display.startswith("Incomplete: ")


not_an_answer = st.one_of(
    st.integers(-1000, 1000),
    st.floats(allow_nan=False),
    st.booleans(),
    st.text(max_size=3),
    st.lists(st.integers(0, 3), max_size=2),
)


@given(instruments, st.data(), not_an_answer)
def test_any_value_outside_an_items_answer_set_is_refused(instrument, data, value):
    item = data.draw(st.sampled_from(instrument.items))
    assume(not (type(value) is int and value in item.values))
    answers = complete_response(data.draw, instrument)
    answers[item.number] = value
    with pytest.raises(InstrumentError) as refused:
        score(instrument, answers)
    assert refused.value.item == item.number


@given(st.dictionaries(st.integers(1, 8), st.none() | st.integers(0, 3)), st.integers(1, 3))
def test_an_item_9_of_1_or_more_raises_the_risk_alert_whatever_else_is_answered(others, item9):
    result = score(PHQ9, {**others, 9: item9})
    assert "risk" in result.alerts
    assert result.risk is ItemState.ENDORSED


@given(st.dictionaries(st.integers(1, 8), st.none() | st.integers(0, 3)))
def test_an_unanswered_item_9_is_always_unknown_and_never_totalled(others):
    result = score(PHQ9, others)
    assert result.risk is ItemState.UNKNOWN
    assert (result.total, result.alerts) == (None, ())


@st.composite
def tilings(draw):
    """Bands over the example's 0-40 range, cut at random places."""
    cuts = sorted(draw(st.sets(st.integers(1, 40), max_size=8)))
    edges = [0, *cuts, 41]
    return [
        {"low": low, "high": high - 1, "label": f"Band {index}"}
        for index, (low, high) in enumerate(itertools.pairwise(edges))
    ]


@given(tilings())
def test_any_tiling_of_the_range_loads_and_names_every_total_once(bands):
    definition = {**copy.deepcopy(EXAMPLE_DEFINITION), "bands": bands}
    instrument = load_instrument(definition)
    for total in range(instrument.low, instrument.high + 1):
        assert sum(total in band for band in instrument.bands) == 1


@given(tilings(), st.data())
def test_moving_any_band_edge_by_one_leaves_a_gap_or_an_overlap_and_is_refused(bands, data):
    index = data.draw(st.integers(0, len(bands) - 1))
    end = data.draw(st.sampled_from(["low", "high"]))
    bands[index][end] += data.draw(st.sampled_from([-1, 1]))
    definition = {**copy.deepcopy(EXAMPLE_DEFINITION), "bands": bands}
    with pytest.raises(InstrumentError) as refused:
        load_instrument(definition)
    assert refused.value.key.startswith("bands[")
