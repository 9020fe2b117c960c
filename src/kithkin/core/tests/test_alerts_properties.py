"""Properties of the alert rules, for any history: no alert without its premise."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.alerts import AlertKind, AlertSettings, SessionRecord, evaluate

ALLIANCE_KINDS = {AlertKind.LOW_ALLIANCE, AlertKind.ALLIANCE_DROP, AlertKind.ALLIANCE_FALLING}

# Scores near the cut-off and repeated values matter most, so they are drawn often.
alliances = st.one_of(
    st.none(),
    st.sampled_from([0.0, 5.0, 8.9, 9.0, 9.1, 9.5, 10.0]),
    st.floats(min_value=0, max_value=10, allow_nan=False),
)


@st.composite
def records(draw, number: int) -> SessionRecord:
    phq9 = draw(st.one_of(st.none(), st.integers(0, 27)))
    item9 = draw(st.one_of(st.none(), st.integers(0, min(3, 27 if phq9 is None else phq9))))
    return SessionRecord(
        number=number,
        alliance=draw(alliances),
        phq9=phq9,
        gad7=draw(st.one_of(st.none(), st.integers(0, 21))),
        item9=item9,
    )


@st.composite
def histories(draw, min_size: int = 0) -> list[SessionRecord]:
    gaps = draw(st.lists(st.integers(1, 3), min_size=min_size, max_size=14))
    numbers, number = [], 0
    for gap in gaps:
        number += gap
        numbers.append(number)
    return [draw(records(n)) for n in numbers]


settings = st.builds(
    AlertSettings,
    low_alliance=st.sampled_from([5.0, 9.0, 9.5]),
    drop_margin=st.sampled_from([0.0, 0.25, 1.0]),
    falling_run=st.integers(2, 4),
    no_feedback_run=st.integers(2, 4),
    on_track_by_session=st.integers(2, 10),
)


def kinds(history, config=None) -> set[AlertKind]:
    return {alert.kind for alert in evaluate(history, config)}


@given(histories(), settings)
def test_never_low_alliance_when_every_score_is_at_or_over_the_cut_off(history, config):
    if all(r.alliance is None or r.alliance >= config.low_alliance for r in history):
        assert AlertKind.LOW_ALLIANCE not in kinds(history, config)


@given(histories(min_size=1), settings)
def test_low_alliance_is_the_newest_score_under_the_cut_off(history, config):
    latest = history[-1].alliance
    low = latest is not None and latest < config.low_alliance
    assert (AlertKind.LOW_ALLIANCE in kinds(history, config)) is low


@given(histories(), settings)
def test_never_no_feedback_when_one_of_the_recent_sessions_has_a_check_in(history, config):
    recent = history[-config.no_feedback_run :]
    if any(r.alliance is not None for r in recent):
        assert AlertKind.NO_FEEDBACK not in kinds(history, config)


@given(histories(), settings)
def test_no_feedback_is_a_full_run_of_sessions_without_a_check_in(history, config):
    recent = history[-config.no_feedback_run :]
    silent = len(recent) == config.no_feedback_run and all(r.alliance is None for r in recent)
    assert (AlertKind.NO_FEEDBACK in kinds(history, config)) is silent


@given(histories(), settings)
def test_never_a_drop_when_the_newest_score_is_at_or_over_the_one_before(history, config):
    given_scores = [r.alliance for r in history if r.alliance is not None]
    if len(given_scores) < 2 or given_scores[-1] >= given_scores[-2]:
        assert AlertKind.ALLIANCE_DROP not in kinds(history, config)


@given(histories(), settings)
def test_falling_means_the_last_run_of_scores_strictly_falls(history, config):
    found = [a for a in evaluate(history, config) if a.kind is AlertKind.ALLIANCE_FALLING]
    if found:
        by_number = {r.number: r.alliance for r in history}
        values = [by_number[n] for n in found[0].evidence]
        assert len(values) == config.falling_run
        assert all(a > b for a, b in itertools.pairwise(values))
        assert found[0].evidence[-1] == history[-1].number


@given(histories(min_size=1), settings)
def test_risk_is_raised_exactly_when_the_newest_item_9_is_1_or_more(history, config):
    latest = history[-1].item9
    assert (AlertKind.RISK in kinds(history, config)) is (latest is not None and latest >= 1)


@given(histories(), settings)
def test_evaluate_is_repeatable_and_ordered_without_duplicates(history, config):
    first = evaluate(history, config)
    assert evaluate(list(history), config) == first
    order = list(AlertKind)
    positions = [order.index(a.kind) for a in first]
    assert positions == sorted(set(positions))


@given(histories(min_size=1), settings)
def test_every_alert_is_raised_at_the_newest_session(history, config):
    for alert in evaluate(history, config):
        assert alert.session == history[-1].number
        assert alert.reason
        assert set(alert.evidence) <= {r.number for r in history}


@given(histories(), settings, st.integers(1, 5))
def test_sessions_with_no_data_never_raise_alliance_alerts(history, config, extra):
    start = history[-1].number if history else 0
    padded = history + [SessionRecord(number=start + i) for i in range(1, extra + 1)]
    assert not kinds(padded, config) & ALLIANCE_KINDS


@given(histories(), settings)
def test_before_the_on_track_session_only_deterioration_is_not_on_track(history, config):
    found = [a for a in evaluate(history, config) if a.kind is AlertKind.NOT_ON_TRACK]
    if found and history[-1].number < config.on_track_by_session:
        assert found[0].reason.startswith("Reliable deterioration")
