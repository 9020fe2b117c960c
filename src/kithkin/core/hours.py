"""Working-hours arithmetic for a practice's response times.

Seed 004: the first contact already matters, so a practice tracks how long someone who reached
out waited for an answer. Only the practice's working hours count: a message sent on Friday night
and answered at 9:30 on Monday waited half an hour, not sixty hours. Hours are kept in the
practice's own time zone, so a clock change moves the working day with the wall clock and a
working day is the same eight hours on either side of it.

Plain functions over aware datetimes and a frozen ``Hours``; no Django.
"""

import datetime
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = datetime.UTC
MONDAY_TO_FRIDAY = frozenset({0, 1, 2, 3, 4})


class HoursError(ValueError):
    """Hours that cannot be used: an unknown zone, no working day, closing before opening."""


@dataclass(frozen=True)
class Hours:
    """When the practice answers: the weekdays worked (Monday is 0) and one daily window."""

    time_zone: str = "UTC"
    weekdays: frozenset[int] = field(default=MONDAY_TO_FRIDAY)
    opens: datetime.time = datetime.time(9, 0)
    closes: datetime.time = datetime.time(17, 0)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise HoursError(f"unknown time zone {self.time_zone!r}") from error
        if not self.weekdays or not set(self.weekdays) <= set(range(7)):
            raise HoursError("working days are weekday numbers 0 (Monday) to 6, at least one")
        if self.opens >= self.closes:
            raise HoursError("the practice must open before it closes")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def day_seconds(self) -> int:
        """One full working day on the wall clock (a clock change inside the window aside)."""
        opens = datetime.datetime.combine(datetime.date(2000, 1, 3), self.opens)
        closes = datetime.datetime.combine(datetime.date(2000, 1, 3), self.closes)
        return int((closes - opens).total_seconds())


def _require_aware(*moments: datetime.datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise HoursError("working time is counted between aware datetimes only")


def _window(day: datetime.date, hours: Hours) -> tuple[datetime.datetime, datetime.datetime]:
    """The day's working window as UTC instants. Aware datetimes sharing a tzinfo subtract as
    wall-clock times, so the arithmetic is done in UTC, where a DST change is real time."""
    zone = hours.zone
    opens = datetime.datetime.combine(day, hours.opens, tzinfo=zone).astimezone(UTC)
    closes = datetime.datetime.combine(day, hours.closes, tzinfo=zone).astimezone(UTC)
    return opens, closes


def working_seconds(start: datetime.datetime, end: datetime.datetime, *, hours: Hours) -> int:
    """Seconds of working time between two aware instants; 0 if ``end`` is not after ``start``."""
    return int(_working_time(start, end, hours).total_seconds())


def _working_time(
    start: datetime.datetime, end: datetime.datetime, hours: Hours
) -> datetime.timedelta:
    _require_aware(start, end)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = datetime.timedelta()
    if end <= start:
        return total
    zone = hours.zone
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        if day.weekday() in hours.weekdays:
            opens, closes = _window(day, hours)
            overlap = min(end, closes) - max(start, opens)
            if overlap > datetime.timedelta():
                total += overlap
        day += datetime.timedelta(days=1)
    return total


def waited_beyond(
    start: datetime.datetime, now: datetime.datetime, *, hours: Hours, working_days: int = 1
) -> bool:
    """Whether ``now`` is past the :func:`deadline`: more than ``working_days`` full working days
    of working time have passed, or exactly that many and the day they ended on is over. An
    inquiry due by Monday 17:00 is overdue that evening, not only once Tuesday's hours begin."""
    _require_aware(start, now)
    return now > deadline(start, hours=hours, working_days=working_days)


def deadline(start: datetime.datetime, *, hours: Hours, working_days: int = 1) -> datetime.datetime:
    """The instant (UTC) at which ``working_days`` full working days have passed since
    ``start``: after it, :func:`waited_beyond` is true. The queue shows it as "answer by"."""
    _require_aware(start)
    start = start.astimezone(UTC)
    remaining = datetime.timedelta(seconds=working_days * hours.day_seconds)
    day = start.astimezone(hours.zone).date()
    while True:
        if day.weekday() in hours.weekdays:
            opens, closes = _window(day, hours)
            begin = max(start, opens)
            if begin < closes:
                if remaining <= closes - begin:
                    return begin + remaining
                remaining -= closes - begin
        day += datetime.timedelta(days=1)


def phrase(seconds: int, *, hours: Hours) -> str:
    """A waiting time as staff say it: "2 working days 3 h", "1 h 20 min", "under a minute"."""
    if seconds < 60:
        return "under a minute"
    days, rest = divmod(seconds, hours.day_seconds)
    whole_hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} working day{'s' if days != 1 else ''}")
    if whole_hours:
        parts.append(f"{whole_hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    return " ".join(parts)


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _clock(moment: datetime.time) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def summary(hours: Hours) -> str:
    """The hours as one line for a page: "Mon-Fri 9:00-17:00", "Mon-Wed, Fri 10:00-14:00".
    A run of three days or more is written as a range; two days are listed."""
    days = sorted(hours.weekdays)
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[day] for day in run)
    return f"{', '.join(parts)} {_clock(hours.opens)}-{_clock(hours.closes)}"


@dataclass(frozen=True)
class ResponseFigures:
    count: int
    median: int | None  # working seconds
    p90: int | None


def response_figures(seconds: list[int]) -> ResponseFigures:
    """Median and 90th percentile, by the nearest-rank method: each figure is a time someone
    actually waited, never an interpolation between two."""
    if not seconds:
        return ResponseFigures(count=0, median=None, p90=None)
    ordered = sorted(seconds)
    count = len(ordered)

    def rank(q: float) -> int:
        return ordered[max(0, math.ceil(q * count) - 1)]

    return ResponseFigures(count=count, median=rank(0.5), p90=rank(0.9))
