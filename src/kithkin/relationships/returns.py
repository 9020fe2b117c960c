"""Reads for a client's return (seed 004: the client "never really leaves"): whom they may
start again with, and the road so far, the earlier episodes a therapist who takes them on sees
on the client page."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from kithkin.accounts.models import User
from kithkin.clients.models import Client
from kithkin.core.instruments import shipped_instruments
from kithkin.core.matching import slots_phrase
from kithkin.core.road import Course, MapMade, Score, Window, courses, maps_of
from kithkin.endings.selectors import OUTCOME_CODES
from kithkin.matching.selectors import CLINICIAN_ROLES, open_slots, profiles
from kithkin.measures.instruments import ALLIANCE
from kithkin.measures.models import Respondent, Response
from kithkin.relationships.models import ENDING_CHOICES, Episode
from kithkin.relationships.selectors import USER_FIELDS, person_name
from kithkin.spheres.models import SphereMap


@dataclass(frozen=True)
class TherapistChoice:
    """A clinician the returning client may start again with, as the form offers them."""

    user: object
    label: str


def return_choices(*, client: Client, me) -> list[TherapistChoice]:
    """Whom a returning client may start their new episode with: ``me`` first (the therapist
    they were with), then the practice's other active clinicians, each saying whether their
    profile accepts new clients. Two queries, whatever the size of the practice."""
    found = {p.therapist_id: p for p in profiles(client.practice_id)}
    others = (
        User.objects.filter(
            practice_id=client.practice_id, is_active=True, role__in=CLINICIAN_ROLES
        )
        .exclude(pk=me.pk)
        .only("username", "first_name", "last_name", "role", "practice_id", "is_active")
        .order_by("first_name", "last_name", "pk")
    )
    choices = [TherapistChoice(me, f"{me.display_name} (you)")]
    for user in others:
        profile = found.get(user.pk)
        if profile is None:
            standing = "no therapist profile yet"
        elif not profile.accepting_new:
            standing = "not accepting new clients"
        else:
            slots = open_slots(profile)
            room = slots_phrase(slots) if slots else "no open slot"
            standing = f"accepting new clients, {room}"
        choices.append(TherapistChoice(user, f"{user.display_name}: {standing}"))
    return choices


# --- The road so far: the client page's earlier episodes --------------------------------------

# The measures the ending review reports, in its order: the symptoms, then the alliance.
ROAD_CODES = (*OUTCOME_CODES, ALLIANCE)
ENDING_TEXT = dict(ENDING_CHOICES)


@dataclass(frozen=True)
class ScoreLine:
    name: str
    course: Course


@dataclass(frozen=True)
class EarlierEpisode:
    """A closed episode as a therapist taking the client on sees it: who, when, how it ended,
    whether its review is signed, the maps from that time and each measure's first and last."""

    number: int  # as the timeline numbers it, counting every episode
    episode_id: int
    therapist_id: int
    therapist_name: str
    opened_on: datetime.date
    closed_on: datetime.date
    ending: str
    review_author_id: int | None  # None: no review was started
    review_signed_at: datetime.datetime | None
    maps: tuple[MapMade, ...]
    scores: tuple[ScoreLine, ...]


def road_so_far(*, client: Client) -> list[EarlierEpisode]:
    """The client's closed episodes, oldest first, with every therapist's (seed 004: a return
    keeps the history). One query, and two more (the scores, the maps) when there is an earlier
    episode, whatever their number. Never a note: the psychotherapy notes are their author's
    alone, and the progress notes stay on the sessions' pages."""
    rows = (
        Episode.objects.for_practice(client.practice_id)
        .filter(relationship__client=client)
        .order_by("opened_on", "pk")
        .values_list(
            "pk",
            "opened_on",
            "closed_on",
            "ending_type",
            "relationship__therapist_id",
            *(f"relationship__therapist__{name}" for name in USER_FIELDS),
            "ending_review__drafted_by_id",
            "ending_review__signed_at",
        )
    )
    closed = [(n, row) for n, row in enumerate(rows, start=1) if row[2] is not None]
    if not closed:
        return []
    scores = [
        Score(code, total, timezone.localdate(at), episode_id)
        for code, total, at, episode_id in Response.objects.for_practice(client.practice_id)
        .filter(
            client=client, respondent=Respondent.CLIENT, complete=True, instrument__in=ROAD_CODES
        )
        .order_by("submitted_at", "pk")
        .values_list("instrument", "total", "submitted_at", "episode_id")
    ]
    # Finished maps only: a client's draft at home is theirs until they share it.
    maps = [
        MapMade(pk, timezone.localdate(at))
        for pk, at in SphereMap.objects.for_practice(client.practice_id)
        .filter(client=client, status=SphereMap.Status.FINAL)
        .order_by("taken_at", "pk")
        .values_list("pk", "taken_at")
    ]
    names = shipped_instruments()
    earlier = []
    for number, row in closed:
        pk, opened_on, closed_on, ending, therapist_id, username, first, last, author, signed = row
        window = Window(pk, opened_on, closed_on)
        earlier.append(
            EarlierEpisode(
                number=number,
                episode_id=pk,
                therapist_id=therapist_id,
                therapist_name=person_name(first, last, username),
                opened_on=opened_on,
                closed_on=closed_on,
                ending=ENDING_TEXT.get(ending, ending).lower(),
                review_author_id=author,
                review_signed_at=signed,
                maps=maps_of(window, maps),
                scores=tuple(
                    ScoreLine(names[c.code].short_title, c)
                    for c in courses(window, scores, ROAD_CODES)
                ),
            )
        )
    return earlier
