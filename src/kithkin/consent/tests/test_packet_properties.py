"""Properties of every release packet, over people, involvements, sentences and categories that
hypothesis makes up: no packet ever holds a psychotherapy note, and no packet ever names a
person the disclosure guard withholds (an ``unaware`` partner, or anyone without a recorded
involvement), in the FHIR Bundle or in the HTML the PDF is rendered from. The record names them
everywhere a therapist writes, the signed ending review's themes, plans and note for the client
included, and puts them on its spheres maps and in plans with them.

Each example runs in its own savepoint, rolled back, so the examples do not see each other.
"""

import datetime

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kithkin.clients.models import Person
from kithkin.consent import packets
from kithkin.consent.tests.conftest import OKAFOR, signed
from kithkin.core.consent import Category, Party, ReleaseRequest
from kithkin.core.notes import NoteText
from kithkin.endings import services as endings
from kithkin.endings.services import ReviewTexts
from kithkin.measures import services as measures
from kithkin.measures.tests.conftest import PHQ9_MODERATE, key
from kithkin.notes import services as notes
from kithkin.partners.models import PlannedAction, TherapyPartner
from kithkin.plans import services as plans
from kithkin.relationships.models import Episode
from kithkin.schedule.models import Session, SessionAttendee
from kithkin.spheres.models import SphereEntry, SphereMap

UTC = datetime.UTC
# Names that cannot occur by chance in the packet's own words: a capital Q or Z, then letters.
NAMES = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from("QZ"),
    st.text(alphabet="xqzvjk", min_size=4, max_size=8),
)
INVOLVEMENTS = st.sampled_from(["unaware", "informed", "joint_sessions", "indirect", None])
PEOPLE = st.lists(st.tuples(NAMES, INVOLVEMENTS), min_size=1, max_size=4, unique_by=lambda p: p[0])
PARTS = st.sets(
    st.sampled_from(
        [Category.PLAN, Category.PROGRESS_SUMMARIES, Category.MEASURES, Category.ENDING_REVIEW]
    ),
    min_size=1,
)
SECRET = "Psychotherapy-note marker Xylophonic"


def _record(world, people):
    """carol's record naming everyone in ``people`` in every free-text field there is."""
    rows = []
    for name, involvement in people:
        person = Person.objects.create(
            practice=world.practice, client=world.carol, name=name, role="neighbour"
        )
        if involvement:
            TherapyPartner.objects.create(
                practice=world.practice, person=person, involvement=involvement
            )
        rows.append(person)
    everyone = ", ".join(name for name, _ in people)
    today = timezone.localdate()
    episode = Episode.objects.create(
        practice=world.practice,
        relationship=world.carol.therapy_relationships.get(),
        phase="ending",
        opened_on=today - datetime.timedelta(days=20),
        opened_by=world.alice,
    )
    session = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() - datetime.timedelta(days=2),
        status="attended",
        kind="joint",
    )
    for person in rows:
        SessionAttendee.objects.create(
            practice=world.practice, session=session, person=person, attendance="attended"
        )
    plan = plans.plan_start(client=world.carol, by=world.alice, starts_on=timezone.localdate())
    version = plan.versions.get()
    version.concerns = f"Tension with {everyone}"
    version.relational_context = f"Lives near {everyone}'s house"
    version.save()
    plans.goal_add(
        version=version,
        by=world.alice,
        goal=plans.GoalInput(
            description=f"Tell {everyone} no",
            criterion=f"{everyone} hears it",
            target_date=timezone.localdate() + datetime.timedelta(days=30),
            partner_ids=tuple(p.pk for p in rows),
        ),
    )
    plans.version_sign(version=version, by=world.alice)
    notes.progress_note_sign(
        session=session,
        by=world.alice,
        text=NoteText(
            focus=f"Talked about {everyone}",
            interventions="Chair work",
            response=f"Felt calmer about {everyone}",
            plan="Practise",
        ),
    )
    notes.psychotherapy_note_save(session=session, by=world.alice, text=f"{SECRET} {everyone}")
    measures.response_submit(
        client=world.carol,
        instrument_code="phq9",
        answers=PHQ9_MODERATE,
        by=world.carol_login,
        via="portal",
        idempotency_key=key(),
    )
    _reviewed(world, episode, rows, everyone)


def _reviewed(world, episode, rows, everyone):
    """A signed ending review of ``episode`` whose every written part names everyone, with
    everyone moving between two maps and a plan with each partner."""
    for n, days_ago in enumerate((25, 1)):
        sphere_map = SphereMap.objects.create(
            practice=world.practice,
            client=world.carol,
            made_by="therapist",
            author=world.alice,
            taken_at=timezone.now() - datetime.timedelta(days=days_ago),
            status="final",
        )
        for i, person in enumerate(rows):
            ring = 1 + (i + n) % 3
            SphereEntry.objects.create(
                practice=world.practice, map=sphere_map, person=person, ring=ring
            )
    today = timezone.localdate()
    for person in rows:
        if hasattr(person, "partner"):
            PlannedAction.objects.create(
                practice=world.practice,
                partner=person.partner,
                text=f"Ask {person.name} over",
                planned_on=today - datetime.timedelta(days=10),
                window_start=today - datetime.timedelta(days=9),
                created_by=world.alice,
            )
    review = endings.review_start(episode=episode, by=world.alice)
    texts = ReviewTexts(
        themes=f"Standing up to {everyone}",
        future_growth=f"Calls with {everyone} go on",
        open_door=f"Come back with {everyone} any time",
        notes_for_client=f"{everyone} will notice the change",
    )
    review = endings.review_save(review=review, by=world.alice, texts=texts)
    endings.review_sign(review=review, by=world.alice)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=PEOPLE, parts=PARTS)
def test_no_packet_holds_a_psychotherapy_note_or_a_withheld_name(world, people, parts):
    with transaction.atomic():
        _record(world, people)
        authorization = signed(world, categories=["full_record"])
        request = ReleaseRequest(
            recipient=Party(*OKAFOR.values()),
            categories=frozenset(parts),
            purpose="Continuity of care",
            information_from=timezone.localdate() - datetime.timedelta(days=30),
            information_to=timezone.localdate(),
            at=timezone.now(),
        )
        packet = packets.gather(
            client=world.carol,
            authorization=authorization,
            request=request,
            by=world.alice,
            at=request.at,
        )
        bundle = packets.bundle_text(packet, disclosure_id=1)
        html = render_to_string("consent/packet_pdf.html", {"packet": packet, "disclosure": None})
        # The signed review goes whenever it is asked for, so its every part is tried too.
        assert bool(packet.reviews) is (Category.ENDING_REVIEW in parts)
        for text in (bundle, html):
            assert "Xylophonic" not in text
            assert "will notice the change" not in text  # the note for the client, to them
            for name, involvement in people:
                if involvement in (None, "unaware"):
                    assert name not in text, (name, involvement)
            assert "Diane" not in text  # the world's own Diane has no recorded involvement
        assert packet.withheld == 1 + sum(1 for _, i in people if i in (None, "unaware"))
        transaction.set_rollback(True)
