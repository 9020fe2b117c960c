import pytest

from kithkin.core.assessments import (
    LEVELS,
    MAX_CODES,
    TEXTS,
    AssessmentRefused,
    Findings,
    RiskLevel,
    check,
    level_fields,
    looks_like_code,
    normalise_code,
)


def test_the_five_levels_of_seed_004_in_its_order():
    assert [level.key for level in LEVELS] == [
        "personal",
        "familial",
        "social",
        "ecological",
        "spiritual",
    ]


def test_each_level_keeps_resources_apart_from_challenges():
    for level in LEVELS:
        resources, challenges = level_fields(level)
        assert {resources, challenges} <= set(TEXTS)


def test_the_lowest_risk_level_says_none_known_never_no_risk():
    assert RiskLevel.NONE_KNOWN.label == "None known"
    assert all("no risk" not in risk.label.lower() for risk in RiskLevel)


@pytest.mark.parametrize("risk", ["moderate", "high"])
def test_a_moderate_or_high_risk_needs_a_note(risk):
    with pytest.raises(AssessmentRefused, match=f"A {risk} risk needs a note") as refused:
        check(Findings(risk_level=risk, risk_note="   "))
    assert refused.value.field == "risk_note"


@pytest.mark.parametrize("risk", ["none_known", "low"])
def test_a_lower_risk_may_go_without_a_note(risk):
    assert check(Findings(risk_level=risk)).risk_level == RiskLevel(risk)


def test_an_unknown_risk_level_is_refused_by_name():
    with pytest.raises(AssessmentRefused, match="'grave' is not a risk level") as refused:
        check(Findings(risk_level="grave"))
    assert refused.value.field == "risk_level"


def test_checked_findings_are_stripped_and_codes_normalised_once_each():
    kept = check(
        Findings(
            presenting_concerns="  I feel flat.  ",
            risk_level="low",
            codes=("f321", "F32.1", " z63.8 ", ""),
        )
    )
    assert kept.presenting_concerns == "I feel flat."
    assert kept.codes == ("F32.1", "Z63.8")


def test_more_codes_than_a_starting_point_are_refused():
    codes = tuple(f"F4{n}.0" for n in range(MAX_CODES + 1))
    with pytest.raises(AssessmentRefused, match="more than a starting point") as refused:
        check(Findings(codes=codes))
    assert refused.value.field == "codes"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("f321", "F32.1"),
        ("F32.1", "F32.1"),
        (" F32 ", "F32"),
        ("z6372", "Z63.72"),
        ("F32.A", "F32.A"),
    ],
)
def test_codes_are_written_as_the_tabular_list_writes_them(typed, code):
    assert normalise_code(typed) == code


def test_text_that_is_no_code_comes_back_for_refusal_by_name():
    assert normalise_code(" hello ") == "HELLO"


@pytest.mark.parametrize(("word", "is_code"), [("F32", True), ("f3", True), ("family", False)])
def test_a_search_word_that_starts_like_a_code_is_a_code(word, is_code):
    assert looks_like_code(word) is is_code
