"""Small wording helpers, and walking every string of a draft."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import fields, is_dataclass, replace
from enum import Enum

# --- Words ---------------------------------------------------------------------------------------


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _length(days: int) -> str:
    days = max(0, days)
    if days < 14:
        return _count(days, "day")
    return _count(days // 7, "week")


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _n(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def _and(words: Iterable[str]) -> str:
    words = list(words)
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


# --- Walking the draft's strings -----------------------------------------------------------------


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, Enum):
        return
    if isinstance(value, str):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _strings(item)


def _map_strings(value, fn):
    """``value`` with ``fn`` applied to every string in it; enums, dates and numbers kept."""
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return fn(value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(
            value, **{f.name: _map_strings(getattr(value, f.name), fn) for f in fields(value)}
        )
    if isinstance(value, tuple):
        return tuple(_map_strings(item, fn) for item in value)
    return value
