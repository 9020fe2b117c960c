"""Planned actions with therapy partners: their soft timing and where they stand.

Seed 000: "Alexis is going to speak to her mother about this in a week or two, or whenever she
feels ready." A window, and a flag that says the client sets the pace. A client-paced action is
never nagged as overdue: once its window opens it waits on the client.
"""

import datetime
from enum import StrEnum


class ActionStatus(StrEnum):
    DONE = "done"
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    WAITING_ON_CLIENT = "waiting_on_client"


def action_status(
    *,
    window_start: datetime.date,
    window_end: datetime.date | None,
    client_paced: bool,
    done: bool,
    today: datetime.date,
) -> ActionStatus:
    if done:
        return ActionStatus.DONE
    if today < window_start:
        return ActionStatus.UPCOMING
    if client_paced:
        return ActionStatus.WAITING_ON_CLIENT
    if window_end is None or today <= window_end:
        return ActionStatus.DUE
    return ActionStatus.OVERDUE


def window_phrase(
    *,
    planned_on: datetime.date,
    window_start: datetime.date,
    window_end: datetime.date | None,
    client_paced: bool,
    pronouns: str = "",
) -> str:
    """The window in the words a therapist would write in the plan."""
    phrase = _window_words(planned_on, window_start, window_end)
    if client_paced:
        phrase += f", or whenever {_feels(pronouns)} ready"
    return phrase


def _window_words(planned_on, start, end) -> str:
    first = (start - planned_on).days
    last = (end - planned_on).days if end else None
    weeks = {7: "a week", 14: "two weeks", 21: "three weeks", 28: "four weeks"}
    if first <= 0 and last is None:
        return "from now on"
    if first <= 0 and last is not None:
        return f"within {weeks.get(last, f'{last} days')}"
    if (first, last) == (7, 14):
        return "in a week or two"
    if last is None:
        return f"from {start:%-d %b %Y}"
    if first == last:
        return f"in {weeks.get(first, f'{first} days')}"
    return f"between {start:%-d %b} and {end:%-d %b %Y}"


def _feels(pronouns: str) -> str:
    subject = pronouns.split("/")[0].strip().lower() if pronouns else ""
    if subject in ("she", "he"):
        return f"{subject} feels"
    # "they" for they/them, and when pronouns are not recorded.
    return "they feel"
