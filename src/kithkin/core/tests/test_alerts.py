import datetime

import pytest

from kithkin.core.alerts import (
    Alert,
    AlertError,
    AlertKind,
    AlertSettings,
    SessionRecord,
    evaluate,
    silent_run,
)

D = datetime.date
S = SessionRecord


def kinds(history, settings=None) -> list[AlertKind]:
    return [alert.kind for alert in evaluate(history, settings)]


def alert(history, kind, settings=None) -> Alert:
    (found,) = [a for a in evaluate(history, settings) if a.kind is kind]
    return found


# Carol's first four sessions: a good alliance and falling scores, nothing to flag.
CAROL = [
    S(1, D(2026, 3, 2), alliance=9.6, phq9=16, gad7=12, item9=0),
    S(2, D(2026, 3, 9), alliance=9.6, phq9=14, gad7=11, item9=0),
    S(3, D(2026, 3, 16), alliance=9.7, phq9=12, gad7=10, item9=0),
    S(4, D(2026, 3, 23), alliance=9.8, phq9=11, gad7=9, item9=0),
]


def test_a_steady_course_raises_nothing():
    assert evaluate(CAROL) == ()


def test_no_sessions_raise_nothing():
    assert evaluate([]) == ()


def test_alerts_belong_to_the_newest_session_and_carry_its_date():
    history = [*CAROL, S(5, D(2026, 3, 30), alliance=8.0, item9=1)]
    for found in evaluate(history):
        assert found.session == 5
        assert found.on == D(2026, 3, 30)


# --- Risk ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [1, 2, 3])
def test_any_answer_of_1_or_more_to_item_9_raises_risk_whatever_the_total(answer):
    # A total of 3 is "minimal" depression; item 9 raises the alert all the same.
    history = [*CAROL, S(5, phq9=3, gad7=2, item9=answer, alliance=9.8)]
    found = alert(history, AlertKind.RISK)
    assert found.evidence == (5,)
    assert f"was answered {answer}," in found.reason
    assert "today" in found.reason


def test_risk_says_what_the_client_chose():
    found = alert([S(1, item9=2)], AlertKind.RISK)
    assert "more than half the days" in found.reason


def test_item_9_answered_0_raises_no_risk_alert():
    assert AlertKind.RISK not in kinds([S(1, phq9=20, item9=0)])


def test_an_unknown_item_9_neither_raises_nor_clears_risk():
    # Session 5 raised risk. Session 6 left item 9 unanswered: no new alert, and nothing in the
    # result claims the risk is gone (an open alert is closed by the therapist, not by a rule).
    history = [*CAROL, S(5, item9=2, alliance=9.8), S(6, item9=None, alliance=9.8)]
    assert AlertKind.RISK in kinds(history[:5])
    result = evaluate(history)
    assert AlertKind.RISK not in [a.kind for a in result]
    assert not any("no risk" in a.reason.lower() for a in result)


def test_risk_comes_first():
    history = [*CAROL, S(5, item9=1, alliance=5.0)]
    assert kinds(history)[0] is AlertKind.RISK


# --- Low alliance --------------------------------------------------------------------------------


def test_a_score_under_the_cut_off_is_low():
    history = [*CAROL, S(5, alliance=8.9)]
    found = alert(history, AlertKind.LOW_ALLIANCE)
    assert found.reason == (
        "The alliance score at session 5 was 8.9, under the cut-off of 9. Talk with the client "
        "about how the work is going together at the next session."
    )


def test_a_score_at_the_cut_off_is_not_low():
    assert AlertKind.LOW_ALLIANCE not in kinds([S(1, alliance=9.0)])


def test_the_cut_off_can_be_set_per_instrument():
    # SRS totals out of 40 with its cut-off of 36, rather than the 0-10 item mean.
    srs = AlertSettings(low_alliance=36)
    assert AlertKind.LOW_ALLIANCE in kinds([S(1, alliance=35)], srs)
    assert AlertKind.LOW_ALLIANCE not in kinds([S(1, alliance=36)], srs)


def test_a_low_score_at_an_earlier_session_is_not_raised_again():
    history = [S(1, alliance=5.0), S(2, alliance=9.5)]
    assert AlertKind.LOW_ALLIANCE not in kinds(history)


# --- Drop ---------------------------------------------------------------------------------------


def test_any_drop_from_the_previous_score_is_flagged_by_default():
    # 9.8 -> 9.7 is still far above the cut-off, but a fall is worth asking about.
    history = [*CAROL, S(5, alliance=9.7)]
    found = alert(history, AlertKind.ALLIANCE_DROP)
    assert found.evidence == (4, 5)
    assert found.reason.startswith("The alliance score fell from 9.8 at session 4 to 9.7")


def test_an_equal_score_is_not_a_drop():
    assert AlertKind.ALLIANCE_DROP not in kinds([*CAROL, S(5, alliance=9.8)])


def test_a_rounding_difference_is_not_a_drop():
    history = [S(1, alliance=(9.1 + 9.2 + 9.3) / 3), S(2, alliance=9.2)]
    assert AlertKind.ALLIANCE_DROP not in kinds(history)


def test_the_drop_margin_leaves_small_drops_alone():
    settings = AlertSettings(drop_margin=0.5)
    assert AlertKind.ALLIANCE_DROP not in kinds([S(1, alliance=9.8), S(2, alliance=9.3)], settings)
    assert AlertKind.ALLIANCE_DROP in kinds([S(1, alliance=9.8), S(2, alliance=9.2)], settings)


def test_a_drop_is_read_from_the_last_score_given_across_a_missed_check_in():
    history = [S(1, alliance=9.8), S(2), S(3, alliance=9.4)]
    assert alert(history, AlertKind.ALLIANCE_DROP).evidence == (1, 3)


def test_no_drop_without_a_score_today():
    history = [S(1, alliance=9.8), S(2, alliance=9.0), S(3)]
    assert AlertKind.ALLIANCE_DROP not in kinds(history)


def test_a_first_score_cannot_drop():
    assert AlertKind.ALLIANCE_DROP not in kinds([S(1), S(2, alliance=9.5)])


# --- Falling ------------------------------------------------------------------------------------


def test_three_falling_scores_in_a_row_are_flagged_though_each_is_above_the_cut_off():
    history = [S(1, alliance=10), S(2, alliance=9.8), S(3, alliance=9.5), S(4, alliance=9.3)]
    found = alert(history, AlertKind.ALLIANCE_FALLING)
    assert found.evidence == (2, 3, 4)
    assert "9.8 at session 2, 9.5 at session 3, 9.3 at session 4" in found.reason
    assert AlertKind.LOW_ALLIANCE not in kinds(history)


def test_two_falls_then_a_level_score_are_not_falling():
    history = [S(1, alliance=9.8), S(2, alliance=9.5), S(3, alliance=9.5)]
    assert AlertKind.ALLIANCE_FALLING not in kinds(history)


def test_two_scores_are_not_a_run():
    assert AlertKind.ALLIANCE_FALLING not in kinds([S(1, alliance=9.8), S(2, alliance=9.5)])


def test_the_run_skips_sessions_without_a_check_in():
    history = [S(1, alliance=9.8), S(2), S(3, alliance=9.5), S(4), S(5, alliance=9.1)]
    assert alert(history, AlertKind.ALLIANCE_FALLING).evidence == (1, 3, 5)


def test_a_longer_run_can_be_asked_for():
    history = [S(1, alliance=9.8), S(2, alliance=9.5), S(3, alliance=9.3)]
    assert AlertKind.ALLIANCE_FALLING not in kinds(history, AlertSettings(falling_run=4))


# --- No feedback ---------------------------------------------------------------------------------


def test_three_sessions_in_a_row_without_a_check_in_are_flagged():
    history = [*CAROL, S(5), S(6), S(7)]
    found = alert(history, AlertKind.NO_FEEDBACK)
    assert found.evidence == (5, 6, 7)
    assert found.reason.startswith("No alliance check-in at the last 3 sessions (5, 6 and 7).")


def test_two_sessions_without_a_check_in_are_an_ordinary_miss():
    assert AlertKind.NO_FEEDBACK not in kinds([*CAROL, S(5), S(6)])


def test_one_check_in_among_the_last_three_is_enough():
    assert AlertKind.NO_FEEDBACK not in kinds([S(1), S(2, alliance=9.0), S(3)])


def test_the_first_three_sessions_without_a_check_in_are_flagged():
    assert AlertKind.NO_FEEDBACK in kinds([S(1), S(2), S(3)])


def test_the_silent_run_is_every_newest_session_without_a_check_in():
    assert silent_run([*CAROL, S(5), S(6), S(7), S(8)]) == (5, 6, 7, 8)
    assert silent_run([S(1), S(2), S(3, alliance=9.0)]) == ()
    assert silent_run([]) == ()


# --- Not on track --------------------------------------------------------------------------------


def scored(*totals: tuple[int | None, int | None], alliance: float = 9.8) -> list[SessionRecord]:
    return [
        S(i, alliance=alliance, phq9=p, gad7=g, item9=0 if p is not None else None)
        for i, (p, g) in enumerate(totals, 1)
    ]


def test_no_reliable_improvement_by_session_8_is_not_on_track():
    # PHQ-9 16 -> 13 is -3 and GAD-7 12 -> 10 is -2: neither reliable at session 8.
    history = scored((16, 12), *[(15, 12)] * 6, (13, 10))
    found = alert(history, AlertKind.NOT_ON_TRACK)
    assert found.session == 8
    assert found.evidence == tuple(range(1, 9))
    assert found.reason.startswith("No reliable improvement by session 8. No reliable change: ")
    assert found.reason.endswith("Review the plan with the client.")


def test_the_same_course_at_session_7_is_not_yet_flagged():
    history = scored((16, 12), *[(15, 12)] * 5, (13, 10))
    assert AlertKind.NOT_ON_TRACK not in kinds(history)


def test_reliable_improvement_by_session_8_is_on_track():
    # PHQ-9 16 -> 10 is -6: reliable.
    history = scored((16, 12), *[(15, 12)] * 6, (10, 11))
    assert AlertKind.NOT_ON_TRACK not in kinds(history)


def test_reliable_deterioration_is_flagged_at_any_session():
    # PHQ-9 8 -> 14 is +6: reliable, at session 2.
    history = scored((8, 6), (14, 7))
    found = alert(history, AlertKind.NOT_ON_TRACK)
    assert found.reason.startswith("Reliable deterioration: PHQ-9 rose 6 points (8 → 14)")


def test_deterioration_after_session_8_is_one_alert_not_two():
    history = scored((8, 6), *[(9, 6)] * 7, (14, 7))
    assert kinds(history).count(AlertKind.NOT_ON_TRACK) == 1


def test_mixed_change_at_session_8_is_not_on_track():
    # PHQ-9 14 -> 8 (-6, reliable fall), GAD-7 4 -> 8 (+4, reliable rise): not an improvement.
    history = scored((14, 4), *[(12, 6)] * 6, (8, 8))
    assert AlertKind.NOT_ON_TRACK in kinds(history)


def test_no_paired_scores_by_session_8_is_not_on_track():
    history = [S(i, alliance=9.8) for i in range(1, 9)]
    found = alert(history, AlertKind.NOT_ON_TRACK)
    assert "Not enough paired scores" in found.reason


def test_the_on_track_session_can_be_set():
    history = scored((16, 12), (15, 12), (15, 11), (14, 11))
    assert AlertKind.NOT_ON_TRACK in kinds(history, AlertSettings(on_track_by_session=4))


# --- Order, duplicates and refused input --------------------------------------------------------


def test_every_rule_at_once_comes_in_a_fixed_order_without_duplicates():
    history = [
        S(1, alliance=9.9, phq9=8, gad7=6, item9=0),
        S(2, alliance=9.5),
        S(3, alliance=6.0, phq9=20, gad7=9, item9=2),
    ]
    assert kinds(history) == [
        AlertKind.RISK,
        AlertKind.LOW_ALLIANCE,
        AlertKind.ALLIANCE_DROP,
        AlertKind.ALLIANCE_FALLING,
        AlertKind.NOT_ON_TRACK,
    ]


def test_every_kind_has_a_label():
    assert all(kind.label for kind in AlertKind)


@pytest.mark.parametrize(
    "fields",
    [
        {"number": 0},
        {"number": 2.0},
        {"alliance": -1},
        {"alliance": float("nan")},
        {"alliance": "9"},
        {"phq9": 28},
        {"gad7": -1},
        {"item9": 4},
        {"item9": True},
        {"phq9": 2, "item9": 3},
    ],
)
def test_impossible_records_are_refused(fields):
    with pytest.raises(AlertError):
        S(**{"number": 1, **fields})


def test_sessions_out_of_order_are_refused():
    with pytest.raises(AlertError):
        evaluate([S(2), S(1)])


@pytest.mark.parametrize(
    "settings",
    [
        {"low_alliance": -1},
        {"low_alliance": float("inf")},
        {"drop_margin": -0.1},
        {"drop_margin": "0"},
        {"falling_run": 1},
        {"no_feedback_run": 2.5},
        {"on_track_by_session": 1},
    ],
)
def test_impossible_settings_are_refused(settings):
    with pytest.raises(AlertError):
        AlertSettings(**settings)
