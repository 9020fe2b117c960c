"""Unplanned endings: when a therapy relationship is lapsing, and when it may be closed as lapsed.

Many therapy relationships end with a voicemail instead of an ending (seed 004). Kithkin notices
the quiet early, while an ending session can still be offered, and only later lets the episode be
closed as ``lapsed``: the outreach comes first.

A relationship is **lapsing** when its episode is open, nothing is scheduled from today on, and
no session was attended for ``quiet_days`` (counted from the last attended session, or from the
day the episode opened if none was). It **may be closed as lapsed** once it has been lapsing for
a further ``close_after_days`` since it was first found, still with nothing scheduled and nothing
attended since. Pure: the caller gives the dates and today, so the rule is tested with any clock.
"""

import datetime
from dataclasses import dataclass


class LapseError(ValueError):
    pass


@dataclass(frozen=True)
class LapseRule:
    """A practice's thresholds. Six weeks without a session is long for weekly therapy and
    short enough that an invitation to end well still lands; four more weeks give the client
    time to answer it."""

    quiet_days: int = 42
    close_after_days: int = 28

    def __post_init__(self):
        if self.quiet_days < 1 or self.close_after_days < 0:
            raise LapseError("A lapse needs at least a day of quiet, and no negative wait.")


@dataclass(frozen=True)
class Quiet:
    """What the rule needs to know of one open episode."""

    opened_on: datetime.date
    last_attended: datetime.date | None = None
    next_scheduled: datetime.date | None = None  # the first session booked from today on
    closed: bool = False


def quiet_since(facts: Quiet) -> datetime.date:
    return max(filter(None, (facts.last_attended, facts.opened_on)))


def is_lapsing(facts: Quiet, *, today: datetime.date, rule: LapseRule = LapseRule()) -> bool:
    if facts.closed:
        return False
    if facts.next_scheduled is not None and facts.next_scheduled >= today:
        return False
    return (today - quiet_since(facts)).days >= rule.quiet_days


def why_not_close(
    facts: Quiet,
    *,
    found_on: datetime.date | None,
    today: datetime.date,
    rule: LapseRule = LapseRule(),
) -> list[str]:
    """Why the episode may not be closed as lapsed today (none: it may). ``found_on`` is the day
    it was first found lapsing (None: never)."""
    if facts.closed:
        return ["The episode is closed already."]
    if facts.next_scheduled is not None and facts.next_scheduled >= today:
        return [f"A session is booked for {facts.next_scheduled.isoformat()}."]
    if not is_lapsing(facts, today=today, rule=rule):
        return [
            f"The last contact was on {quiet_since(facts).isoformat()}: it is not "
            f"{rule.quiet_days} days yet."
        ]
    if found_on is None:
        return ["It has not been on the worklist yet: invite the client to an ending first."]
    if facts.last_attended is not None and facts.last_attended > found_on:
        return ["The client came back after it was found lapsing."]
    ready = found_on + datetime.timedelta(days=rule.close_after_days)
    if today < ready:
        return [
            f"It has been lapsing since {found_on.isoformat()}; give the client until "
            f"{ready.isoformat()} to answer the invitation."
        ]
    return []
