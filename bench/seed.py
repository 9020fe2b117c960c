"""Gives the benchmarked practice what the later pages need, once; run by run.py in the bench env.

    KITHKIN_DATABASE_URL=... .venv/bin/python bench/seed.py --client-id 42 [--people 40]

- a sphere map of 40 people for the benchmarked client, through the services, as a therapist
  makes one in session;
- for every client on the therapist's caseload (200 for alice): an open episode, a signed plan
  with three goals (one near its target date), a check-in, and a therapy partner with two
  planned actions, so the caseload dashboard has something to show on every row;
- a second client with 300 sessions, for the timeline.

Bulk rows, without audit events, except the map. Everything is synthetic and seeded: every
revision and database gets the same data. Prints JSON with what it found or made; a revision
without a feature gets null for it.
"""

import argparse
import datetime
import json
import os
import random

TIMELINE_SESSIONS = 300


def seed_map(client, therapist, people: int) -> int | None:
    try:
        from kithkin.core.vocabulary import COMPONENT_KEYS, TYPE_KEYS
        from kithkin.partners.services import person_add
        from kithkin.spheres import services
        from kithkin.spheres.models import SphereMap
    except ImportError:
        return None
    first = "Bench person 01"
    existing = SphereMap.objects.filter(client=client, entries__person__name=first).first()
    if existing is None:
        rng = random.Random(people)
        existing = services.map_create(client=client, by=therapist, made_by="therapist")
        for number in range(1, people + 1):
            person = person_add(
                client=client, by=therapist, name=f"Bench person {number:02d}", role="neighbour"
            )
            services.entry_save(
                sphere_map=existing,
                person_id=person.pk,
                by=therapist,
                ring=rng.randint(1, 5),
                types=rng.sample(sorted(TYPE_KEYS), rng.randint(1, 3)),
                ratings={key: rng.randint(0, 2) for key in COMPONENT_KEYS},
            )
        services.map_finish(sphere_map=existing, by=therapist)
    return existing.pk


def seed_caseload(therapist) -> int | None:
    """Episodes, plans, check-ins and partner actions for the therapist's whole caseload."""
    try:
        from kithkin.clients.models import Person
        from kithkin.partners.models import PlannedAction, TherapyPartner
        from kithkin.plans.models import CheckIn, Goal, Plan, PlanVersion
        from kithkin.relationships.models import Episode, TherapyRelationship
    except ImportError:
        return None
    from django.db import transaction
    from django.utils import timezone

    relationships = list(
        TherapyRelationship.objects.filter(therapist=therapist, ended_on__isnull=True)
        .exclude(episodes__isnull=False)
        .select_related("client")
        .order_by("pk")
    )
    today = timezone.localdate()
    now = timezone.now()
    day = datetime.timedelta(days=1)
    phases = ["assessment", "formulation", "planning", "active", "active", "active", "ending"]
    with transaction.atomic():
        episodes = Episode.objects.bulk_create(
            Episode(
                practice_id=r.practice_id,
                relationship=r,
                phase=phases[i % len(phases)],
                opened_on=today - 120 * day,
                opened_by=therapist,
            )
            for i, r in enumerate(relationships)
        )
        plans = Plan.objects.bulk_create(
            Plan(practice_id=e.practice_id, client=r.client, episode=e, created_by=therapist)
            for e, r in zip(episodes, relationships, strict=True)
        )
        versions = PlanVersion.objects.bulk_create(
            PlanVersion(
                practice_id=p.practice_id,
                plan=p,
                number=1,
                starts_on=today - 100 * day,
                cadence_unit="weeks",
                cadence_every=2 + i % 4,
                created_by=therapist,
                signed_by=therapist,
                signed_at=now - 100 * day,
            )
            for i, p in enumerate(plans)
        )
        Goal.objects.bulk_create(
            Goal(
                practice_id=v.practice_id,
                version=v,
                number=n,
                description="A goal in the client's own words",
                criterion="How we will both know",
                target_date=today + (5 + i % 20 if n == 1 else 60 * n) * day,
                lifecycle="active",
            )
            for i, v in enumerate(versions)
            for n in (1, 2, 3)
        )
        CheckIn.objects.bulk_create(
            CheckIn(
                practice_id=v.practice_id,
                plan_id=v.plan_id,
                version=v,
                held_on=today - (10 + i % 40) * day,
                by=therapist,
            )
            for i, v in enumerate(versions)
        )
        people = Person.objects.bulk_create(
            Person(practice_id=r.practice_id, client=r.client, name="A friend", role="friend")
            for r in relationships
        )
        partners = TherapyPartner.objects.bulk_create(
            TherapyPartner(practice_id=p.practice_id, person=p, involvement="informed")
            for p in people
        )
        PlannedAction.objects.bulk_create(
            PlannedAction(
                practice_id=p.practice_id,
                partner=p,
                text="Talk about the weekend",
                planned_on=today - 30 * day,
                window_start=today - (20 - 10 * k) * day,
                window_end=None if k else today - (5 - i % 10) * day,
                client_paced=bool(k),
                created_by=therapist,
            )
            for i, p in enumerate(partners)
            for k in (0, 1)
        )
    return Episode.objects.filter(relationship__therapist=therapist).count()


def seed_timeline(therapist, skip: int) -> int | None:
    """A client of the therapist with TIMELINE_SESSIONS sessions, weekly back in time."""
    try:
        from kithkin.relationships.models import Episode  # noqa: F401 - the timeline's marker
    except ImportError:
        return None
    from django.db.models import Count
    from django.utils import timezone

    from kithkin.clients.models import Client
    from kithkin.schedule.models import Session

    client = (
        Client.objects.filter(
            therapy_relationships__therapist=therapist,
            therapy_relationships__ended_on__isnull=True,
        )
        .exclude(pk=skip)
        .annotate(n=Count("sessions"))
        .order_by("-n", "pk")
        .first()
    )
    missing = TIMELINE_SESSIONS - client.n
    if missing > 0:
        first = Session.objects.filter(client=client).order_by("starts_at").first()
        start = first.starts_at if first else timezone.now()
        Session.objects.bulk_create(
            Session(
                practice_id=client.practice_id,
                client=client,
                therapist=therapist,
                starts_at=start - datetime.timedelta(weeks=week),
                status="attended",
            )
            for week in range(1, missing + 1)
        )
    return client.pk


def analyse() -> None:
    """Fresh statistics for the tables seeded here, as autovacuum (PostgreSQL) and the nightly
    ANALYZE job (SQLite) would give them: the build analysed them while they held a row or two,
    and on those figures PostgreSQL planned the dashboard's plans query as a nested loop that
    scanned the check-ins once per plan (6.5 ms instead of well under one)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client-id", type=int, required=True)
    parser.add_argument("--people", type=int, default=40)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kithkin.settings")
    import django

    django.setup()
    from kithkin.clients.models import Client

    client = Client.objects.get(pk=args.client_id)
    therapist = client.therapy_relationships.filter(ended_on__isnull=True).first().therapist
    result = {
        "map_id": seed_map(client, therapist, args.people),
        "caseload_episodes": seed_caseload(therapist),
        "timeline_client_id": seed_timeline(therapist, skip=client.pk),
        "timeline_sessions": TIMELINE_SESSIONS,
    }
    analyse()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
