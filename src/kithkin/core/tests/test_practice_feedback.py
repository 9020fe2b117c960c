import pytest
from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.access import Actor, Role, feedback_lines
from kithkin.core.practice_feedback import (
    SMALL,
    Counts,
    FeedbackFiguresError,
    Share,
    alliance_band,
    figures,
)

# --- Alliance bands ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mean", "band"),
    [(0, 0), (1.99, 0), (2, 1), (3.5, 1), (4, 2), (6, 3), (7.99, 3), (8, 4), (9.5, 4), (10, 4)],
)
def test_an_alliance_mean_falls_in_its_band_of_two_points(mean, band):
    assert alliance_band(mean) == band


@pytest.mark.parametrize("mean", [-0.1, 10.01, 11])
def test_an_alliance_mean_off_the_scale_is_refused(mean):
    with pytest.raises(FeedbackFiguresError):
        alliance_band(mean)


# --- Shares and the small-number rule -------------------------------------------------------------


def test_a_share_over_enough_clients_reads_as_a_percentage_with_its_counts():
    share = Share(3, 8, "clients assessed")
    assert share.percent == 38
    assert share.text == "38% (3 of 8 clients assessed)"


def test_a_share_over_fewer_than_five_is_withheld_so_it_cannot_point_at_one_client():
    share = Share(1, SMALL - 1, "clients assessed")
    assert share.withheld
    assert share.percent is None
    assert share.text == "withheld: fewer than 5 clients assessed"
    assert "1" not in share.text.replace("fewer than 5", "")


def test_a_share_with_nothing_to_count_says_so_rather_than_zero():
    assert Share(0, 0, "episodes closed").text == "none yet (no episodes closed)"


def test_five_is_enough():
    assert not Share(0, SMALL, "sessions attended").withheld
    assert Share(0, SMALL, "sessions attended").text == "0% (0 of 5 sessions attended)"


# --- Figures from counts -------------------------------------------------------------------------


def test_the_figures_of_a_practice():
    counts = Counts(
        courses=12,
        courses_with_checkins=10,
        attended=100,
        with_feedback=80,
        alliance_sum=80 * 8.25,
        alliance_bands=(0, 2, 8, 20, 50),
        assessed=10,
        case_at_start=8,
        improved=6,
        recovered=4,
        reliably_recovered=3,
        deteriorated=1,
        closed=6,
        dropped_out=2,
    )
    f = figures(counts)
    assert f.alliance_average == 8.2  # 8.25 rounds to even at one place
    assert f.alliance_text == "8.2 out of 10 (80 check-ins)"
    assert [(b.label, b.count, b.percent) for b in f.alliance_distribution] == [
        ("0 to under 2", 0, 0),
        ("2 to under 4", 2, 2),
        ("4 to under 6", 8, 10),
        ("6 to under 8", 20, 25),
        ("8 to 10", 50, 62),
    ]
    assert f.response_rate.text == "80% (80 of 100 sessions attended)"
    assert f.reliable_improvement.text == "60% (6 of 10 clients assessed)"
    assert f.recovery.text == "50% (4 of 8 clients at caseness at the start)"
    assert f.reliable_recovery.text == "38% (3 of 8 clients at caseness at the start)"
    assert f.reliable_deterioration.text == "10% (1 of 10 clients assessed)"
    assert f.drop_out.text == "33% (2 of 6 episodes closed)"


def test_the_alliance_of_fewer_than_five_clients_is_withheld_however_many_check_ins():
    # Twenty check-ins of four clients are still those four clients' views.
    f = figures(
        Counts(
            courses=4,
            courses_with_checkins=4,
            attended=20,
            with_feedback=20,
            alliance_sum=180.0,
            alliance_bands=(0, 0, 0, 0, 20),
        )
    )
    assert f.alliance_average is None
    assert f.alliance_distribution is None
    assert f.alliance_text == "withheld: fewer than 5 clients gave check-ins"
    assert f.response_rate.text == "withheld: fewer than 5 clients"


def test_no_check_ins_is_not_an_average_of_zero():
    f = figures(Counts())
    assert f.alliance_text == "none yet (no alliance check-ins)"
    assert f.reliable_improvement.text == "none yet (no clients assessed)"


@pytest.mark.parametrize(
    "bad",
    [
        {"courses": -1},
        {"attended": 1.5},
        {"attended": True},
        {"attended": 2, "with_feedback": 3},
        {"courses": 2, "assessed": 3},
        {"courses": 3, "assessed": 2, "case_at_start": 1, "recovered": 2},
        {"courses": 3, "assessed": 2, "improved": 2, "deteriorated": 1},
        {"closed": 1, "dropped_out": 2},
        {"alliance_bands": (1, 2, 3)},
        {"alliance_bands": (0, 0, 0, 0, 1), "alliance_sum": 10.5},
        {"alliance_bands": (0, 0, 0, 0, -1)},
        {"courses": 3, "courses_with_checkins": 2, "alliance_bands": (0, 0, 0, 0, 1)},
        {"courses": 1, "courses_with_checkins": 2, "alliance_bands": (0, 0, 0, 0, 5)},
    ],
)
def test_counts_that_cannot_describe_real_clients_are_refused(bad):
    with pytest.raises(FeedbackFiguresError):
        Counts(**bad)


@st.composite
def counts(draw):
    assessed = draw(st.integers(0, 40))
    case = draw(st.integers(0, assessed))
    recovered = draw(st.integers(0, case))
    improved = draw(st.integers(0, assessed))
    attended = draw(st.integers(0, 200))
    bands = tuple(draw(st.integers(0, 50)) for _ in range(5))
    closed = draw(st.integers(0, 20))
    courses = assessed + draw(st.integers(0, 10))
    return Counts(
        courses=courses,
        courses_with_checkins=draw(st.integers(0, min(courses, sum(bands)))),
        attended=attended,
        with_feedback=draw(st.integers(0, attended)),
        alliance_sum=float(sum(bands)) * draw(st.floats(0, 10)),
        alliance_bands=bands,
        assessed=assessed,
        case_at_start=case,
        improved=improved,
        recovered=recovered,
        reliably_recovered=draw(st.integers(0, recovered)),
        deteriorated=draw(st.integers(0, assessed - improved)),
        closed=closed,
        dropped_out=draw(st.integers(0, closed)),
    )


@given(counts(), counts())
def test_the_practice_line_is_the_sum_of_its_therapists(a, b):
    total = a + b
    assert total.courses == a.courses + b.courses
    assert total.alliance_bands == tuple(
        x + y for x, y in zip(a.alliance_bands, b.alliance_bands, strict=True)
    )
    assert total.dropped_out == a.dropped_out + b.dropped_out


@given(counts())
def test_no_shown_share_rests_on_fewer_than_five(c):
    f = figures(c)
    assert f.response_rate.withheld == (c.courses < SMALL)
    for share in (
        f.reliable_improvement,
        f.recovery,
        f.reliable_recovery,
        f.reliable_deterioration,
        f.drop_out,
    ):
        assert (share.percent is None) == (share.of < SMALL)
        if share.percent is not None:
            assert 0 <= share.percent <= 100
    if f.alliance_average is not None:
        assert c.courses_with_checkins >= SMALL
        assert 0 <= f.alliance_average <= 10


# --- Whose lines a reader sees --------------------------------------------------------------------

THERAPISTS = frozenset({1, 2, 3, 4})


def actor(role, user_id=1, supervisees=(), practice=7, active=True):
    return Actor(user_id, role, practice, frozenset(supervisees), active)


def test_a_therapist_sees_their_own_line():
    assert feedback_lines(actor(Role.THERAPIST, 2), THERAPISTS) == {2}


def test_a_supervisor_sees_their_own_and_their_supervisees_lines():
    assert feedback_lines(actor(Role.SUPERVISOR, 1, supervisees={3, 9}), THERAPISTS) == {1, 3}


def test_an_admin_sees_every_therapists_line():
    assert feedback_lines(actor(Role.ADMIN, 99), THERAPISTS) == THERAPISTS


@pytest.mark.parametrize(
    "reader",
    [
        actor(Role.CLIENT, 2),
        actor(Role.THERAPIST, 2, active=False),
        actor(Role.ADMIN, practice=None),
    ],
)
def test_clients_and_closed_accounts_see_no_line(reader):
    assert feedback_lines(reader, THERAPISTS) == frozenset()
