import ast
import copy
import json
from pathlib import Path

import pytest

from kithkin.core import instruments
from kithkin.core.instruments import (
    Direction,
    InstrumentError,
    ItemState,
    load_instrument,
    read_instrument,
    risk_text,
    score,
    shipped_instruments,
    with_cutoff,
)

ROOT = Path(__file__).resolve().parents[4]
DATA = Path(instruments.__file__).resolve().parent / "data" / "instruments"
EXAMPLE_FILE = ROOT / "docs" / "instruments" / "example-instrument.json"
EXAMPLE_DEFINITION = json.loads(EXAMPLE_FILE.read_text("utf-8"))
EXAMPLE = load_instrument(EXAMPLE_DEFINITION)
PHQ9 = shipped_instruments()["phq9"]
GAD7 = shipped_instruments()["gad7"]
ALLIANCE = shipped_instruments()["alliance"]

# The codes as REFERENCE.md lists them ("Instruments").
PHQ9_ITEM_CODES = [
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
]
GAD7_ITEM_CODES = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
ANSWER_CODES = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
FREQUENCY = {
    0: "Not at all",
    1: "Several days",
    2: "More than half the days",
    3: "Nearly every day",
}


def totalling(instrument, total, *, skip=()):
    """A response to every scored item adding up to ``total``, filled from the first item on, so
    PHQ-9's item 9 stays at 0 unless the total needs it."""
    answers = {}
    for item in instrument.items:
        if not item.scored or item.number in skip:
            continue
        value = min(max(item.values), total)
        answers[item.number] = value
        total -= value
    assert total == 0
    return answers


def all_zero(instrument, **changes):
    answers = {item.number: 0 for item in instrument.items if item.scored}
    answers.update({int(key.removeprefix("item")): value for key, value in changes.items()})
    return answers


# --- The shipped instruments, as REFERENCE.md gives them -----------------------------------------


def test_kithkin_ships_phq9_gad7_and_the_alliance_check_in():
    assert list(shipped_instruments()) == ["phq9", "gad7", "alliance"]
    assert shipped_instruments() is shipped_instruments()


def test_the_shipped_instruments_cannot_be_changed_by_a_caller():
    with pytest.raises(TypeError):
        shipped_instruments()["phq9"] = ALLIANCE


def test_phq9_carries_its_loinc_codes():
    assert (PHQ9.code_system, PHQ9.panel_code, PHQ9.total_code) == (
        "http://loinc.org",
        "44249-1",
        "44261-6",
    )
    assert [item.code for item in PHQ9.items if item.scored] == PHQ9_ITEM_CODES
    assert PHQ9.item(10).code == "69722-7"
    for item in PHQ9.items[:9]:
        assert {o.value: o.code for o in item.options} == ANSWER_CODES


def test_gad7_carries_its_loinc_codes():
    assert (GAD7.code_system, GAD7.panel_code, GAD7.total_code) == (
        "http://loinc.org",
        "69737-5",
        "70274-6",
    )
    assert [item.code for item in GAD7.items] == GAD7_ITEM_CODES
    for item in GAD7.items:
        assert {o.value: o.code for o in item.options} == ANSWER_CODES


def test_phq9_asks_the_published_questions():
    assert PHQ9.instructions == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert [item.text for item in PHQ9.items[:9]] == [
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your "
        "family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ]
    for item in PHQ9.items[:9]:
        assert {o.value: o.label for o in item.options} == FREQUENCY
        assert item.required and item.scored


def test_gad7_asks_the_published_questions():
    assert [item.text for item in GAD7.items] == [
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ]
    for item in GAD7.items:
        assert {o.value: o.label for o in item.options} == FREQUENCY


def test_phq9s_difficulty_question_is_optional_and_never_counted():
    difficulty = PHQ9.item(10)
    assert (difficulty.required, difficulty.scored) == (False, False)
    without = score(PHQ9, totalling(PHQ9, 12))
    with_it = score(PHQ9, {**totalling(PHQ9, 12), 10: 3})
    assert without.total == with_it.total == 12
    assert without.complete and with_it.complete


def test_validated_instruments_say_a_score_is_not_a_diagnosis():
    for instrument in (PHQ9, GAD7):
        assert instrument.validated is True
        assert "not a diagnosis" in instrument.label_note


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
        (27, "Severe"),
    ],
)
def test_phq9_totals_fall_in_kroenkes_bands_at_every_edge(total, band):
    result = score(PHQ9, totalling(PHQ9, total))
    assert (result.total, result.band, result.complete) == (total, band, True)
    assert result.display == f"{total} of 27: {band}"


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Severe"),
        (21, "Severe"),
    ],
)
def test_gad7_totals_fall_in_spitzers_bands_at_every_edge(total, band):
    result = score(GAD7, totalling(GAD7, total))
    assert (result.total, result.band, result.complete) == (total, band, True)


def test_the_bands_are_the_published_ranges():
    assert [(b.low, b.high) for b in PHQ9.bands] == [(0, 4), (5, 9), (10, 14), (15, 19), (20, 27)]
    assert [(b.low, b.high) for b in GAD7.bands] == [(0, 4), (5, 9), (10, 14), (15, 21)]
    assert (PHQ9.low, PHQ9.high, GAD7.low, GAD7.high) == (0, 27, 0, 21)


# --- Item 9 ---------------------------------------------------------------------------------------


def test_it_shows_an_item_9_of_0_as_the_answer_given_and_nothing_more():
    result = score(PHQ9, all_zero(PHQ9))
    assert result.risk is ItemState.NOT_ENDORSED
    assert result.alerts == ()
    assert risk_text(result) == "Item 9 (thoughts of self-harm): answered 'Not at all'"


@pytest.mark.parametrize("value", [1, 2, 3])
def test_it_raises_a_risk_alert_for_any_item_9_answer_of_1_or_more(value):
    result = score(PHQ9, all_zero(PHQ9, item9=value))
    assert result.risk is ItemState.ENDORSED
    assert result.alerts == ("risk",)
    assert risk_text(result) == (
        f"Item 9 (thoughts of self-harm): answered '{FREQUENCY[value]}' — risk alert raised"
    )


def test_it_raises_the_risk_alert_whatever_the_total():
    result = score(PHQ9, all_zero(PHQ9, item9=1))
    assert (result.total, result.band) == (1, "Minimal")
    assert "risk" in result.alerts


def test_it_shows_missing_item_9_as_unknown():
    result = score(PHQ9, totalling(PHQ9, 8, skip={9}))
    assert result.risk is ItemState.UNKNOWN
    assert (result.total, result.band, result.missing) == (None, None, (9,))
    assert result.alerts == ()
    assert risk_text(result) == "Item 9 (thoughts of self-harm): not answered — risk unknown"


def test_it_shows_item_9_as_unknown_when_other_items_are_missing_too():
    result = score(PHQ9, {1: 2, 2: 1, 9: None})
    assert result.risk is ItemState.UNKNOWN
    assert result.missing == (3, 4, 5, 6, 7, 8, 9)
    assert risk_text(result) == "Item 9 (thoughts of self-harm): not answered — risk unknown"


def test_it_raises_the_risk_alert_on_an_incomplete_response():
    result = score(PHQ9, {9: 2})
    assert (result.complete, result.total, result.band) == (False, None, None)
    assert result.alerts == ("risk",)
    assert result.risk is ItemState.ENDORSED
    assert risk_text(result).endswith("answered 'More than half the days' — risk alert raised")


def test_instruments_without_a_self_harm_item_have_no_risk_state():
    result = score(GAD7, totalling(GAD7, 21))
    assert result.risk is None
    assert risk_text(result) is None
    assert score(ALLIANCE, {}).risk is None


def test_item_state_labels_read_as_words():
    assert [state.label for state in ItemState] == ["Endorsed", "Not endorsed", "Unknown"]


# --- Incomplete responses ------------------------------------------------------------------------


def test_an_incomplete_response_has_no_total_and_says_so():
    answers = totalling(PHQ9, 6)
    del answers[8], answers[9]
    result = score(PHQ9, answers)
    assert (result.total, result.band, result.complete) == (None, None, False)
    assert (result.answered, result.missing) == (7, (8, 9))
    assert result.display == "Incomplete: 7 of 9 items answered"


def test_an_empty_response_is_incomplete_rather_than_zero():
    result = score(GAD7, {})
    assert (result.total, result.answered, result.missing) == (None, 0, (1, 2, 3, 4, 5, 6, 7))
    assert result.display == "Incomplete: 0 of 7 items answered"


def test_a_blank_answer_counts_as_unanswered():
    answers = {**totalling(GAD7, 10), 4: None}
    result = score(GAD7, answers)
    assert (result.total, result.missing) == (None, (4,))


def test_the_optional_difficulty_question_alone_does_not_make_a_response_complete():
    result = score(PHQ9, {10: 1})
    assert (result.answered, result.complete) == (0, False)
    assert result.display == "Incomplete: 0 of 9 items answered"


def test_the_score_names_its_instrument():
    assert score(PHQ9, {}).instrument == "phq9"
    assert score(ALLIANCE, {}).instrument == "alliance"


# --- Answers refused -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "answers", "message"),
    [
        (PHQ9, {4: 4}, "PHQ-9 item 4 takes 0, 1, 2 or 3; 4 is not one of them."),
        (PHQ9, {1: -1}, "PHQ-9 item 1 takes 0, 1, 2 or 3; -1 is not one of them."),
        (PHQ9, {2: "2"}, "PHQ-9 item 2 takes 0, 1, 2 or 3; '2' is not one of them."),
        (PHQ9, {3: True}, "PHQ-9 item 3 takes 0, 1, 2 or 3; True is not one of them."),
        (PHQ9, {5: 2.0}, "PHQ-9 item 5 takes 0, 1, 2 or 3; 2.0 is not one of them."),
        (
            ALLIANCE,
            {3: 11},
            "Alliance check-in item 3 takes a whole number from 0 to 10; 11 is not one of them.",
        ),
        (
            ALLIANCE,
            {1: -1},
            "Alliance check-in item 1 takes a whole number from 0 to 10; -1 is not one of them.",
        ),
        (
            ALLIANCE,
            {9: 7.5},
            "Alliance check-in item 9 takes a whole number from 0 to 10; 7.5 is not one of them.",
        ),
        (GAD7, {7: False}, "GAD-7 item 7 takes 0, 1, 2 or 3; False is not one of them."),
    ],
)
def test_an_answer_outside_the_items_answer_set_is_refused_by_name(instrument, answers, message):
    with pytest.raises(InstrumentError) as refused:
        score(instrument, answers)
    assert str(refused.value) == message
    assert refused.value.item == next(iter(answers))


@pytest.mark.parametrize(
    ("instrument", "number", "message"),
    [
        (PHQ9, 11, "PHQ-9 has no item 11; its items are 1 to 10."),
        (PHQ9, 0, "PHQ-9 has no item 0; its items are 1 to 10."),
        (GAD7, 8, "GAD-7 has no item 8; its items are 1 to 7."),
        (GAD7, "1", "GAD-7 has no item '1'; its items are 1 to 7."),
        (GAD7, True, "GAD-7 has no item True; its items are 1 to 7."),
        (GAD7, 1.0, "GAD-7 has no item 1.0; its items are 1 to 7."),
    ],
)
def test_an_unknown_item_number_is_refused(instrument, number, message):
    with pytest.raises(InstrumentError) as refused:
        score(instrument, {number: 0})
    assert str(refused.value) == message


def test_an_unknown_item_number_is_refused_even_when_left_blank():
    with pytest.raises(InstrumentError, match="no item 12"):
        score(PHQ9, {12: None})


def test_answers_must_be_a_mapping_of_item_numbers():
    with pytest.raises(InstrumentError, match="map item numbers to values"):
        score(PHQ9, [0, 1, 2])


# --- The alliance check-in ------------------------------------------------------------------------


def test_the_alliance_check_in_is_labelled_a_reflective_tool():
    assert ALLIANCE.validated is False
    assert "a reflective tool, not a validated instrument" in ALLIANCE.label_note.lower()


def test_the_alliance_check_in_has_nine_first_person_statements_rated_0_to_10():
    assert [item.number for item in ALLIANCE.items] == list(range(1, 10))
    for item in ALLIANCE.items:
        assert item.values == tuple(range(11))
        assert item.text.endswith(".")
        assert item.text.startswith(("I ", "My "))
        assert item.code is None
    assert ALLIANCE.items[0].option(0).label == "0 (not at all)"
    assert ALLIANCE.items[0].option(10).label == "10 (completely)"
    assert (ALLIANCE.low, ALLIANCE.high) == (0, 90)


def test_the_alliance_check_in_carries_no_loinc_codes():
    assert (ALLIANCE.code_system, ALLIANCE.panel_code, ALLIANCE.total_code) == (None, None, None)
    assert all(o.code is None for item in ALLIANCE.items for o in item.options)


def test_the_alliance_check_in_ends_by_asking_what_could_be_better():
    [question] = ALLIANCE.free_text
    assert question.text == "What could be better?"


def test_the_alliance_check_in_has_no_bands_so_a_score_names_none():
    result = score(ALLIANCE, {n: 9 for n in range(1, 10)})
    assert ALLIANCE.bands == ()
    assert (result.total, result.band, result.display) == (81, None, "81 of 90")


def test_an_alliance_total_under_the_default_cut_off_is_flagged_for_the_next_session():
    assert (ALLIANCE.cutoff.value, ALLIANCE.cutoff.direction) == (72, Direction.BELOW)
    under = score(ALLIANCE, totalling(ALLIANCE, 71))
    at = score(ALLIANCE, totalling(ALLIANCE, 72))
    assert under.alerts == ("low_alliance",)
    assert at.alerts == ()
    assert "next session" in ALLIANCE.alert_label("low_alliance")


def test_an_incomplete_alliance_check_in_is_not_flagged_as_low():
    assert score(ALLIANCE, {1: 0, 2: 0}).alerts == ()


def test_a_practice_can_set_its_own_alliance_cut_off():
    ours = with_cutoff(ALLIANCE, 60)
    assert score(ours, totalling(ours, 63)).alerts == ()
    assert score(ours, totalling(ours, 59)).alerts == ("low_alliance",)
    assert ALLIANCE.cutoff.value == 72


@pytest.mark.parametrize("value", [0, 91, -5, 7.5, "60", True])
def test_a_practice_cut_off_outside_the_range_of_totals_is_refused(value):
    with pytest.raises(InstrumentError, match="cut-off"):
        with_cutoff(ALLIANCE, value)


def test_an_instrument_without_a_cut_off_cannot_be_given_one():
    with pytest.raises(InstrumentError, match="PHQ-9 has no cut-off to set"):
        with_cutoff(PHQ9, 10)


# --- The example definition in docs/instruments --------------------------------------------------


def test_the_documented_example_loads_and_scores():
    assert EXAMPLE.title == "Session Rating Example (made up)"
    assert [item.values for item in EXAMPLE.items] == [tuple(range(11))] * 4
    result = score(EXAMPLE, {1: 10, 2: 10, 3: 10, 4: 10})
    assert (result.total, result.band, result.alerts) == (40, "Mostly high ratings", ())


def test_the_documented_example_raises_its_item_alert_and_its_cut_off():
    result = score(EXAMPLE, {1: 9, 2: 9, 3: 2, 4: 8})
    assert (result.total, result.band) == (28, "Mostly high ratings")
    assert result.alerts == ("unheard", "low_rating")
    assert result.watches[0].state is ItemState.ENDORSED
    assert EXAMPLE.alert_label("unheard") == "Could not say what they wanted to say"


def test_the_documented_example_reads_from_its_file_text():
    assert read_instrument(EXAMPLE_FILE.read_text("utf-8")) == EXAMPLE


def test_the_check_command_accepts_the_documented_example(capsys):
    assert instruments.main([str(EXAMPLE_FILE)]) == 0
    assert "Session Rating Example (made up)" in capsys.readouterr().out


def test_the_check_command_names_the_problem_in_a_bad_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**EXAMPLE_DEFINITION, "format": 2}))
    assert instruments.main([str(bad)]) == 1
    assert "'format' must be 1" in capsys.readouterr().err
    assert instruments.main([]) == 2


# --- Definitions refused, one rule at a time ------------------------------------------------------


def refused(change, definition=EXAMPLE_DEFINITION) -> InstrumentError:
    definition = copy.deepcopy(definition)
    change(definition)
    with pytest.raises(InstrumentError) as raised:
        load_instrument(definition)
    return raised.value


PHQ9_DEFINITION = json.loads((DATA / "phq9.json").read_text("utf-8"))


def test_a_definition_must_be_an_object():
    with pytest.raises(InstrumentError, match="The definition must be an object"):
        load_instrument(["phq9"])


def test_an_unknown_key_is_refused_by_its_path():
    error = refused(lambda d: d["items"][0].update(requried=False))
    assert str(error) == (
        "Unknown key 'items[0].requried'. An item may have: number, text, answers, code, "
        "required, scored."
    )
    assert error.key == "items[0].requried"


def test_an_unknown_top_level_key_is_refused():
    assert refused(lambda d: d.update(prorate=True)).key == "prorate"


def test_a_missing_key_is_refused_by_its_path():
    error = refused(lambda d: d.pop("title"))
    assert str(error).startswith("Missing key 'title'. The definition needs: format, code, title")
    assert refused(lambda d: d["items"][2].pop("answers")).key == "items[2].answers"
    assert refused(lambda d: d["bands"][1].pop("label")).key == "bands[1].label"


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (lambda d: d.update(version=1.0), "version", "must be text; it is 1.0."),
        (lambda d: d["items"][0].update(number="1"), "items[0].number", 'it is "1".'),
        (lambda d: d["items"][0].update(number=True), "items[0].number", "it is true."),
        (lambda d: d["items"][1].update(required="yes"), "items[1].required", "true or false"),
        (lambda d: d.update(items={}), "items", "must be a list"),
        (lambda d: d["scoring"].update(high=40.0), "scoring.high", "a whole number"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(change, key, message):
    error = refused(change)
    assert error.key == key
    assert message in str(error)


def test_only_format_1_is_read():
    assert "must be 1" in str(refused(lambda d: d.update(format=2)))


def test_an_instrument_code_must_be_a_key_name():
    error = refused(lambda d: d.update(code="PHQ 9"))
    assert (error.key, "lower-case letters" in str(error)) == ("code", True)


def test_an_empty_title_is_refused():
    assert "must not be empty" in str(refused(lambda d: d.update(title="  ")))


def test_an_unvalidated_instrument_must_say_what_it_is():
    error = refused(lambda d: d.update(label_note=""))
    assert error.key == "label_note"
    load_instrument({**PHQ9_DEFINITION, "label_note": ""})  # a validated one need not


def test_duplicate_item_numbers_are_refused():
    error = refused(lambda d: d["items"][3].update(number=2))
    assert str(error) == "'items[3].number' is 2, which an earlier item already has."


def test_item_numbers_start_at_1():
    assert "numbered from 1" in str(refused(lambda d: d["items"][0].update(number=0)))


def test_duplicate_item_codes_are_refused():
    assert refused(lambda d: d["items"][1].update(code="q1")).key == "items[1].code"


def test_an_item_must_name_an_answer_set_that_exists():
    error = refused(lambda d: d["items"][0].update(answers="zero_to_five"))
    assert str(error) == (
        "'items[0].answers' names 'zero_to_five', which is not one of the answer_sets: zero_to_ten."
    )


def test_an_answer_set_must_have_options():
    assert refused(lambda d: d["answer_sets"].update(zero_to_ten=[])).key == (
        "answer_sets.zero_to_ten"
    )
    assert refused(lambda d: d.update(answer_sets={})).key == "answer_sets"


def test_an_answer_value_given_twice_in_a_set_is_refused():
    error = refused(lambda d: d["answer_sets"]["zero_to_ten"][1].update(value=0))
    assert error.key == "answer_sets.zero_to_ten[1].value"


def test_an_item_counted_in_the_total_must_be_required():
    error = refused(lambda d: d["items"][0].update(required=False))
    assert str(error) == "'items[0].required' must be true for an item that counts in the total."


def test_only_summed_scoring_is_read():
    assert refused(lambda d: d["scoring"].update(method="mean")).key == "scoring.method"


def test_a_declared_range_the_items_do_not_add_up_to_is_refused():
    error = refused(lambda d: d["scoring"].update(high=30))
    assert str(error) == (
        "'scoring' says totals run from 0 to 30, but the scored items add up to 0 to 40."
    )


def test_an_instrument_needs_an_item_that_counts():
    def unscore(definition):
        for item in definition["items"]:
            item["scored"] = False
        definition["bands"] = definition["cutoff"] = None

    assert refused(unscore).key == "items"


def test_a_gap_between_bands_is_refused():
    error = refused(lambda d: d["bands"][1].update(low=15))
    assert (
        str(error)
        == "'bands[1].low' is 15, but the band before it ends at 13: 14 would be in no band."
    )


def test_overlapping_bands_are_refused():
    error = refused(lambda d: d["bands"][2].update(low=25))
    assert str(error) == (
        "'bands[2].low' is 25, but the band before it ends at 27: 25 to 27 would be in two bands."
    )


def test_bands_must_start_at_the_lowest_total():
    error = refused(lambda d: d["bands"][0].update(low=1))
    assert str(error) == "'bands[0].low' is 1, but totals start at 0: 0 would be in no band."


def test_bands_must_end_at_the_highest_total():
    error = refused(lambda d: d["bands"][2].update(high=39))
    assert error.key == "bands[2].high"
    assert "the highest total is 40" in str(error)


def test_a_band_cannot_end_below_its_start():
    assert refused(lambda d: d["bands"][1].update(high=10)).key == "bands[1].high"


@pytest.mark.parametrize("value", [0, 41])
def test_a_cut_off_outside_the_range_of_totals_is_refused(value):
    error = refused(lambda d: d["cutoff"].update(value=value))
    assert error.key == "cutoff.value"
    assert "flag every total or none" in str(error)


def test_a_cut_off_direction_must_be_below_or_at_or_above():
    error = refused(lambda d: d["cutoff"].update(direction="above"))
    assert str(error) == "'cutoff.direction' must be 'below' or 'at_or_above'."


def test_an_alert_on_an_item_that_does_not_exist_is_refused():
    assert refused(lambda d: d["alerts"][0].update(item=7)).key == "alerts[0].item"


def test_an_alert_needs_exactly_one_threshold():
    assert refused(lambda d: d["alerts"][0].update(at_least=8)).key == "alerts[0].at_least"
    assert refused(lambda d: d["alerts"][0].pop("at_most")).key == "alerts[0].at_least"


@pytest.mark.parametrize(("threshold", "value"), [("at_most", 10), ("at_least", 0)])
def test_an_alert_every_answer_or_none_would_raise_is_refused(threshold, value):
    def change(definition):
        definition["alerts"][0].pop("at_most")
        definition["alerts"][0][threshold] = value

    error = refused(change)
    assert error.key == f"alerts[0].{threshold}"
    assert "raised by every answer, or by none" in str(error)


def test_alert_codes_must_differ_from_each_other_and_from_the_cut_off():
    error = refused(lambda d: d["alerts"][0].update(code="low_rating"))
    assert error.key == "alerts[0].code"


def test_free_text_questions_need_distinct_keys():
    error = refused(lambda d: d["free_text"].append(dict(d["free_text"][0])))
    assert error.key == "free_text[1].key"


def test_a_code_without_a_code_system_is_refused():
    assert refused(lambda d: d.update(code_system=None)).key == "panel_code"


def test_a_loinc_code_with_a_wrong_check_digit_is_refused():
    error = refused(lambda d: d["items"][8].update(code="44260-7"), PHQ9_DEFINITION)
    assert str(error) == "'items[8].code' is '44260-7', whose LOINC check digit is wrong: a typo?"


def test_a_loinc_code_of_the_wrong_shape_is_refused():
    assert refused(lambda d: d.update(total_code="44261"), PHQ9_DEFINITION).key == "total_code"
    error = refused(
        lambda d: d["answer_sets"]["frequency"][0].update(code="6568-5"), PHQ9_DEFINITION
    )
    assert error.key == "answer_sets.frequency[0].code"


def test_a_definition_that_is_not_json_is_refused_with_the_line():
    with pytest.raises(InstrumentError, match=r"not valid JSON: .* \(line 1, column 2\)"):
        read_instrument("{code: 1}")


def test_a_key_given_twice_in_a_file_is_refused():
    with pytest.raises(InstrumentError, match="The key 'code' is given twice"):
        read_instrument('{"code": "a", "code": "b"}')


# --- Words the module must never use ----------------------------------------------------------


def _texts_the_module_writes():
    tree = ast.parse(Path(instruments.__file__).read_text("utf-8"))
    yield from (
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )
    for instrument in (PHQ9, GAD7, ALLIANCE, EXAMPLE):
        responses = [
            {},
            totalling(instrument, instrument.low),
            totalling(instrument, instrument.high),
        ]
        for rule in instrument.alert_rules:
            for value in instrument.item(rule.item).values:
                responses += [{rule.item: value}, {**totalling(instrument, 0), rule.item: value}]
            responses.append({**totalling(instrument, 0), rule.item: None})
        for answers in responses:
            result = score(instrument, answers)
            yield result.display
            yield risk_text(result) or ""
        yield from (instrument.alert_label(code) for code in _alert_codes(instrument))
        yield from (instrument.label_note, instrument.title, *(b.label for b in instrument.bands))
    yield from (state.label for state in ItemState)
    for answers in ({4: 4}, {9: "x"}, {99: 0}, [1]):
        try:
            score(PHQ9, answers)
        except InstrumentError as error:
            yield str(error)


def _alert_codes(instrument):
    codes = [rule.code for rule in instrument.alert_rules]
    return codes + ([instrument.cutoff.alert] if instrument.cutoff else [])


def test_no_text_the_module_can_write_says_no_risk():
    offenders = [text for text in _texts_the_module_writes() if "no risk" in text.lower()]
    assert offenders == []


def test_no_definition_or_document_says_no_risk():
    files = [*DATA.glob("*.json"), *(ROOT / "docs" / "instruments").iterdir()]
    assert len(files) >= 5
    assert [f.name for f in files if "no risk" in f.read_text("utf-8").lower()] == []
