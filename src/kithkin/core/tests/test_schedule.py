import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.schedule import (
    CLOSED_EPISODE,
    EpisodeSpan,
    SessionRefused,
    Status,
    Week,
    check_attendee_count,
    check_episode,
    outcome,
)

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOUR = datetime.timedelta(hours=1)


def test_a_cancellation_with_a_day_s_notice_or_more_is_not_late():
    starts = NOW + 24 * HOUR
    assert outcome(requested="cancelled", starts_at=starts, now=NOW) == Status.CANCELLED


def test_a_cancellation_with_less_than_a_day_s_notice_is_late():
    starts = NOW + 23 * HOUR
    assert outcome(requested="cancelled", starts_at=starts, now=NOW) == Status.LATE_CANCELLED


def test_lateness_is_reckoned_from_when_notice_was_given_not_when_it_was_recorded():
    # The client phoned two days ahead; the therapist records it after the session's hour.
    starts = NOW - HOUR
    notice = starts - 48 * HOUR
    got = outcome(requested="cancelled", starts_at=starts, now=NOW, notice_at=notice)
    assert got == Status.CANCELLED


def test_asking_for_late_cancelled_gives_what_the_notice_decides():
    starts = NOW + 72 * HOUR
    assert outcome(requested="late_cancelled", starts_at=starts, now=NOW) == Status.CANCELLED


def test_notice_cannot_be_in_the_future():
    with pytest.raises(SessionRefused, match="future") as refused:
        outcome(requested="cancelled", starts_at=NOW + 72 * HOUR, now=NOW, notice_at=NOW + HOUR)
    assert refused.value.field == "notice_at"


@pytest.mark.parametrize("requested", ["attended", "no_show"])
def test_what_happened_waits_until_the_session_has_begun(requested):
    with pytest.raises(SessionRefused, match="has not begun yet"):
        outcome(requested=requested, starts_at=NOW + HOUR, now=NOW)
    assert outcome(requested=requested, starts_at=NOW, now=NOW) == requested


def test_back_to_scheduled_only_before_the_session_begins():
    assert outcome(requested="scheduled", starts_at=NOW + HOUR, now=NOW) == Status.SCHEDULED
    with pytest.raises(SessionRefused, match="cannot go back to scheduled"):
        outcome(requested="scheduled", starts_at=NOW - HOUR, now=NOW)


@pytest.mark.parametrize("requested", ["", "rescheduled", "ATTENDED", "attended "])
def test_an_unknown_status_is_refused(requested):
    with pytest.raises(SessionRefused, match="is not a status of a session") as refused:
        outcome(requested=requested, starts_at=NOW - HOUR, now=NOW)
    assert refused.value.field == "status"


@given(
    notice_hours=st.floats(min_value=-500, max_value=500, allow_nan=False),
    recorded_after=st.floats(min_value=0, max_value=500, allow_nan=False),
)
def test_a_cancellation_is_late_exactly_when_notice_was_short(notice_hours, recorded_after):
    starts = NOW
    notice = starts - datetime.timedelta(hours=notice_hours)
    now = max(notice, starts) + datetime.timedelta(hours=recorded_after)
    got = outcome(requested="cancelled", starts_at=starts, now=now, notice_at=notice)
    assert (got is Status.LATE_CANCELLED) == (starts - notice < datetime.timedelta(hours=24))


@pytest.mark.parametrize("kind", ["joint", "couple", "family"])
def test_a_session_with_someone_from_the_client_s_life_names_them(kind):
    with pytest.raises(SessionRefused, match=f"A {kind} session is with someone") as refused:
        check_attendee_count(kind, 0)
    assert refused.value.field == "attendees"
    check_attendee_count(kind, 1)


def test_an_individual_session_has_no_attendees_and_a_group_may():
    check_attendee_count("individual", 0)
    with pytest.raises(SessionRefused, match="individual session has no other attendees"):
        check_attendee_count("individual", 1)
    check_attendee_count("group", 0)
    check_attendee_count("group", 2)


def test_an_unknown_kind_is_refused():
    with pytest.raises(SessionRefused, match="not a kind of session"):
        check_attendee_count("walk-and-talk", 0)


D = datetime.date


def test_without_episodes_any_day_is_accepted():
    check_episode([], D(2020, 1, 1))


def test_a_session_in_the_open_episode_is_accepted():
    spans = [EpisodeSpan(D(2026, 1, 5), D(2026, 6, 1)), EpisodeSpan(D(2026, 10, 5), None)]
    check_episode(spans, D(2026, 10, 5))
    check_episode(spans, D(2027, 3, 1))


def test_when_the_latest_episode_is_closed_the_session_is_refused():
    spans = [EpisodeSpan(D(2026, 1, 5), D(2026, 6, 1))]
    with pytest.raises(SessionRefused) as refused:
        check_episode(spans, D(2026, 11, 30))
    assert str(refused.value) == CLOSED_EPISODE
    assert str(refused.value) == "This episode is closed: open a new episode to schedule sessions."
    # Within the closed episode's own dates too: its record is complete.
    with pytest.raises(SessionRefused, match="This episode is closed"):
        check_episode(spans, D(2026, 3, 2))


def test_a_session_before_the_open_episode_is_refused():
    spans = [EpisodeSpan(D(2026, 1, 5), D(2026, 6, 1)), EpisodeSpan(D(2026, 10, 5), None)]
    with pytest.raises(SessionRefused, match="opened on 5 Oct 2026") as refused:
        check_episode(spans, D(2026, 9, 1))
    assert refused.value.field == "starts_at"


def test_weeks_read_and_write_as_iso_weeks():
    week = Week.parse("2026-W47")
    assert (week.year, week.number, str(week)) == (2026, 47, "2026-W47")
    assert week.monday == D(2026, 11, 16)
    assert week.days[-1] == D(2026, 11, 22)
    assert Week.parse("2026-w7") == Week(2026, 7)
    assert str(Week(2026, 7)) == "2026-W07"


def test_weeks_step_over_the_turn_of_the_year():
    assert str(Week.parse("2026-W53").next) == "2027-W01"
    assert str(Week.parse("2027-W01").previous) == "2026-W53"
    assert Week.of(D(2027, 1, 1)) == Week(2026, 53)


@pytest.mark.parametrize("text", ["", "2026", "2026-47", "2026-W00", "2025-W53", "26-W01", "x-Wy"])
def test_a_malformed_week_is_refused(text):
    with pytest.raises(ValueError):
        Week.parse(text)


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2999, 12, 1)))
def test_every_day_lies_in_its_week_and_the_week_round_trips(day):
    week = Week.of(day)
    assert day in week.days
    assert Week.parse(str(week)) == week
    assert week.next.previous == week
