"""The road so far: which scores and maps belong to an earlier episode, on fixed days."""

import datetime

import pytest

from kithkin.core.access import Actor, Role, may_read_review_draft
from kithkin.core.road import MapMade, Score, Window, courses, maps_of

D = datetime.date
EPISODE = Window(episode_id=7, opened_on=D(2026, 3, 1), closed_on=D(2026, 6, 30))


def test_a_score_belongs_to_the_episode_it_names_whatever_its_day():
    scores = [Score("phq9", 14, D(2025, 1, 1), episode_id=7), Score("phq9", 9, D(2027, 1, 1), 7)]
    [course] = courses(EPISODE, scores, ("phq9",))
    assert (course.first.total, course.last.total, course.count) == (14, 9, 2)


def test_a_score_naming_no_episode_belongs_to_the_days_the_episode_was_open():
    scores = [
        Score("phq9", 20, D(2026, 2, 28)),  # the day before it opened
        Score("phq9", 16, D(2026, 3, 1)),
        Score("phq9", 8, D(2026, 6, 30)),
        Score("phq9", 4, D(2026, 7, 1)),  # the day after it closed
        Score("phq9", 2, D(2026, 4, 1), episode_id=8),  # another episode's
    ]
    [course] = courses(EPISODE, scores, ("phq9",))
    assert (course.first.total, course.last.total, course.count) == (16, 8, 2)


def test_measures_come_in_the_order_asked_and_unasked_ones_are_left_out():
    scores = [
        Score("gad7", 12, D(2026, 3, 2)),
        Score("alliance", 70, D(2026, 3, 2)),
        Score("phq9", 15, D(2026, 3, 2)),
    ]
    assert [c.code for c in courses(EPISODE, scores, ("phq9", "gad7"))] == ["phq9", "gad7"]


def test_a_single_score_is_both_first_and_last():
    [course] = courses(EPISODE, [Score("gad7", 11, D(2026, 4, 1))], ("gad7",))
    assert course.first == course.last and course.count == 1


def maps(*days):
    return [MapMade(n, day) for n, day in enumerate(days, start=1)]


@pytest.mark.parametrize(
    ("days", "chosen"),
    [
        # The map in force when the episode opened, then the latest by its close.
        ((D(2026, 1, 5), D(2026, 2, 1), D(2026, 5, 1), D(2026, 8, 1)), [2, 3]),
        # None before: the first made during the episode.
        ((D(2026, 3, 10), D(2026, 5, 1)), [1, 2]),
        # Only one: shown once.
        ((D(2026, 2, 1),), [1]),
        ((D(2026, 6, 30),), [1]),
        # Made only after it closed: none of its own.
        ((D(2026, 7, 1),), []),
        ((), []),
    ],
)
def test_the_maps_of_an_episode_are_its_first_and_latest(days, chosen):
    assert [m.map_id for m in maps_of(EPISODE, maps(*days))] == chosen


ALICE, BOB, SAM = 1, 2, 3


def actor(user_id, role=Role.THERAPIST, supervisees=()):
    return Actor(user_id=user_id, role=role, practice_id=1, supervisee_ids=frozenset(supervisees))


@pytest.mark.parametrize(
    ("who", "readable"),
    [
        (actor(ALICE), True),  # the episode's therapist
        (actor(BOB), False),  # the colleague the client returned to
        (actor(SAM, Role.SUPERVISOR, {ALICE}), True),  # alice's supervisor
        (actor(SAM, Role.SUPERVISOR, {BOB}), False),  # bob's, not alice's
        (Actor(user_id=ALICE, role=Role.THERAPIST, practice_id=1, active=False), False),
    ],
)
def test_an_unsigned_review_is_read_by_its_therapist_and_their_supervisor_only(who, readable):
    assert may_read_review_draft(who, therapist_id=ALICE, author_id=ALICE) is readable


def test_whoever_started_a_review_reads_their_own_draft():
    assert may_read_review_draft(actor(BOB), therapist_id=ALICE, author_id=BOB)
