"""The demo practice's beginnings and endings (issue 9, seeds 003 and 004): the therapists'
profiles for matching, the queue of inquiries, and one whole cycle. Camila reached out through
the form, was matched with alice, ended with a signed review of the road travelled, shared in the
portal, and has since returned. Farrah's work lapsed: the letter went out, and the episode
closed as lapsed with a short review.

Written directly, as the rest of the demo is: the history is dated in the past, which no service
would accept. Nothing here draws from the builder's random generator.
"""

import datetime

from django.utils import timezone

from kithkin.clients.models import Person, PersonKind
from kithkin.core.ending_review import open_door
from kithkin.core.hours import working_seconds
from kithkin.endings.models import EndingReview
from kithkin.inquiries.models import Inquiry
from kithkin.inquiries.selectors import hours_for
from kithkin.lapses.models import Lapse
from kithkin.matching.models import TherapistProfile
from kithkin.measures.models import Response
from kithkin.partners.models import TherapyPartner
from kithkin.plans.models import Goal, Plan, PlanVersion
from kithkin.relationships.models import Episode
from kithkin.schedule.models import Session
from kithkin.spheres.models import SphereEntry, SphereMap

PROFILES = {
    "alice": {
        "degree": "MA, Clinical Mental Health Counseling",
        "licence_number": "LPC-000123",
        "licence_jurisdiction": "Example State",
        "specialties": ["depression", "anxiety", "relationships", "family"],
        "populations": ["adults", "lgbtq"],
        "modalities": ["relational", "cbt", "family_systems"],
        "languages": ["en", "es"],
        "gender": "woman",
        "times": ["weekday_daytime", "weekday_evening"],
        "settings": ["in_person", "video"],
        "bio": (
            "I work relationally: the people in your life are part of the work, and so is our "
            "own working relationship. Evening video sessions are possible."
        ),
        "open_slots": 3,
        "accepting_new": True,
    },
    "bob": {
        "degree": "PsyD",
        "licence_number": "PSY-000456",
        "licence_jurisdiction": "Example State",
        "specialties": ["grief", "trauma", "stress"],
        "populations": ["adults", "older_adults", "couples"],
        "modalities": ["emdr", "psychodynamic", "person_centred"],
        "languages": ["en", "fr"],
        "gender": "man",
        "times": ["weekday_daytime", "weekend"],
        "settings": ["in_person"],
        "bio": "Grief, trauma and the strain of caring for others, at a pace that suits you.",
        "open_slots": 1,
        "accepting_new": True,
    },
}

# People waiting in the queue: made up, reachable only at example addresses.
WAITING = [
    {
        "days_ago": 3,
        "name": "Robin Q.",
        "email": "robin.q@example.org",
        "concerns": (
            "Since my father died last spring I can't seem to get going again, and work is "
            "suffering."
        ),
        "modalities": [],
        "languages": ["en"],
        "availability": ["weekday_daytime"],
        "setting": "in_person",
    },
    {
        "days_ago": 0,
        "name": "Sky",
        "phone": "+1 555 0199",
        "concerns": "Panic before meetings, and I argue with my partner about it.",
        "modalities": ["cbt"],
        "languages": ["en", "es"],
        "availability": ["weekday_evening"],
        "setting": "video",
    },
]

CAMILAS_CONCERNS = (
    "I feel low most days and I keep pulling away from my sister and my friends. I would like "
    "to understand why, and to feel close to people again."
)
CAMILAS_REVIEW = {
    "themes": (
        "Noticing when low mood turns into withdrawal, and reaching out instead.\n\n"
        "Saying what she needs to her sister without waiting to be asked."
    ),
    "future_growth": (
        "Keep the Sunday call with her sister. Go back to the climbing group once a week. When "
        "the low days come two weeks running, use the plan we wrote together."
    ),
    "notes_for_client": (
        "It was a privilege to walk this part of the road with you. You did the hard part."
    ),
}
FARRAHS_REVIEW = (
    "Some months of work on stress at work and sleep; the sleep diary helped. The sessions "
    "stopped after a change of shifts, and the letter had no answer. The door stays open."
)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def beginnings_and_endings(practice, users, *, clients, today: datetime.date) -> None:
    for username, fields in PROFILES.items():
        therapist = users[username]
        # Capacity counts every client in an open episode, so the room left is what is said.
        taken = (
            Episode.objects.filter(practice=practice, relationship__therapist=therapist)
            .exclude(phase="closed")
            .values("relationship__client")
            .distinct()
            .count()
        )
        fields = dict(fields)
        capacity = taken + fields.pop("open_slots")
        TherapistProfile.objects.create(
            practice=practice, therapist=therapist, capacity=capacity, **fields
        )
    for waiting in WAITING:
        fields = {k: v for k, v in waiting.items() if k != "days_ago"}
        received = today - datetime.timedelta(days=waiting["days_ago"])
        Inquiry.objects.create(practice=practice, received_at=_at(received, 8, 40), **fields)
    _responses_in_their_episodes(practice)
    by_name = {client.given_name: client for client in clients}
    _camilas_cycle(practice, by_name["Camila"], users["alice"])
    _farrahs_lapse(practice, by_name["Farrah"])
    _drafts_in_ending(practice)


def _camilas_cycle(practice, camila, alice) -> None:
    first, _ = Episode.objects.filter(relationship__client=camila).order_by("opened_on")
    received = _at(first.opened_on - datetime.timedelta(days=3), 19, 40)
    answered = _at(first.opened_on - datetime.timedelta(days=2), 10, 15)
    Inquiry.objects.create(
        practice=practice,
        received_at=received,
        concerns=CAMILAS_CONCERNS,
        languages=["en"],
        availability=["weekday_evening"],
        setting="video",
        name=camila.given_name,
        email=camila.email,
        status=Inquiry.Status.MATCHED,
        first_response_at=answered,
        responded_by=alice,
        response_how="phone",
        response_working_seconds=working_seconds(received, answered, hours=hours_for(practice)),
        client=camila,
    )
    _camilas_world(practice, camila, alice, first)
    ending = first.transitions.get(to_phase="ending").at
    signed = _at(first.closed_on, 18)
    EndingReview.objects.create(
        practice=practice,
        episode=first,
        drafted_at=ending,
        drafted_by=alice,
        open_door=(
            f"The door stays open. If you would like to come back, to {alice.display_name} or "
            "to someone else here, write to the practice or use the form on our website; you "
            "will not need to tell your story again from the start."
        ),
        signed_at=signed,
        signed_by=alice,
        shared_at=signed,
        shared_by=alice,
        **CAMILAS_REVIEW,
    )


def _farrahs_lapse(practice, farrah) -> None:
    episode = Episode.objects.get(relationship__client=farrah, ending_type="lapsed")
    found = episode.closed_on - datetime.timedelta(days=21)
    Lapse.objects.create(
        practice=practice,
        episode=episode,
        found_on=found,
        letter_sent_on=found + datetime.timedelta(days=1),
        letter_note="Letter posted to the home address; a voicemail too.",
        closed_on=episode.closed_on,
        short_review=FARRAHS_REVIEW,
        closed_by=episode.relationship.therapist,
    )


def _drafts_in_ending(practice) -> None:
    """An episode in its ending stage has its review's draft from the day it got there, as
    moving it there through the service does."""
    for episode in Episode.objects.filter(practice=practice, phase="ending", ending_review=None):
        EndingReview.objects.create(
            practice=practice,
            episode=episode,
            drafted_at=episode.transitions.get(to_phase="ending").at,
            drafted_by=episode.relationship.therapist,
            open_door=open_door(practice.name),
        )


def _responses_in_their_episodes(practice) -> None:
    """The demo's questionnaires are entered after its episodes are written, so each is moved to
    the episode that was open on the day of its session (a returning client's first scores
    belong to their first episode, as they would have when given)."""
    episodes: dict[tuple[int, int], list[Episode]] = {}
    for episode in Episode.objects.filter(practice=practice).select_related("relationship"):
        key = (episode.relationship.client_id, episode.relationship.therapist_id)
        episodes.setdefault(key, []).append(episode)
    sessions = {
        pk: (client_id, therapist_id, timezone.localtime(starts_at).date())
        for pk, client_id, therapist_id, starts_at in Session.objects.filter(
            practice=practice
        ).values_list("pk", "client_id", "therapist_id", "starts_at")
    }
    moved: dict[int | None, list[int]] = {}
    rows = Response.objects.filter(practice=practice, session__isnull=False)
    for pk, session_id, episode_id in rows.values_list("pk", "session_id", "episode_id"):
        client_id, therapist_id, day = sessions[session_id]
        found = next(
            (
                e.pk
                for e in episodes.get((client_id, therapist_id), ())
                if e.opened_on <= day and (e.closed_on is None or day <= e.closed_on)
            ),
            None,
        )
        if found != episode_id:
            moved.setdefault(found, []).append(pk)
    for episode_id, pks in moved.items():
        Response.objects.filter(pk__in=pks).update(episode_id=episode_id)


# Camila's first episode: her sister and her friends drawn at the assessment and again in the
# ending stage, and the plan agreed with her.
CAMILAS_PEOPLE = {
    "Lucía": ("sister", ["family"], "informed"),
    "Climbing friends": ("friends", ["friendship"], "informed"),
    "Mum": ("mother", ["family", "parent_child"], None),
}
CAMILAS_MAPS = (
    {
        "Lucía": (3, {"communication": 1, "commitment": 2, "respect": 1}),
        "Climbing friends": (4, {"quality_time": 1}),
        "Mum": (2, {"commitment": 2, "emotional_support": 1, "safety": 2}),
    },
    {
        "Lucía": (
            2,
            {
                "communication": 2,
                "commitment": 2,
                "respect": 2,
                "emotional_support": 2,
                "quality_time": 1,
            },
        ),
        "Climbing friends": (3, {"quality_time": 2, "appreciation_gratitude": 1}),
        "Mum": (2, {"commitment": 2, "emotional_support": 1, "safety": 2}),
    },
)
CAMILAS_GOALS = [
    (
        "Call my sister every week, and say how I am.",
        "A call most weeks for two months.",
        "achieved",
    ),
    ("Go back to climbing with my friends.", "Climbing once a week again.", "achieved"),
]


def _camilas_world(practice, camila, alice, episode) -> None:
    phases = {t.to_phase: timezone.localtime(t.at).date() for t in episode.transitions.all()}
    people = {}
    for name, (role, kinds, involvement) in CAMILAS_PEOPLE.items():
        person = Person.objects.create(practice=practice, client=camila, name=name, role=role)
        PersonKind.objects.bulk_create(
            PersonKind(practice=practice, person=person, kind=kind, since=episode.opened_on)
            for kind in kinds
        )
        if involvement:
            TherapyPartner.objects.create(
                practice=practice,
                person=person,
                involvement=involvement,
                knows_in_therapy=True,
                knows_discussed=True,
            )
        people[name] = person
    for day, layout in zip((phases["assessment"], phases["ending"]), CAMILAS_MAPS, strict=True):
        sphere_map = SphereMap.objects.create(
            practice=practice,
            client=camila,
            made_by=SphereMap.MadeBy.THERAPIST,
            author=alice,
            taken_at=_at(day, 11),
            status=SphereMap.Status.FINAL,
            step=5,
        )
        SphereEntry.objects.bulk_create(
            SphereEntry(
                practice=practice,
                map=sphere_map,
                person=people[name],
                ring=ring,
                types=sorted(CAMILAS_PEOPLE[name][1]),
                ratings=ratings,
            )
            for name, (ring, ratings) in layout.items()
        )
    agreed = phases["active"]
    plan = Plan.objects.create(practice=practice, client=camila, episode=episode, created_by=alice)
    version = PlanVersion.objects.create(
        practice=practice,
        plan=plan,
        number=1,
        starts_on=agreed,
        cadence_unit="weeks",
        cadence_every=4,
        created_by=alice,
        signed_by=alice,
        signed_at=_at(agreed, 11),
        concerns="Low mood most days, and pulling away from the people she loves.",
        objectives="Notice the pull to withdraw; reach out to her sister and her friends.",
    )
    for number, (words, criterion, outcome) in enumerate(CAMILAS_GOALS, start=1):
        Goal.objects.create(
            practice=practice,
            version=version,
            number=number,
            description=words,
            criterion=criterion,
            target_date=agreed + datetime.timedelta(weeks=8),
            lifecycle="completed",
            achievement=outcome,
        )
    Plan.objects.filter(pk=plan.pk).update(created_at=_at(agreed, 10))
