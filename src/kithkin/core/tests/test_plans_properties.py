"""Properties of check-in scheduling and of version differences, for any input."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.plans import (
    Achievement,
    Cadence,
    CadenceUnit,
    DueState,
    GoalData,
    Lifecycle,
    PlanData,
    diff,
    mirror,
    next_check_in,
    word_diff,
)

days = st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2035, 12, 31))
cadences = st.builds(Cadence, st.sampled_from(CadenceUnit), st.integers(1, 52))
texts = st.text(alphabet="ab c\n", max_size=12)
goals = st.builds(
    GoalData,
    number=st.integers(1, 6),
    description=texts,
    target_date=st.one_of(st.none(), days),
    criterion=texts,
    lifecycle=st.sampled_from([v.value for v in Lifecycle]),
    achievement=st.sampled_from([v.value for v in Achievement]),
    partners=st.frozensets(st.sampled_from(["Her mother", "Diane", "Her employer"])),
    measure=st.sampled_from(["", "phq9", "gad7"]),
)
plans = st.builds(
    PlanData,
    starts_on=st.one_of(st.none(), days),
    concerns=texts,
    relational_context=texts,
    objectives=texts,
    recommendations=texts,
    cadence=st.one_of(st.none(), cadences),
    goals=st.lists(goals, max_size=5, unique_by=lambda g: g.number).map(tuple),
)


@given(cadences, days, st.integers(0, 200), days)
def test_the_due_date_never_precedes_the_last_check_in(cadence, since, attended, today):
    due = next_check_in(cadence=cadence, since=since, attended_since=attended, today=today)
    if due.due_on is not None:
        assert due.due_on > since
    if today < since:
        # Nothing can be overdue before the last check-in has even happened.
        assert due.state is not DueState.OVERDUE or cadence.unit is CadenceUnit.SESSIONS


@given(cadences, days, st.integers(0, 200), days, st.integers(0, 400))
def test_time_and_sessions_only_move_a_check_in_towards_overdue(
    cadence, since, attended, today, later
):
    order = [DueState.UPCOMING, DueState.DUE, DueState.OVERDUE]
    now = next_check_in(cadence=cadence, since=since, attended_since=attended, today=today)
    then = next_check_in(
        cadence=cadence,
        since=since,
        attended_since=attended + later % 3,
        today=today + datetime.timedelta(days=later),
    )
    assert order.index(then.state) >= order.index(now.state)


@given(plans)
def test_a_version_compared_with_itself_is_empty(plan):
    assert diff(plan, plan) == ()


@given(plans, plans)
def test_diff_read_backwards_mirrors_diff_read_forwards(a, b):
    assert diff(b, a) == mirror(diff(a, b))


@given(plans, plans)
def test_each_part_is_named_at_most_once_and_every_change_shows_a_difference(a, b):
    changes = diff(a, b)
    keys = [(c.part, c.key) for c in changes]
    assert len(keys) == len(set(keys))
    for change in changes:
        assert change.fields
        assert all(f.before != f.after for f in change.fields)


@given(texts, texts)
def test_a_word_diff_rebuilds_both_texts(before, after):
    segments = word_diff(before, after)
    old = [word for s in segments if s.kind != "added" for word in s.text.split()]
    new = [word for s in segments if s.kind != "removed" for word in s.text.split()]
    assert old == before.split()
    assert new == after.split()
