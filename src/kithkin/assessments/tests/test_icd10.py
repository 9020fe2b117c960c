import json

import pytest

from kithkin.assessments import icd10


def test_codes_carry_their_official_titles():
    assert icd10.lookup("F32.1").title == "Major depressive disorder, single episode, moderate"
    assert icd10.lookup("Z63.8").title == (
        "Other specified problems related to primary support group"
    )
    assert icd10.lookup("R45.851").title == "Suicidal ideations"


def test_a_code_is_found_however_it_is_typed():
    assert icd10.lookup("f321") == icd10.lookup(" F32.1 ")


def test_the_list_holds_chapter_5_the_emotional_signs_and_the_psychosocial_z_codes():
    data = json.loads(icd10.DATA.read_text(encoding="utf-8"))
    categories = {code[:3] for code, *_ in data["codes"]}
    assert {"F01", "F32", "F99", "R45", "Z55", "Z63", "Z65"} <= categories
    assert all(c[0] == "F" or c == "R45" or "Z55" <= c <= "Z65" for c in categories)
    assert icd10.lookup("E11.9") is None  # diabetes: outside what a therapist records here


def test_every_code_has_a_title_and_every_heading_has_codes_below_it():
    data = json.loads(icd10.DATA.read_text(encoding="utf-8"))
    recordable = [code for code, title, leaf, _ in data["codes"] if leaf and title]
    headings = [code for code, _, leaf, _ in data["codes"] if not leaf]
    assert len(recordable) > 1000
    bare = [code.replace(".", "") for code in recordable]
    for heading in headings:
        assert any(b.startswith(heading.replace(".", "")) for b in bare), heading


def test_searching_by_code_finds_the_codes_below_it():
    found = [m.code.code for m in icd10.search("F32", limit=50)]
    assert found[:3] == ["F32.0", "F32.1", "F32.2"]
    assert "F32" not in found  # the heading itself is not recorded
    assert all(code.startswith("F32") for code in found)


def test_searching_by_words_matches_the_start_of_each_word_titles_before_terms():
    found = icd10.search("major depress moderate")
    assert [m.code.code for m in found[:2]] == ["F32.1", "F33.1"]
    # Then the codes whose inclusion terms hold every word ("Major neurocognitive disorder ...
    # moderate, with mood disturbance such as depression"), each saying which term matched.
    assert all(m.term for m in found[2:]) and len(found) > 2


def test_a_title_that_opens_with_the_word_comes_first():
    assert icd10.search("depress")[0].code.code == "F32.A"


def test_inclusion_terms_find_codes_and_say_which_term_matched():
    [match] = icd10.search("spiritual")
    assert match.code.code == "Z65.8"
    assert match.term == "Religious or spiritual problem"


def test_code_and_words_combine():
    assert [m.code.code for m in icd10.search("F32 moderate")] == ["F32.1"]


def test_the_count_is_of_every_match_not_only_those_shown():
    shown, total = icd10.search_counted("disorder", limit=5)
    assert len(shown) == 5 and total > 100


@pytest.mark.parametrize("query", ["", "   ", "!!"])
def test_an_empty_search_finds_nothing(query):
    assert icd10.search(query) == []


def test_a_recordable_code_has_no_refusal():
    assert icd10.refusal("F32.1") is None


def test_an_unknown_code_is_refused_with_where_the_list_comes_from():
    reason = icd10.refusal("F99.9")
    assert reason.startswith("F99.9 is not a code in Kithkin's ICD-10-CM list (FY2026")


def test_a_heading_is_refused_with_the_codes_to_choose_from():
    assert icd10.refusal("f32") == (
        "F32 (Depressive episode) is a heading, not a code to record: choose one of the codes "
        "below it, such as F32.0, F32.1, F32.2, F32.3."
    )
