"""The lapse rule with a fixed clock: when a relationship is lapsing, and when it may close."""

import datetime

import pytest

from kithkin.core.lapses import LapseError, LapseRule, Quiet, is_lapsing, why_not_close

TODAY = datetime.date(2026, 6, 30)
RULE = LapseRule(quiet_days=42, close_after_days=28)


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


@pytest.mark.parametrize(
    ("facts", "lapsing"),
    [
        (Quiet(opened_on=days_ago(200), last_attended=days_ago(42)), True),
        (Quiet(opened_on=days_ago(200), last_attended=days_ago(41)), False),
        # Never attended: counted from the day the episode opened.
        (Quiet(opened_on=days_ago(42)), True),
        (Quiet(opened_on=days_ago(10)), False),
        # Something booked from today on: not lapsing, however long the quiet.
        (Quiet(opened_on=days_ago(200), last_attended=days_ago(90), next_scheduled=TODAY), False),
        # A booking in the past (missed, never recorded) does not count.
        (
            Quiet(opened_on=days_ago(200), last_attended=days_ago(90), next_scheduled=days_ago(1)),
            True,
        ),
        (Quiet(opened_on=days_ago(200), last_attended=days_ago(90), closed=True), False),
    ],
)
def test_a_relationship_is_lapsing_after_the_quiet_with_nothing_booked(facts, lapsing):
    assert is_lapsing(facts, today=TODAY, rule=RULE) is lapsing


QUIET = Quiet(opened_on=days_ago(300), last_attended=days_ago(80))


@pytest.mark.parametrize(
    ("facts", "found_on", "reason"),
    [
        (QUIET, days_ago(28), None),
        (QUIET, days_ago(27), "give the client until 2026-07-01"),
        (QUIET, None, "invite the client to an ending first"),
        (Quiet(opened_on=days_ago(300), last_attended=days_ago(10)), days_ago(40), "not 42 days"),
        (Quiet(opened_on=days_ago(300), last_attended=days_ago(60)), days_ago(70), "came back"),
        (
            Quiet(opened_on=days_ago(300), last_attended=days_ago(80), next_scheduled=TODAY),
            days_ago(30),
            "A session is booked for 2026-06-30",
        ),
        (Quiet(opened_on=days_ago(300), closed=True), days_ago(60), "closed already"),
    ],
)
def test_it_may_close_as_lapsed_only_after_the_further_wait(facts, found_on, reason):
    why_not = why_not_close(facts, found_on=found_on, today=TODAY, rule=RULE)
    if reason is None:
        assert why_not == []
    else:
        assert len(why_not) == 1 and reason in why_not[0]


def test_a_rule_needs_a_day_of_quiet():
    with pytest.raises(LapseError):
        LapseRule(quiet_days=0)
