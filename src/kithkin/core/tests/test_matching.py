"""Ranking therapists for an inquiry: every reason, every caution, the order, and the edges."""

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.access import Action, Actor, PracticeScope, Role, can
from kithkin.core.matching import (
    LANGUAGES,
    MODALITIES,
    SETTINGS,
    SPECIALTIES,
    TIMES,
    Preferences,
    Profile,
    Suggestion,
    populations_in,
    rank,
    score,
    specialties_in,
    unavailable,
)


def profile(therapist_id=1, name="Alice", **changes) -> Profile:
    return Profile(therapist_id=therapist_id, name=name, capacity=5, active_clients=2, **changes)


def test_the_issues_example_reads_as_the_issue_wrote_it():
    wants = Preferences(
        concerns="I have been depressed since the winter",
        availability=("weekday_evening",),
        setting="video",
    )
    alice = profile(specialties=("depression",), times=("weekday_evening",), settings=("video",))
    [suggestion] = rank(wants, [alice])
    assert suggestion == Suggestion(
        therapist_id=1,
        score=3 + 2 + 2,
        reasons=("specialises in depression", "offers evening video sessions", "3 open slots"),
        cautions=(),
    )


# Each preference on its own, against a profile that fits and one that does not.
#   preferences, profile changes, score, reasons (before the open slots), cautions
REASONS = [
    pytest.param(
        Preferences(concerns="Panic attacks and worrying all the time"),
        {"specialties": ("anxiety",)},
        3,
        ("specialises in anxiety",),
        (),
        id="specialty from the concerns",
    ),
    pytest.param(
        Preferences(concerns="Grieving my father, and I feel hopeless"),
        {"specialties": ("grief", "depression")},
        6,
        ("specialises in depression and grief and loss",),
        (),
        id="two specialties, one reason",
    ),
    pytest.param(
        Preferences(concerns="Flashbacks of the accident"),
        {"specialties": ("depression",)},
        0,
        (),
        ("does not list trauma",),
        id="specialty missing",
    ),
    pytest.param(
        Preferences(concerns="We are a couple who argue"),
        {"populations": ("couples",)},
        2,
        ("works with couples",),
        (),
        id="population from the concerns",
    ),
    pytest.param(
        Preferences(concerns="My teenager will not talk to me"),
        {"populations": ("adults",)},
        0,
        (),
        ("does not list work with adolescents",),
        id="population missing",
    ),
    pytest.param(
        Preferences(modalities=("emdr", "cbt")),
        {"modalities": ("cbt", "emdr")},
        4,
        ("offers EMDR and Cognitive behavioural therapy",),
        (),
        id="modalities offered",
    ),
    pytest.param(
        Preferences(modalities=("emdr", "act")),
        {"modalities": ("emdr",)},
        2,
        ("offers EMDR",),
        ("does not offer Acceptance and commitment therapy",),
        id="one modality of two",
    ),
    pytest.param(
        Preferences(languages=("es",)),
        {"languages": ("en", "es")},
        3,
        ("speaks Spanish",),
        (),
        id="language spoken",
    ),
    pytest.param(
        Preferences(languages=("es", "en")),
        {"languages": ("en", "es")},
        3,
        ("speaks Spanish and English",),
        (),
        id="one shared language is enough: counted once",
    ),
    pytest.param(
        Preferences(languages=("fr", "ar")),
        {"languages": ("en",)},
        0,
        (),
        ("does not speak French or Arabic",),
        id="language not spoken",
    ),
    pytest.param(
        Preferences(therapist_gender="woman"),
        {"gender": "woman"},
        2,
        ("is a woman therapist",),
        (),
        id="gender asked for",
    ),
    pytest.param(
        Preferences(therapist_gender="woman"),
        {"gender": "man"},
        0,
        (),
        ("is not a woman therapist",),
        id="gender not as asked",
    ),
    pytest.param(
        Preferences(therapist_gender="man"),
        {},
        0,
        (),
        ("has not said their gender (a man therapist was asked for)",),
        id="gender not said",
    ),
    pytest.param(
        Preferences(faith="integrated"),
        {"faith_integrated": True},
        2,
        ("integrates faith into therapy",),
        (),
        id="faith integrated",
    ),
    pytest.param(
        Preferences(faith="integrated"),
        {},
        0,
        (),
        ("does not integrate faith into therapy",),
        id="faith not integrated",
    ),
    pytest.param(
        Preferences(faith="secular"),
        {},
        2,
        ("offers secular therapy",),
        (),
        id="secular",
    ),
    pytest.param(
        Preferences(faith="secular"),
        {"faith_integrated": True},
        0,
        (),
        ("integrates faith into therapy (secular therapy was asked for)",),
        id="secular asked, faith integrated",
    ),
    pytest.param(
        Preferences(availability=("weekday_evening", "weekend")),
        {"times": ("weekday_evening",)},
        2,
        ("offers evening sessions",),
        ("does not offer weekends",),
        id="one time of two",
    ),
    pytest.param(
        Preferences(availability=("weekday_daytime", "weekday_evening")),
        {"times": ("weekday_daytime", "weekday_evening")},
        4,
        ("offers daytime and evening sessions",),
        (),
        id="two times",
    ),
    pytest.param(
        Preferences(setting="in_person"),
        {"settings": ("in_person",)},
        2,
        ("offers in-person sessions",),
        (),
        id="setting alone",
    ),
    pytest.param(
        Preferences(setting="video", availability=("weekend",)),
        {"settings": ("in_person",), "times": ("weekend",)},
        2,
        ("offers weekend sessions",),
        ("does not offer video sessions",),
        id="time fits, setting does not",
    ),
    pytest.param(
        Preferences(setting="in_person"),
        {"settings": ("video",)},
        0,
        (),
        ("does not see clients in person",),
        id="not in person",
    ),
    pytest.param(
        Preferences(setting="either"),
        {"settings": ("video",)},
        0,
        (),
        (),
        id="either is no preference",
    ),
    pytest.param(Preferences(), {}, 0, (), (), id="no preference at all"),
]


@pytest.mark.parametrize(("wants", "changes", "points", "reasons", "cautions"), REASONS)
def test_each_reason_and_caution(wants, changes, points, reasons, cautions):
    suggestion = score(wants, profile(**changes))
    assert suggestion.score == points
    assert suggestion.reasons == (*reasons, "3 open slots")
    assert suggestion.cautions == cautions


@pytest.mark.parametrize(
    ("capacity", "active", "said"),
    [(5, 4, "1 open slot"), (10, 2, "8 open slots"), (3, 0, "3 open slots")],
)
def test_it_says_the_open_slots(capacity, active, said):
    [suggestion] = rank(Preferences(), [Profile(1, "A", capacity=capacity, active_clients=active)])
    assert suggestion.reasons == (said,)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"accepting": False}, "is not accepting new clients"),
        ({"capacity": 3, "active_clients": 3}, "has no open slot"),
        ({"capacity": 2, "active_clients": 5}, "has no open slot"),
        ({"capacity": 0, "active_clients": 0}, "has no open slot"),
        ({}, None),
    ],
)
def test_who_cannot_take_a_client_is_not_suggested(changes, why):
    therapist = dataclasses.replace(profile(), **changes)
    assert unavailable(therapist) == why
    assert [s.therapist_id for s in rank(Preferences(), [therapist])] == (
        [1] if why is None else []
    )


def test_the_order_is_score_then_open_slots_then_name():
    wants = Preferences(languages=("es",))
    profiles = [
        Profile(1, "Zoe", languages=("es",), capacity=4, active_clients=3),  # 3 points, 1 slot
        Profile(2, "bob", capacity=9, active_clients=0),  # 0 points, 9 slots
        Profile(3, "Ann", languages=("es",), capacity=4, active_clients=0),  # 3 points, 4 slots
        Profile(4, "Cy", languages=("es",), capacity=2, active_clients=1),  # 3 points, 1 slot
        Profile(5, "Abe", capacity=9, active_clients=0),  # 0 points, 9 slots, before bob
    ]
    assert [s.therapist_id for s in rank(wants, profiles)] == [3, 4, 1, 5, 2]


def test_a_full_tie_falls_back_on_the_id():
    twins = [Profile(7, "Sam", capacity=1), Profile(6, "Sam", capacity=1)]
    assert [s.therapist_id for s in rank(Preferences(), twins)] == [6, 7]


def test_nothing_to_rank_is_an_empty_list_not_a_refusal():
    assert rank(Preferences(), []) == []
    assert rank(Preferences(concerns="", languages=(), availability=()), []) == []


def test_unknown_codes_are_named_as_they_are_rather_than_refused():
    suggestion = score(Preferences(modalities=("dbt",), languages=("it",)), profile())
    assert suggestion.cautions == ("does not offer dbt", "does not speak it")


@pytest.mark.parametrize(
    ("concerns", "specialties", "populations"),
    [
        ("I'm DEPRESSED.", ("depression",), ()),
        ("anxiety, panic; and my marriage", ("anxiety", "relationships"), ()),
        ("my mother died", ("grief",), ()),
        ("fights in the family about parenting", ("family",), ()),
        ("drinking too much, stressed at work", ("addiction", "stress"), ()),
        ("our kids and our teen", (), ("adolescents", "children")),
        ("as a gay man", (), ("lgbtq",)),
        ("something else entirely", (), ()),
        ("", (), ()),
    ],
)
def test_the_keyword_map_reads_word_starts(concerns, specialties, populations):
    assert specialties_in(concerns) == specialties
    assert populations_in(concerns) == populations


def test_the_vocabularies_hold_the_shared_codes():
    assert set(MODALITIES) >= {"cbt", "psychodynamic", "relational", "emdr", "family_systems"}
    assert set(LANGUAGES) >= {"en", "es", "fr", "de", "pt", "zh", "ar"}
    assert set(TIMES) == {"weekday_daytime", "weekday_evening", "weekend"}
    assert set(SETTINGS) == {"in_person", "video", "either"}


# --- Properties -----------------------------------------------------------------------------

codes = st.sampled_from
profiles = st.builds(
    Profile,
    therapist_id=st.integers(1, 50),
    name=st.sampled_from(["Ann", "bob", "Cy", "Dee"]),
    specialties=st.lists(codes(sorted(SPECIALTIES)), unique=True).map(tuple),
    populations=st.lists(codes(["adults", "couples", "adolescents"]), unique=True).map(tuple),
    modalities=st.lists(codes(sorted(MODALITIES)), unique=True).map(tuple),
    languages=st.lists(codes(sorted(LANGUAGES)), unique=True).map(tuple),
    gender=st.sampled_from(["", "woman", "man", "nonbinary"]),
    faith_integrated=st.booleans(),
    times=st.lists(codes(sorted(TIMES)), unique=True).map(tuple),
    settings=st.lists(codes(["in_person", "video"]), unique=True).map(tuple),
    capacity=st.integers(0, 6),
    active_clients=st.integers(0, 6),
    accepting=st.booleans(),
)
preferences = st.builds(
    Preferences,
    concerns=st.sampled_from(["", "depressed", "panic and grief", "a couple", "trauma"]),
    modalities=st.lists(codes(sorted(MODALITIES)), unique=True).map(tuple),
    languages=st.lists(codes(sorted(LANGUAGES)), unique=True).map(tuple),
    therapist_gender=st.sampled_from(["", "woman", "man"]),
    faith=st.sampled_from(["", "integrated", "secular"]),
    availability=st.lists(codes(sorted(TIMES)), unique=True).map(tuple),
    setting=st.sampled_from(["", "in_person", "video", "either"]),
)


@given(preferences, profiles)
def test_adding_a_preference_the_profile_matches_never_lowers_its_score(wants, therapist):
    before = score(wants, therapist).score
    more = [
        dataclasses.replace(wants, modalities=(*wants.modalities, *therapist.modalities[:1])),
        dataclasses.replace(wants, languages=(*wants.languages, *therapist.languages[:1])),
        dataclasses.replace(wants, availability=(*wants.availability, *therapist.times[:1])),
        dataclasses.replace(wants, concerns=wants.concerns + " " + " ".join(therapist.specialties)),
    ]
    if therapist.gender and not wants.therapist_gender:
        more.append(dataclasses.replace(wants, therapist_gender=therapist.gender))
    for wider in more:
        assert score(wider, therapist).score >= before


@given(preferences, st.lists(profiles, max_size=8, unique_by=lambda p: p.therapist_id))
def test_the_ranking_is_sorted_holds_only_the_available_and_says_the_slots(wants, found):
    ranked = rank(wants, found)
    available = [p for p in found if unavailable(p) is None]
    assert len(ranked) == len(available)
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    for suggestion in ranked:
        assert suggestion.reasons[-1].endswith(("open slot", "open slots"))
    # The order does not depend on the order the profiles came in.
    assert rank(wants, list(reversed(found))) == ranked


# --- Who keeps and reads the profiles -------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "practice_id", "allowed"),
    [
        (Role.THERAPIST, 1, True),
        (Role.SUPERVISOR, 1, True),
        (Role.ADMIN, 1, False),
        (Role.CLIENT, 1, False),
        (Role.THERAPIST, 2, False),
    ],
)
def test_clinicians_of_the_practice_keep_and_read_the_profiles(role, practice_id, allowed):
    actor = Actor(user_id=9, role=role, practice_id=practice_id)
    assert can(actor, Action.THERAPIST_PROFILES, PracticeScope(practice_id=1)).allowed is allowed
