import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kithkin.core.hours import (
    Hours,
    HoursError,
    deadline,
    phrase,
    response_figures,
    summary,
    waited_beyond,
    working_seconds,
)

NEW_YORK = "America/New_York"
OFFICE = Hours(time_zone=NEW_YORK)  # Monday to Friday, 09:00 to 17:00
HOUR = 3600


def at(text: str, zone: str = NEW_YORK) -> datetime.datetime:
    """A wall-clock time in the zone: "2026-03-06 16:00" (2026-03-06 is a Friday)."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


CASES = [
    # (received, answered, working seconds, why)
    ("2026-03-04 10:00", "2026-03-04 11:30", 1.5 * HOUR, "inside one working day"),
    ("2026-03-04 07:00", "2026-03-04 10:00", 1 * HOUR, "before opening counts from 09:00"),
    ("2026-03-04 16:00", "2026-03-04 20:00", 1 * HOUR, "after closing counts to 17:00"),
    ("2026-03-04 18:00", "2026-03-05 08:00", 0, "overnight is not working time"),
    ("2026-03-04 18:00", "2026-03-05 09:30", 0.5 * HOUR, "evening to next morning"),
    ("2026-03-04 09:00", "2026-03-05 09:00", 8 * HOUR, "one full working day"),
    ("2026-03-06 19:00", "2026-03-09 09:30", 0.5 * HOUR, "Friday evening to Monday morning"),
    ("2026-03-07 11:00", "2026-03-08 15:00", 0, "a weekend is not working time"),
    ("2026-03-06 16:00", "2026-03-09 10:00", 2 * HOUR, "across the spring clock change"),
    ("2026-10-30 16:00", "2026-11-02 10:00", 2 * HOUR, "across the autumn clock change"),
    ("2026-03-02 09:00", "2026-03-13 17:00", 80 * HOUR, "two working weeks"),
    ("2026-03-04 11:00", "2026-03-04 10:00", 0, "an end before the start is no time"),
]


@pytest.mark.parametrize(("received", "answered", "seconds", "why"), CASES)
def test_working_seconds(received, answered, seconds, why):
    assert working_seconds(at(received), at(answered), hours=OFFICE) == seconds, why


def test_the_window_follows_the_practice_s_wall_clock_not_utc():
    # 14:00 UTC is 09:00 in New York in winter: the practice has just opened.
    start = datetime.datetime(2026, 3, 4, 14, 0, tzinfo=datetime.UTC)
    end = datetime.datetime(2026, 3, 4, 15, 0, tzinfo=datetime.UTC)
    assert working_seconds(start, end, hours=OFFICE) == HOUR
    assert working_seconds(start, end, hours=Hours(time_zone="Asia/Tokyo")) == 0


def test_a_window_holding_the_spring_change_is_an_hour_short():
    # Open 01:00 to 04:00 on Sundays; on 8 March 2026 the clock jumps from 02:00 to 03:00.
    nights = Hours(
        time_zone=NEW_YORK, weekdays=frozenset({6}), opens=datetime.time(1), closes=datetime.time(4)
    )
    assert working_seconds(at("2026-03-08 00:00"), at("2026-03-08 06:00"), hours=nights) == 2 * HOUR
    assert working_seconds(at("2026-03-01 00:00"), at("2026-03-01 06:00"), hours=nights) == 3 * HOUR


def test_a_window_holding_the_autumn_change_is_an_hour_long():
    nights = Hours(
        time_zone=NEW_YORK,
        weekdays=frozenset({6}),
        opens=datetime.time(0, 30),
        closes=datetime.time(4),
    )
    assert working_seconds(at("2026-11-01 00:00"), at("2026-11-01 06:00"), hours=nights) == (
        4.5 * HOUR
    )


def test_a_practice_that_works_saturdays_counts_them():
    saturdays = Hours(time_zone=NEW_YORK, weekdays=frozenset({0, 1, 2, 3, 4, 5}))
    assert working_seconds(at("2026-03-06 19:00"), at("2026-03-09 09:00"), hours=saturdays) == (
        8 * HOUR
    )


@pytest.mark.parametrize(
    ("received", "now", "beyond"),
    [
        ("2026-03-04 10:00", "2026-03-05 10:00", False),  # exactly one working day
        ("2026-03-04 10:00", "2026-03-05 10:01", True),
        ("2026-03-06 19:00", "2026-03-09 16:59", False),  # Friday night: Monday is day one
        ("2026-03-06 19:00", "2026-03-09 17:30", True),  # past Monday 17:00, its answer-by
        ("2026-03-06 19:00", "2026-03-10 09:01", True),
        ("2026-03-06 12:00", "2026-03-09 12:01", True),  # Friday noon to Monday noon
    ],
)
def test_waited_beyond_one_working_day(received, now, beyond):
    assert waited_beyond(at(received), at(now), hours=OFFICE) is beyond


def test_waited_beyond_two_working_days():
    assert not waited_beyond(
        at("2026-03-04 10:00"), at("2026-03-05 11:00"), hours=OFFICE, working_days=2
    )
    assert waited_beyond(
        at("2026-03-04 10:00"), at("2026-03-06 11:00"), hours=OFFICE, working_days=2
    )


def test_naive_datetimes_are_refused():
    with pytest.raises(HoursError, match="aware"):
        working_seconds(datetime.datetime(2026, 3, 4, 9), at("2026-03-04 10:00"), hours=OFFICE)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "unknown time zone"),
        ({"weekdays": frozenset()}, "at least one"),
        ({"weekdays": frozenset({7})}, "0 \\(Monday\\) to 6"),
        ({"opens": datetime.time(17), "closes": datetime.time(9)}, "open before it closes"),
    ],
)
def test_unusable_hours_are_refused(arguments, message):
    with pytest.raises(HoursError, match=message):
        Hours(**arguments)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (30, "under a minute"),
        (20 * 60, "20 min"),
        (HOUR + 20 * 60, "1 h 20 min"),
        (8 * HOUR, "1 working day"),
        (19 * HOUR + 5 * 60, "2 working days 3 h"),
    ],
)
def test_phrase(seconds, text):
    assert phrase(seconds, hours=OFFICE) == text


def test_response_figures_are_times_someone_waited():
    figures = response_figures([HOUR * n for n in range(1, 11)])
    assert (figures.count, figures.median, figures.p90) == (10, 5 * HOUR, 9 * HOUR)
    assert response_figures([]).median is None
    assert response_figures([60]).p90 == 60


moments = st.datetimes(
    min_value=datetime.datetime(2026, 1, 1), max_value=datetime.datetime(2027, 1, 1)
).map(lambda naive: naive.replace(tzinfo=datetime.UTC))


@given(moments, moments, moments)
def test_working_time_adds_up_and_never_exceeds_elapsed_time(a, b, c):
    a, b, c = sorted((a, b, c))
    whole = working_seconds(a, c, hours=OFFICE)
    parts = working_seconds(a, b, hours=OFFICE) + working_seconds(b, c, hours=OFFICE)
    assert abs(whole - parts) <= 1  # each part rounds down to the second
    assert 0 <= whole <= (c - a).total_seconds()


@pytest.mark.parametrize(
    ("received", "answer_by"),
    [
        ("2026-03-04 10:00", "2026-03-05 10:00"),
        ("2026-03-04 18:00", "2026-03-05 17:00"),
        ("2026-03-06 19:00", "2026-03-09 17:00"),  # Friday evening: all of Monday
        ("2026-03-06 12:00", "2026-03-09 12:00"),  # across the spring clock change
    ],
)
def test_the_deadline_is_one_working_day_on(received, answer_by):
    assert deadline(at(received), hours=OFFICE) == at(answer_by)


@given(moments, moments)
# Found by Hypothesis: a day ending exactly on the deadline (Thursday 17:00 in New York), asked
# that evening. Overdue, as the deadline says.
@example(
    start=datetime.datetime(2026, 1, 15, tzinfo=datetime.UTC),
    now=datetime.datetime(2026, 1, 16, tzinfo=datetime.UTC),
)
def test_the_deadline_is_where_waited_beyond_turns_true(start, now):
    answer_by = deadline(start, hours=OFFICE)
    assert waited_beyond(start, now, hours=OFFICE) is (now > answer_by)


@pytest.mark.parametrize(
    ("weekdays", "opens", "closes", "text"),
    [
        ({0, 1, 2, 3, 4}, datetime.time(9), datetime.time(17), "Mon-Fri 9:00-17:00"),
        ({0, 1, 2, 4}, datetime.time(10), datetime.time(14, 30), "Mon-Wed, Fri 10:00-14:30"),
        ({5, 6}, datetime.time(8, 15), datetime.time(12), "Sat, Sun 8:15-12:00"),
        ({0, 2, 4}, datetime.time(9), datetime.time(17), "Mon, Wed, Fri 9:00-17:00"),
        (set(range(7)), datetime.time(0), datetime.time(23, 59), "Mon-Sun 0:00-23:59"),
        ({3}, datetime.time(9), datetime.time(17), "Thu 9:00-17:00"),
    ],
)
def test_summary(weekdays, opens, closes, text):
    hours = Hours(weekdays=frozenset(weekdays), opens=opens, closes=closes)
    assert summary(hours) == text
