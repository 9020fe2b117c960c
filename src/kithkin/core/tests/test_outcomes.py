import math

import pytest

from kithkin.core.outcomes import (
    GAD7_CASENESS,
    GAD7_RELIABLE_CHANGE,
    PHQ9_CASENESS,
    PHQ9_RELIABLE_CHANGE,
    OutcomeError,
    OutcomeState,
    PairedScores,
    is_case,
    is_reliable,
    reliable_change_index,
    reliable_difference,
    standard_error,
    talking_therapies_outcome,
)


def course(*sessions: tuple[int | None, int | None]) -> list[PairedScores]:
    """Sessions 1, 2, 3... with (PHQ-9, GAD-7) totals."""
    return [PairedScores(session=i, phq9=p, gad7=g) for i, (p, g) in enumerate(sessions, 1)]


def outcome(start: tuple[int, int], end: tuple[int, int]):
    return talking_therapies_outcome(course(start, end))


# --- Reliable change index -----------------------------------------------------------------------


def test_the_reliable_change_index_follows_jacobson_and_truax():
    # SE = 6 * sqrt(1 - 0.84) = 6 * 0.4 = 2.4; S_diff = sqrt(2 * 2.4^2) = sqrt(11.52) = 3.3941;
    # RC = (8 - 18) / 3.3941 = -2.946.
    rc = reliable_change_index(18, 8, sd=6, reliability=0.84)
    assert rc == pytest.approx(-2.946, abs=0.001)
    assert is_reliable(rc)


def test_a_change_within_measurement_error_is_not_reliable():
    # Same SE and S_diff as above: RC = (15 - 18) / 3.3941 = -0.884.
    rc = reliable_change_index(18, 15, sd=6, reliability=0.84)
    assert rc == pytest.approx(-0.884, abs=0.001)
    assert not is_reliable(rc)


def test_a_rise_gives_a_positive_index():
    assert reliable_change_index(8, 18, sd=6, reliability=0.84) == pytest.approx(2.946, abs=0.001)


def test_reliability_is_strictly_more_than_1_96():
    assert not is_reliable(1.96)
    assert not is_reliable(-1.96)
    assert is_reliable(1.9601)
    assert is_reliable(-1.9601)


def test_the_reliable_difference_is_1_96_times_s_diff():
    # SE = 5 * sqrt(1 - 0.75) = 2.5; S_diff = sqrt(2 * 6.25) = 3.5355; 1.96 * 3.5355 = 6.930.
    assert standard_error(sd=5, reliability=0.75) == pytest.approx(2.5)
    assert reliable_difference(sd=5, reliability=0.75) == pytest.approx(6.930, abs=0.001)


def test_a_change_just_over_the_reliable_difference_is_reliable():
    limit = reliable_difference(sd=5, reliability=0.75)
    assert is_reliable(reliable_change_index(20, 20 - limit - 0.01, sd=5, reliability=0.75))
    assert not is_reliable(reliable_change_index(20, 20 - limit + 0.01, sd=5, reliability=0.75))


def test_a_reliability_of_0_is_allowed():
    # SE = sd; S_diff = sqrt(2) * 4 = 5.657; RC = 10 / 5.657 = 1.768.
    assert reliable_change_index(0, 10, sd=4, reliability=0) == pytest.approx(1.768, abs=0.001)


@pytest.mark.parametrize("sd", [0, -1, math.nan, math.inf, "6", True])
def test_the_standard_deviation_must_be_a_positive_number(sd):
    with pytest.raises(OutcomeError):
        reliable_change_index(10, 5, sd=sd, reliability=0.8)


@pytest.mark.parametrize("reliability", [1, 1.2, -0.1, math.nan, None])
def test_the_reliability_must_be_at_least_0_and_below_1(reliability):
    with pytest.raises(OutcomeError):
        reliable_change_index(10, 5, sd=6, reliability=reliability)


@pytest.mark.parametrize("score", [math.nan, math.inf, None, "12"])
def test_scores_for_the_index_must_be_numbers(score):
    with pytest.raises(OutcomeError):
        reliable_change_index(score, 5, sd=6, reliability=0.8)
    with pytest.raises(OutcomeError):
        reliable_change_index(5, score, sd=6, reliability=0.8)


# --- Caseness -----------------------------------------------------------------------------------


def test_the_caseness_thresholds_are_those_of_nhs_talking_therapies():
    assert (PHQ9_CASENESS, GAD7_CASENESS) == (10, 8)
    assert (PHQ9_RELIABLE_CHANGE, GAD7_RELIABLE_CHANGE) == (6, 4)


@pytest.mark.parametrize(
    ("phq9", "gad7", "case"),
    [
        (9, 7, False),
        (10, 7, True),
        (9, 8, True),
        (10, 8, True),
        (0, 0, False),
        (None, 8, True),
        (None, None, False),
    ],
)
def test_caseness_is_phq9_10_or_gad7_8(phq9, gad7, case):
    assert is_case(phq9=phq9, gad7=gad7) is case


# --- Recovery -----------------------------------------------------------------------------------


def test_a_client_at_caseness_who_ends_below_on_both_recovers_reliably():
    # PHQ-9 14 -> 7 is -7 (reliable, 6 or more); GAD-7 9 -> 7 is -2 (not reliable).
    # Start at caseness (14 >= 10); end below on both (7 < 10, 7 < 8): recovered.
    # One reliable fall, no reliable rise: reliable improvement, so reliable recovery.
    result = outcome((14, 9), (7, 7))
    assert result.state is OutcomeState.ASSESSED
    assert result.case_at_start
    assert result.recovered
    assert result.reliable_improvement
    assert not result.reliable_deterioration
    assert result.reliable_recovery
    assert result.summary.startswith("Reliable recovery: PHQ-9 fell 7 points (14 → 7)")
    assert "GAD-7 fell 2 points (9 → 7), less than the 4 points of a reliable change" in (
        result.summary
    )


def test_recovery_without_a_reliable_fall_is_recovery_but_not_reliable_recovery():
    # PHQ-9 10 -> 9 is -1; GAD-7 8 -> 7 is -1; neither reliable. Start at caseness on both
    # (10 >= 10, 8 >= 8); end below on both (9 < 10, 7 < 8): recovered, not reliably.
    result = outcome((10, 8), (9, 7))
    assert result.recovered
    assert not result.reliable_improvement
    assert not result.reliable_recovery
    assert result.summary.startswith("No reliable change: ")
    assert "Recovered, though not with a reliable improvement" in result.summary


def test_ending_at_caseness_on_one_measure_is_not_recovery():
    # PHQ-9 18 -> 6 is -12 (reliable); GAD-7 12 -> 8 is -4 (reliable); but GAD-7 8 is still at
    # caseness (8 >= 8), so not recovered, though reliably improved.
    result = outcome((18, 12), (6, 8))
    assert not result.recovered
    assert result.reliable_improvement
    assert not result.reliable_recovery
    assert "Not recovered: still at caseness at session 2 (GAD-7 8, caseness is 8 or more)" in (
        result.summary
    )


@pytest.mark.parametrize(
    ("end_phq9", "end_gad7", "recovered"),
    [(9, 7, True), (10, 7, False), (9, 8, False)],
)
def test_recovery_needs_below_caseness_on_both_at_the_end(end_phq9, end_gad7, recovered):
    assert outcome((16, 12), (end_phq9, end_gad7)).recovered is recovered


@pytest.mark.parametrize(
    ("start", "case"),
    [((9, 7), False), ((10, 7), True), ((9, 8), True)],
)
def test_caseness_at_the_start_on_either_measure_counts(start, case):
    assert outcome(start, (0, 0)).case_at_start is case


def test_recovery_does_not_apply_to_a_client_below_caseness_at_the_start():
    # PHQ-9 9 -> 2 is -7 (reliable); GAD-7 7 -> 1 is -6 (reliable). Not at caseness at the start
    # (9 < 10, 7 < 8): recovery does not apply, but reliable improvement still does.
    result = outcome((9, 7), (2, 1))
    assert not result.case_at_start
    assert not result.recovery_applies
    assert not result.recovered
    assert not result.reliable_recovery
    assert result.reliable_improvement
    assert result.summary.startswith("Reliable improvement: ")
    assert "Recovery does not apply: below caseness on both measures at session 1" in (
        result.summary
    )


# --- Reliable change thresholds -----------------------------------------------------------------


@pytest.mark.parametrize(("fall", "reliable"), [(5, False), (6, True), (7, True)])
def test_a_phq9_fall_is_reliable_from_6_points(fall, reliable):
    # GAD-7 held at 10 -> 10, so PHQ-9 alone decides.
    result = outcome((20, 10), (20 - fall, 10))
    assert result.phq9.change == -fall
    assert result.reliable_improvement is reliable


@pytest.mark.parametrize(("fall", "reliable"), [(3, False), (4, True), (5, True)])
def test_a_gad7_fall_is_reliable_from_4_points(fall, reliable):
    result = outcome((15, 15), (15, 15 - fall))
    assert result.gad7.change == -fall
    assert result.reliable_improvement is reliable


@pytest.mark.parametrize(("rise", "reliable"), [(5, False), (6, True)])
def test_a_phq9_rise_is_reliable_from_6_points(rise, reliable):
    result = outcome((8, 6), (8 + rise, 6))
    assert result.reliable_deterioration is reliable


@pytest.mark.parametrize(("rise", "reliable"), [(3, False), (4, True)])
def test_a_gad7_rise_is_reliable_from_4_points(rise, reliable):
    result = outcome((8, 6), (8, 6 + rise))
    assert result.reliable_deterioration is reliable


def test_reliable_deterioration_is_a_reliable_rise_with_no_reliable_fall():
    # PHQ-9 14 -> 9 is -5 (not reliable); GAD-7 4 -> 9 is +5 (reliable rise): deterioration.
    result = outcome((14, 4), (9, 9))
    assert result.reliable_deterioration
    assert not result.reliable_improvement
    assert not result.recovered
    assert result.summary.startswith("Reliable deterioration: PHQ-9 fell 5 points (14 → 9)")
    assert "GAD-7 rose 5 points (4 → 9), a reliable change" in result.summary


def test_a_reliable_fall_on_one_and_a_reliable_rise_on_the_other_is_neither():
    # PHQ-9 14 -> 8 is -6 (reliable fall); GAD-7 4 -> 8 is +4 (reliable rise).
    result = outcome((14, 4), (8, 8))
    assert not result.reliable_improvement
    assert not result.reliable_deterioration
    assert not result.reliable_recovery
    assert result.summary.startswith("No overall reliable change (the measures moved reliably")


def test_the_mirror_mixed_case_is_neither_too():
    # PHQ-9 4 -> 10 is +6 (reliable rise); GAD-7 12 -> 6 is -6 (reliable fall).
    result = outcome((4, 12), (10, 6))
    assert not result.reliable_improvement
    assert not result.reliable_deterioration


def test_no_change_is_said_plainly():
    result = outcome((12, 9), (12, 9))
    assert result.phq9.change == 0
    assert not (result.reliable_improvement or result.reliable_deterioration)
    assert "PHQ-9 did not change (12 → 12)" in result.summary


def test_a_one_point_change_is_singular():
    assert "GAD-7 rose 1 point (9 → 10)" in outcome((12, 9), (12, 10)).summary


# --- Which sessions count ------------------------------------------------------------------------


def test_first_and_last_paired_sessions_are_compared_whatever_came_between():
    # Session 2 went up to 25 but only the first (20) and last (8) count: -12, reliable.
    result = talking_therapies_outcome(course((20, 12), (25, 18), (8, 6)))
    assert result.first.session == 1
    assert result.last.session == 3
    assert result.phq9.change == -12
    assert result.reliable_recovery


def test_sessions_with_only_one_measure_are_skipped():
    # Session 1 has no GAD-7 and session 4 no PHQ-9: the pair is session 2 vs session 3.
    pairs = course((27, None), (15, 10), (12, 9), (None, 1))
    result = talking_therapies_outcome(pairs)
    assert result.paired_sessions == (2, 3)
    assert result.unpaired_sessions == (1, 4)
    assert result.first.session == 2
    assert result.last.session == 3
    # 15 -> 12 is -3 and 10 -> 9 is -1: not the -27 the unpaired first and last would suggest.
    assert not result.reliable_improvement
    assert "(session 2 to session 3)" in result.summary


def test_an_incomplete_score_is_never_read_as_0():
    # Had the missing PHQ-9 counted as 0, 18 -> 0 would be a reliable recovery.
    result = talking_therapies_outcome(course((18, 12), (None, 11)))
    assert result.state is OutcomeState.NOT_ENOUGH_PAIRED
    assert not result.recovered


def test_session_numbers_need_not_be_consecutive():
    pairs = [PairedScores(1, phq9=16, gad7=12), PairedScores(9, phq9=6, gad7=4)]
    result = talking_therapies_outcome(pairs)
    assert result.reliable_recovery
    assert "(session 1 to session 9)" in result.summary


# --- Not enough paired scores --------------------------------------------------------------------


def test_no_sessions_is_not_enough_paired_scores():
    result = talking_therapies_outcome([])
    assert result.state is OutcomeState.NOT_ENOUGH_PAIRED
    assert result.paired_sessions == ()
    assert result.summary == (
        "Not enough paired scores: an outcome needs PHQ-9 and GAD-7 both complete at 2 or more "
        "sessions, and there are none."
    )


def test_one_paired_session_is_not_enough_and_says_which_sessions_fell_short():
    result = talking_therapies_outcome(course((18, None), (16, 12), (None, 9), (None, None)))
    assert result.state is OutcomeState.NOT_ENOUGH_PAIRED
    assert result.first.session == 2
    assert result.last is None
    assert result.phq9 is None and result.gad7 is None
    assert result.case_at_start
    assert not any(
        (
            result.recovered,
            result.reliable_improvement,
            result.reliable_deterioration,
            result.reliable_recovery,
            result.recovery_applies,
        )
    )
    assert result.summary == (
        "Not enough paired scores: an outcome needs PHQ-9 and GAD-7 both complete at 2 or more "
        "sessions, and there is 1 (session 2). Sessions 1 and 3 had only one of the two."
    )


# --- Refused input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scores",
    [{"phq9": 28}, {"phq9": -1}, {"gad7": 22}, {"phq9": 9.5}, {"gad7": True}, {"phq9": "12"}],
)
def test_totals_outside_the_measure_are_refused(scores):
    with pytest.raises(OutcomeError) as refused:
        PairedScores(session=3, **scores)
    assert "at session 3" in str(refused.value)


@pytest.mark.parametrize("session", [0, -1, 1.5, True])
def test_a_session_number_is_a_whole_number_from_1(session):
    with pytest.raises(OutcomeError):
        PairedScores(session=session, phq9=10, gad7=8)


def test_sessions_out_of_order_are_refused():
    pairs = [PairedScores(2, phq9=10, gad7=8), PairedScores(1, phq9=5, gad7=3)]
    with pytest.raises(OutcomeError) as refused:
        talking_therapies_outcome(pairs)
    assert "session order" in str(refused.value)


def test_a_session_twice_is_refused():
    pairs = [PairedScores(2, phq9=10, gad7=8), PairedScores(2, phq9=5, gad7=3)]
    with pytest.raises(OutcomeError):
        talking_therapies_outcome(pairs)
