"""The lapse rule over any thresholds a practice's admin types and any dates: LapseError for
thresholds it cannot take, otherwise a yes or no and the reasons not to close."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.lapses import LapseError, LapseRule, Quiet, is_lapsing, why_not_close

DAYS = st.dates(datetime.date(1900, 1, 1), datetime.date(2199, 12, 31))
FACTS = st.builds(
    Quiet,
    opened_on=DAYS,
    last_attended=st.none() | DAYS,
    next_scheduled=st.none() | DAYS,
    closed=st.booleans(),
)


@given(quiet=st.integers(-(10**6), 10**6), wait=st.integers(-(10**6), 10**6))
def test_thresholds_are_a_rule_or_refused(quiet, wait):
    try:
        rule = LapseRule(quiet_days=quiet, close_after_days=wait)
    except LapseError as refused:
        assert quiet < 1 or wait < 0, refused
        return
    assert rule.quiet_days >= 1 and rule.close_after_days >= 0


@given(
    facts=FACTS,
    found_on=st.none() | DAYS,
    today=DAYS,
    rule=st.builds(LapseRule, st.integers(1, 400), st.integers(0, 400)),
)
def test_an_episode_may_be_closed_as_lapsed_only_when_it_is_lapsing(facts, found_on, today, rule):
    lapsing = is_lapsing(facts, today=today, rule=rule)
    reasons = why_not_close(facts, found_on=found_on, today=today, rule=rule)
    assert all(isinstance(reason, str) and reason for reason in reasons)
    if not reasons:
        assert lapsing
