"""Gives the benchmarked client a sphere map of 40 people, once; run by run.py in the bench env.

    KITHKIN_DATABASE_URL=... .venv/bin/python bench/seed_map.py --client-id 42 [--people 40]

Prints JSON: {"map_id": N, "entries": 40}, or {"map_id": null} for a revision without sphere
maps. Everything is written through the services, as a therapist would in session, so the map
is a real, audited one. The people and their ratings are synthetic and seeded: every revision
and database gets the same map.
"""

import argparse
import json
import os
import random


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client-id", type=int, required=True)
    parser.add_argument("--people", type=int, default=40)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kithkin.settings")
    import django

    django.setup()
    try:
        from kithkin.core.vocabulary import COMPONENT_KEYS, TYPE_KEYS
        from kithkin.partners.services import person_add
        from kithkin.spheres import services
        from kithkin.spheres.models import SphereMap
    except ImportError:
        print(json.dumps({"map_id": None}))
        return
    from kithkin.clients.models import Client

    client = Client.objects.get(pk=args.client_id)
    therapist = client.therapy_relationships.filter(ended_on__isnull=True).first().therapist
    first = "Bench person 01"
    existing = SphereMap.objects.filter(client=client, entries__person__name=first).first()
    if existing is None:
        rng = random.Random(args.people)
        existing = services.map_create(client=client, by=therapist, made_by="therapist")
        for number in range(1, args.people + 1):
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
    print(json.dumps({"map_id": existing.pk, "entries": existing.entries.count()}))


if __name__ == "__main__":
    main()
