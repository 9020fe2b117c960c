"""The demo practice: deterministic, seeded and wholly synthetic.

Names come from short made-up lists, emails use example.org and phone numbers the fictional
555-01xx range, so nothing resembles a real person's identifiers.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from kithkin.accounts.models import User
from kithkin.clients.models import Client, Person, PersonKind
from kithkin.demo.assessments import alexis_assessment
from kithkin.demo.consent import alexis_consents
from kithkin.demo.cycle import beginnings_and_endings
from kithkin.demo.episodes import alexis_episode, other_episodes
from kithkin.demo.measures import alexis_measures, other_clients_measures
from kithkin.demo.notes import alexis_notes
from kithkin.demo.plans import demo_plans
from kithkin.demo.sessions import alexis_joint_session
from kithkin.measures.summaries import summaries_rebuild
from kithkin.partners.models import PlannedAction, TherapyPartner
from kithkin.practices.models import Practice
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule.models import Session
from kithkin.spheres.models import SphereEntry, SphereMap
from kithkin.web.maintenance import optimize_database

DEMO_SLUG = "demo"
SEED = 20261122

GIVEN = [
    "Avery",
    "Blake",
    "Camila",
    "Dorian",
    "Elodie",
    "Farrah",
    "Gideon",
    "Halima",
    "Ines",
    "Jonah",
    "Keiko",
    "Linus",
    "Marisol",
    "Nadim",
    "Orla",
    "Priya",
    "Quentin",
    "Rosalind",
    "Soren",
    "Tamsin",
    "Ulric",
    "Veda",
    "Wren",
    "Xiomara",
    "Yusuf",
    "Zelda",
]
FAMILY = [
    "Ashgrove",
    "Brambleton",
    "Cinderby",
    "Dunmore",
    "Ellery",
    "Fairweather",
    "Glenrock",
    "Hollowell",
    "Ivesworth",
    "Juniper",
    "Kestrel",
    "Larkfield",
    "Mossbank",
    "Northam",
    "Oakridge",
    "Pennyworth",
    "Quarrydale",
    "Rookwood",
    "Stillwater",
    "Thornbury",
    "Underhill",
    "Vale",
    "Whitlock",
    "Yarrow",
]
PRONOUNS = ["she/her", "he/him", "they/them", "", "she/they"]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: str
    what: str


ACCOUNTS = [
    DemoAccount("alice", "Alice", "Marlowe", User.Roles.THERAPIST, "therapist; Alexis's therapist"),
    DemoAccount("bob", "Bob", "Okafor", User.Roles.THERAPIST, "therapist"),
    DemoAccount("sam", "Sam", "Delacroix", User.Roles.SUPERVISOR, "supervisor of alice"),
    DemoAccount("adam", "Adam", "Price", User.Roles.ADMIN, "practice admin, no clinical access"),
    DemoAccount("alexis", "Alexis", "Rowan", User.Roles.CLIENT, "client portal of Alexis"),
]


def load_demo(*, password: str) -> tuple[Practice, bool]:
    """Creates the demo practice unless it exists. Returns it and whether it was created."""
    existing = Practice.objects.filter(slug=DEMO_SLUG).first()
    if existing:
        return existing, False
    with transaction.atomic():
        return _create_demo(password=password), True


def _create_demo(*, password: str) -> Practice:
    rng = random.Random(SEED)
    practice = Practice.objects.create(name="Riverside Relational Therapy", slug=DEMO_SLUG)
    hashed = make_password(password)
    users = {
        a.username: User.objects.create(
            username=a.username,
            first_name=a.first_name,
            last_name=a.last_name,
            email=f"{a.username}@example.org",
            role=a.role,
            practice=practice,
            password=hashed,
        )
        for a in ACCOUNTS
    }
    users["alice"].supervisor = users["sam"]
    users["alice"].save(update_fields=["supervisor"])

    today = timezone.localdate()
    alexis = Client.objects.create(
        practice=practice,
        given_name="Alexis",
        family_name="Rowan",
        pronouns="she/her",
        date_of_birth=datetime.date(1997, 5, 9),
        email="alexis.rowan@example.org",
        phone="+1 555 0100",
        address="12 Example Lane\nSpringfield",
        portal_user=users["alexis"],
    )
    TherapyRelationship.objects.create(
        practice=practice,
        client=alexis,
        therapist=users["alice"],
        started_on=today - datetime.timedelta(weeks=10),
    )
    # Seed 000: her mother (joint sessions), her roommate Diane (must not know she is
    # discussed), her employer (a partner without knowing it), her coworkers and supervisor.
    for name, role, notes in [
        ("Mother", "mother", "Also lives with depression; they have never talked about it."),
        (
            "Diane",
            "roommate",
            "Alexis finds it hard to ask her to share cleaning, bills and shopping.",
        ),
        (
            "Employer",
            "employer",
            "Might give time off to visit her father, if Alexis agrees to ask.",
        ),
        ("Coworkers", "coworkers", "Communication at work is a daily strain."),
        ("Supervisor at work", "supervisor", ""),
        ("Father", "father, lives out of town", ""),
    ]:
        Person.objects.create(practice=practice, client=alexis, name=name, role=role, notes=notes)
    _alexis_world(practice, alexis, users["alice"], today)
    _alexis_home_map(practice, alexis, users["alexis"], today)
    _alexis_sessions(practice, alexis, users["alice"], today)
    alexis_episode(practice, alexis, users["alice"])
    alexis_assessment(practice, alexis, users["alice"])
    alexis_notes(practice, alexis, users["alice"])
    alexis_measures(practice, alexis, users["alice"], login=users["alexis"])
    alexis_joint_session(practice, alexis, users["alice"], today)

    others = []
    for index in range(12):
        therapist = users["alice"] if index % 2 == 0 else users["bob"]
        client = Client.objects.create(
            practice=practice,
            given_name=GIVEN[index],
            family_name=FAMILY[index],
            pronouns=PRONOUNS[index % len(PRONOUNS)],
            date_of_birth=datetime.date(
                1960 + rng.randrange(45), rng.randrange(1, 13), rng.randrange(1, 29)
            ),
            email=f"{GIVEN[index].lower()}.{FAMILY[index].lower()}@example.org",
            phone=f"+1 555 01{index + 1:02d}",
        )
        TherapyRelationship.objects.create(
            practice=practice,
            client=client,
            therapist=therapist,
            started_on=today - datetime.timedelta(weeks=rng.randrange(2, 60)),
        )
        _weekly_sessions(practice, client, therapist, weeks=rng.randrange(1, 20), rng=rng)
        others.append((client, therapist))
    # After the episodes: closing one rewrites its sessions, which feedback would hold in place.
    other_episodes(practice, skip=alexis, today=today)
    other_clients_measures(practice, others)
    demo_plans(practice, alexis=alexis, alice=users["alice"], today=today)
    alexis_consents(practice, alexis, users["alice"], login=users["alexis"], today=today)
    beginnings_and_endings(practice, users, clients=[c for c, _ in others], today=today)
    # Sessions are written in bulk here, past the services that keep the practice view's
    # summaries: its figures are computed once more from the whole record.
    summaries_rebuild(practice)
    return practice


# Seed 000's therapy partners: who they are to Alexis and how they take part in her plan.
ALEXIS_PARTNERS = {
    "Mother": (["family", "parent_child"], "joint_sessions", True, False),
    "Diane": (["friendship", "casual"], "unaware", True, False),
    "Employer": (["professional", "transactional"], "indirect", False, False),
    "Coworkers": (["professional"], "indirect", False, False),
}
# Two maps three months apart (ring, ratings given): Diane sits close with few components (the
# incongruence to explore), and her mother moves closer once they have talked.
FIRST_MAP = {
    "Mother": (3, {"communication": 1, "commitment": 2, "emotional_support": 1, "respect": 1}),
    "Diane": (2, {"communication": 1, "respect": 1, "quality_time": 1}),
    "Employer": (4, {"respect": 1}),
    "Coworkers": (4, {"communication": 1}),
    "Father": (
        2,
        {
            "safety": 2,
            "emotional_support": 2,
            "commitment": 2,
            "trust_reliability": 2,
            "respect": 2,
            "appreciation_gratitude": 1,
            "intimacy": 1,
        },
    ),
}
SECOND_MAP = {
    **FIRST_MAP,
    "Mother": (
        2,
        {
            "communication": 2,
            "commitment": 2,
            "emotional_support": 2,
            "safety": 1,
            "respect": 2,
            "trust_reliability": 1,
            "quality_time": 1,
            "appreciation_gratitude": 1,
            "intimacy": 1,
        },
    ),
}


def _alexis_world(practice, alexis, alice, today) -> None:
    people = {p.name: p for p in alexis.people.all()}
    started = today - datetime.timedelta(weeks=10)
    for name, (kinds, involvement, knows_therapy, knows_discussed) in ALEXIS_PARTNERS.items():
        person = people[name]
        PersonKind.objects.bulk_create(
            PersonKind(practice=practice, person=person, kind=kind, since=started) for kind in kinds
        )
        partner = TherapyPartner.objects.create(
            practice=practice,
            person=person,
            involvement=involvement,
            knows_in_therapy=knows_therapy,
            knows_discussed=knows_discussed,
        )
        if name == "Mother":
            PlannedAction.objects.create(
                practice=practice,
                partner=partner,
                text="Alexis will talk to her mother about a joint session",
                planned_on=today,
                window_start=today + datetime.timedelta(days=7),
                window_end=today + datetime.timedelta(days=14),
                client_paced=True,
                created_by=alice,
            )
        if name == "Employer":
            PlannedAction.objects.create(
                practice=practice,
                partner=partner,
                text="If Alexis agrees, ask her employer for time off to visit her father",
                planned_on=today,
                window_start=today + datetime.timedelta(weeks=6),
                client_paced=True,
                created_by=alice,
            )
    PersonKind.objects.create(
        practice=practice, person=people["Father"], kind="family", since=started
    )
    for taken, layout in ((today - datetime.timedelta(days=91), FIRST_MAP), (today, SECOND_MAP)):
        sphere_map = SphereMap.objects.create(
            practice=practice,
            client=alexis,
            made_by=SphereMap.MadeBy.THERAPIST,
            author=alice,
            taken_at=_at_hour(taken, 11),
            status=SphereMap.Status.FINAL,
            step=5,
        )
        SphereEntry.objects.bulk_create(
            SphereEntry(
                practice=practice,
                map=sphere_map,
                person=people[name],
                ring=ring,
                types=sorted(ALEXIS_PARTNERS.get(name, (["family"],))[0]),
                ratings=ratings,
            )
            for name, (ring, ratings) in layout.items()
        )


# Alexis's own map, made at home in the portal between the two session maps and shared when she
# finished it: Diane in the middle with few components (her own question), her mother still at a
# distance before their talk.
HOME_MAP = {
    "Father": (1, ["family", "parent_child"], FIRST_MAP["Father"][1]),
    "Diane": (1, ["friendship", "platonic"], {"quality_time": 2, "respect": 1}),
    "Mother": (3, ["family", "parent_child"], FIRST_MAP["Mother"][1]),
    "Supervisor at work": (4, ["professional"], {"respect": 1, "communication": 1}),
    "Coworkers": (5, ["professional", "acquaintance"], {}),
}
HOME_REFLECTION = (
    "I put Diane right in the middle without thinking, then ticked only a couple of things for "
    "her. I want to talk about why she feels so close when asking her for anything is so hard."
)


def _alexis_home_map(practice, alexis, login, today) -> None:
    people = {p.name: p for p in alexis.people.all()}
    taken = today - datetime.timedelta(days=45)
    sphere_map = SphereMap.objects.create(
        practice=practice,
        client=alexis,
        made_by=SphereMap.MadeBy.CLIENT,
        author=login,
        taken_at=_at_hour(taken, 20),
        status=SphereMap.Status.FINAL,
        step=5,
        reflection=HOME_REFLECTION,
        finished_at=_at_hour(taken + datetime.timedelta(days=2), 21),
    )
    SphereEntry.objects.bulk_create(
        SphereEntry(
            practice=practice,
            map=sphere_map,
            person=people[name],
            ring=ring,
            types=sorted(types),
            ratings=ratings,
        )
        for name, (ring, types, ratings) in HOME_MAP.items()
    )


def _alexis_sessions(practice, alexis, alice, today) -> None:
    """Nine weekly sessions up to last week, one of them cancelled late, so eight attended (each
    gets a signed note), and the next one booked for next week. None falls on the day the demo
    is built, so what is past does not depend on the hour."""
    first = _at_hour(today - datetime.timedelta(weeks=9), 11)
    Session.objects.bulk_create(
        Session(
            practice=practice,
            client=alexis,
            therapist=alice,
            starts_at=first + datetime.timedelta(weeks=week),
            status=(
                Session.Status.SCHEDULED
                if week == 10
                else Session.Status.LATE_CANCELLED
                if week == 4
                else Session.Status.ATTENDED
            ),
            modality="video" if week % 3 == 2 else "in_person",
        )
        for week in [*range(9), 10]
    )


def _weekly_sessions(practice, client, therapist, *, weeks: int, rng: random.Random) -> None:
    start = _at_hour(
        timezone.localdate() - datetime.timedelta(weeks=weeks), rng.choice([9, 11, 14, 16])
    )
    Session.objects.bulk_create(
        _session(practice, client.pk, therapist.pk, start + datetime.timedelta(weeks=w), rng)
        for w in range(weeks + 2)
    )


def _at_hour(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _session(practice, client_id, therapist_id, starts_at, rng) -> Session:
    # The status is drawn whether or not the session is past, so the demo does not depend on
    # the hour it is built at: the same seed gives the same practice all day.
    status = rng.choices(
        [
            Session.Status.ATTENDED,
            Session.Status.CANCELLED,
            Session.Status.LATE_CANCELLED,
            Session.Status.NO_SHOW,
        ],
        weights=[85, 7, 4, 4],
    )[0]
    if starts_at >= timezone.now():
        status = Session.Status.SCHEDULED
    return Session(
        practice=practice,
        client_id=client_id,
        therapist_id=therapist_id,
        starts_at=starts_at,
        status=status,
        modality=rng.choices(["in_person", "video", "phone"], weights=[6, 3, 1])[0],
    )


def grow_practice(practice: Practice, *, clients: int, sessions: int, progress) -> tuple[int, int]:
    """Grows the practice to ``clients`` clients with ``sessions`` more sessions, in bulk.

    About a hundred clients per therapist, with alice holding 200 so the caseload benchmark has
    its size. Returns what was added.
    """
    rng = random.Random(SEED + clients)
    have = Client.objects.filter(practice=practice).count()
    to_add = max(0, clients - have)
    if to_add == 0:
        return 0, 0
    alice = User.objects.get(practice=practice, username="alice")
    extra_therapists = _extra_therapists(practice, count=max(1, clients // 100))
    alice_has = TherapyRelationship.objects.filter(therapist=alice).count()
    alice_wants = min(200, to_add) - alice_has if to_add >= 200 else 0
    today = timezone.localdate()
    batch = 2000
    client_ids, therapist_of = [], {}
    with progress(total=to_add, desc="clients", unit="client") as bar:
        for offset in range(0, to_add, batch):
            size = min(batch, to_add - offset)
            rows = [
                Client(
                    practice=practice,
                    given_name=rng.choice(GIVEN),
                    family_name=rng.choice(FAMILY),
                    pronouns=rng.choice(PRONOUNS),
                    email=f"client{have + offset + i + 1}@example.org",
                    phone=f"+1 555 01{(offset + i) % 100:02d}",
                )
                for i in range(size)
            ]
            with transaction.atomic():
                created = Client.objects.bulk_create(rows, batch_size=1000)
                links = []
                for i, client in enumerate(created):
                    n = offset + i
                    therapist_id = (
                        alice.pk if n < alice_wants else extra_therapists[n % len(extra_therapists)]
                    )
                    therapist_of[client.pk] = therapist_id
                    links.append(
                        TherapyRelationship(
                            practice=practice,
                            client_id=client.pk,
                            therapist_id=therapist_id,
                            started_on=today - datetime.timedelta(days=rng.randrange(1, 1460)),
                        )
                    )
                TherapyRelationship.objects.bulk_create(links, batch_size=1000)
            client_ids += [c.pk for c in created]
            bar.update(size)
    added_sessions = _bulk_sessions(practice, client_ids, therapist_of, sessions, rng, progress)
    # A bulk load leaves the planner's statistics stale until the nightly job runs.
    optimize_database()
    return to_add, added_sessions


def _extra_therapists(practice, *, count: int) -> list[int]:
    existing = list(
        User.objects.filter(practice=practice, username__startswith="therapist-").values_list(
            "pk", flat=True
        )
    )
    if len(existing) >= count:
        return existing
    # Synthetic clinicians for the large practice; they cannot log in.
    new = [
        User(
            username=f"therapist-{n:03d}",
            first_name="Therapist",
            last_name=f"{n:03d}",
            role=User.Roles.THERAPIST,
            practice=practice,
            password=make_password(None),
        )
        for n in range(len(existing) + 1, count + 1)
    ]
    User.objects.bulk_create(new)
    return list(
        User.objects.filter(practice=practice, username__startswith="therapist-").values_list(
            "pk", flat=True
        )
    )


def _bulk_sessions(practice, client_ids, therapist_of, total, rng, progress) -> int:
    """Four years of weekly-ish sessions, spread evenly over the new clients, the newest ones
    scheduled in the coming weeks."""
    if not client_ids or total <= 0:
        return 0
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    per_client, remainder = divmod(total, len(client_ids))
    batch, made = [], 0
    with progress(total=total, desc="sessions", unit="session") as bar:
        for index, client_id in enumerate(client_ids):
            count = per_client + (1 if index < remainder else 0)
            start = (
                now
                + datetime.timedelta(weeks=2)
                - datetime.timedelta(weeks=count * rng.uniform(1.0, 1.5))
            )
            for k in range(count):
                starts_at = start + datetime.timedelta(
                    days=7 * k + rng.randrange(0, 3), hours=rng.randrange(0, 8)
                )
                batch.append(_session(practice, client_id, therapist_of[client_id], starts_at, rng))
            if len(batch) >= 20000:
                made += _flush(batch, bar)
        made += _flush(batch, bar)
    return made


def _flush(batch: list, bar) -> int:
    with transaction.atomic():
        Session.objects.bulk_create(batch, batch_size=5000)
    n = len(batch)
    bar.update(n)
    batch.clear()
    return n
