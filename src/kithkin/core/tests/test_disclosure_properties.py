"""The guard cannot be bypassed: properties over every person, involvement and audience."""

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.disclosure import (
    INSIDE,
    PLACEHOLDER,
    POSSESSIVE_PLACEHOLDER,
    Audience,
    Involvement,
    PartnerView,
    could_name,
    guard,
    redact,
)

# Any value a buggy caller or a stale database row might hand over, not only the enum's.
involvements = st.one_of(
    st.sampled_from(Involvement), st.none(), st.text(max_size=15), st.integers()
)
people = st.lists(
    st.builds(
        PartnerView,
        person_id=st.integers(1, 50),
        label=st.text(max_size=10),
        involvement=involvements,
        role=st.text(max_size=8),
    ),
    max_size=15,
)
audiences = st.one_of(st.sampled_from(Audience), st.text(max_size=20))
outbound = st.one_of(
    st.sampled_from([a for a in Audience if a not in INSIDE]),
    st.text(max_size=20).filter(lambda a: a not in {str(x) for x in INSIDE}),
)


@given(people, outbound)
def test_no_unaware_person_is_ever_kept_for_an_outbound_audience(people, audience):
    for person in guard(people, audience).kept:
        assert person.involvement != Involvement.UNAWARE


@given(people, outbound)
def test_only_known_disclosable_involvements_are_kept_outbound(people, audience):
    # Fail closed: anything not recognised as safe to name is withheld.
    allowed = {"joint_sessions", "informed", "indirect"}
    for person in guard(people, audience).kept:
        assert isinstance(person.involvement, str) and person.involvement in allowed


@given(people, audiences)
def test_kept_and_withheld_are_the_input_nothing_lost_nothing_invented(people, audience):
    guarded = guard(people, audience)
    assert len(guarded.kept) + len(guarded.withheld) == len(people)
    ids = sorted(map(id, people))
    assert sorted(map(id, (*guarded.kept, *guarded.withheld))) == ids
    # Each part keeps the caller's order.
    assert list(guarded.kept) == [p for p in people if any(p is k for k in guarded.kept)]
    assert (guarded.notice == "") == (not guarded.withheld)


@given(people)
def test_inside_the_practice_nobody_is_withheld(people):
    for audience in INSIDE:
        assert guard(people, audience).withheld == ()


words = st.text(alphabet="abcDEFéß'-", min_size=1, max_size=6)
labels = st.lists(words, min_size=1, max_size=3).map(" ".join)
free_text = st.lists(
    st.one_of(words, st.sampled_from([" ", ", ", ". ", "'s ", "\n", "(", ")"])), max_size=30
).map("".join)


def whole_word(label: str) -> re.Pattern[str]:
    core = re.sub(r"^\W+|\W+$", "", label)
    return re.compile(
        r"(?<!\w)" + r"\s+".join(map(re.escape, core.split())) + r"(?!\w)", re.IGNORECASE
    )


@given(st.lists(labels, min_size=1, max_size=4), free_text, st.data())
def test_redacted_text_never_contains_a_withheld_label_as_a_whole_word(names, text, data):
    # Put some of the names into the text, in any case, to give redact something to do.
    for name in names:
        if data.draw(st.booleans()):
            text += " " + data.draw(st.sampled_from([name, name.upper(), name + "'s"]))
    withheld = [PartnerView(i, name, Involvement.UNAWARE) for i, name in enumerate(names)]
    out = redact(text, withheld, roles=False)
    # The placeholder's own words ("person", "life") are not a disclosure; "§" cannot be in a
    # label, so removing the placeholders cannot join two fragments into a new word.
    stripped = out.replace(POSSESSIVE_PLACEHOLDER, "§").replace(PLACEHOLDER, "§")
    for name in names:
        if re.sub(r"^\W+|\W+$", "", name):
            assert not whole_word(name).search(stripped), (name, text, out)


# Any text at all, quotes, backslashes, control characters and odd cases included.
any_text = st.text(max_size=40)


@given(
    st.lists(st.one_of(labels, any_text), min_size=1, max_size=4),
    st.lists(st.one_of(free_text, any_text), max_size=4),
    st.booleans(),
    st.data(),
)
def test_could_name_is_never_false_where_redact_would_change_a_string(names, texts, roles, data):
    # Some of the names, in any case, in some of the strings; the strings in a JSON document as
    # the FHIR facade writes it (compact, non-ASCII as it is).
    texts = [
        t + " " + data.draw(st.sampled_from([n, n.upper(), n.lower() + "'s"]))
        if data.draw(st.booleans())
        else t
        for t in texts
        for n in [data.draw(st.sampled_from(names))]
    ]
    withheld = [
        PartnerView(i, name, Involvement.UNAWARE, role=data.draw(st.one_of(labels, any_text)))
        for i, name in enumerate(names)
    ]
    document = json.dumps({"note": [{"text": t} for t in texts]}, ensure_ascii=False)
    test = could_name(withheld, roles=roles)
    for text in texts:
        if redact(text, withheld, roles=roles) != text:
            assert test(text), (text, withheld)
            assert test(document), (document, withheld)


def test_could_name_says_false_for_a_text_with_none_of_the_words():
    withheld = [PartnerView(1, "Diane Holt", Involvement.UNAWARE, role="roommate")]
    test = could_name(withheld)
    assert not test('{"text":"Slept better; walked with her mother."}')
    assert test('{"text":"ROOMMATE moved out"}')
    assert test("holt")  # a word on its own is enough to say it could
    assert not could_name(withheld, roles=False)("the roommate")
    assert not could_name([])("Diane")
    # A name JSON would write escaped cannot be ruled out from the JSON text.
    assert could_name([PartnerView(2, 'Jo "JJ" Lee', Involvement.UNAWARE)])("nothing here")
