"""The road so far: what a therapist sees of a client's earlier episodes when the client comes
back, to them or to a colleague (seed 004: the client "never really leaves", and the history is
kept). For each closed episode, the spheres maps from that time and the first and last score of
each measure, by the rules the ending review reads them with (``kithkin.endings.selectors``):

- a score belongs to the episode it names, or, naming none, to the episode open on the day it
  was given;
- the first map is the one in force when the episode opened (the latest finished before it),
  else the first finished during it; the latest is the last finished by the day it closed.

Pure: the caller gives local days and rows already in order, so one read of the client's maps
and one of their scores serve every episode.
"""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """A closed episode's days, from opening to closing, both included."""

    episode_id: int
    opened_on: datetime.date
    closed_on: datetime.date

    def holds(self, day: datetime.date) -> bool:
        return self.opened_on <= day <= self.closed_on


@dataclass(frozen=True)
class Score:
    code: str
    total: float
    on: datetime.date  # the local day it was given
    episode_id: int | None = None


@dataclass(frozen=True)
class MapMade:
    map_id: int
    on: datetime.date  # the local day it was taken


@dataclass(frozen=True)
class Course:
    """One measure over an episode: its first and last score (the same one if given once)."""

    code: str
    first: Score
    last: Score
    count: int


def courses(window: Window, scores: list[Score], codes: tuple[str, ...]) -> tuple[Course, ...]:
    """The first and last score of each of ``codes`` in the episode, in the order of ``codes``.
    ``scores`` are oldest first."""
    mine = [
        s
        for s in scores
        if s.code in codes
        and (s.episode_id == window.episode_id or (s.episode_id is None and window.holds(s.on)))
    ]
    found = []
    for code in codes:
        of_code = [s for s in mine if s.code == code]
        if of_code:
            found.append(Course(code, of_code[0], of_code[-1], len(of_code)))
    return tuple(found)


def maps_of(window: Window, maps: list[MapMade]) -> tuple[MapMade, ...]:
    """The first and latest finished maps of the episode (one, if they are the same; none, if no
    map was finished by the day it closed). ``maps`` are oldest first."""
    until = [m for m in maps if m.on <= window.closed_on]
    if not until:
        return ()
    before = [m for m in until if m.on < window.opened_on]
    first = before[-1] if before else until[0]
    latest = until[-1]
    return (first,) if first == latest else (first, latest)
