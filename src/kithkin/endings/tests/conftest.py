"""Carol's record at its ending: the fhir tests' ``record`` (Diane unaware, Maria her mother in
joint sessions, a PHQ-9, a goal on the plan) moved on to the ending stage, with the plan signed,
alliance check-ins, a second sphere map and plans with both partners."""

import datetime
import itertools

import pytest
from django.utils import timezone

from kithkin.fhir.tests.conftest import carols_record, partners, record  # noqa: F401
from kithkin.measures import services as measures
from kithkin.measures.tests.conftest import GAD7_MILD, GAD7_MODERATE, PHQ9_MILD, alliance, key
from kithkin.partners.models import PlannedAction
from kithkin.plans import services as plans
from kithkin.relationships.models import EpisodeTransition
from kithkin.schedule.models import Session
from kithkin.spheres.models import SphereEntry, SphereMap

UTC = datetime.UTC
D = datetime.date
PATH = [
    (D(2026, 3, 1), "reaching_out"),
    (D(2026, 3, 2), "assessment"),
    (D(2026, 3, 9), "formulation"),
    (D(2026, 3, 16), "planning"),
    (D(2026, 3, 23), "active"),
    (D(2026, 11, 2), "ending"),
]


def at(day: datetime.date, hour: int = 15) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


@pytest.fixture
def ending(record):  # noqa: F811 - the fhir tests' fixture, imported above
    world = record
    episode = world.episode
    for (_, before), (day, after) in itertools.pairwise(PATH):
        EpisodeTransition.objects.create(
            practice=world.practice,
            episode=episode,
            from_phase=before,
            to_phase=after,
            reason="Diane's rent worries came up" if after == "formulation" else "",
            by=world.alice,
            at=at(day, 12),
        )
    episode.phase = "ending"
    episode.save(update_fields=["phase"])
    plans.version_sign(version=world.version, by=world.alice)
    sessions = [
        Session.objects.create(
            practice=world.practice,
            client=world.carol,
            therapist=world.alice,
            starts_at=at(D(2026, 3, 9) + datetime.timedelta(weeks=n)),
            status="attended",
        )
        for n in range(3)
    ]
    Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=at(D(2026, 4, 6)),
        status="no_show",
    )
    for session, (gad7, ally) in zip(
        sessions, [(GAD7_MODERATE, 6), (GAD7_MILD, 7), (GAD7_MILD, 9)], strict=True
    ):
        for code, answers in (("gad7", gad7), ("alliance", alliance(ally))):
            measures.response_submit(
                client=world.carol,
                instrument_code=code,
                answers=answers,
                by=world.carol_login,
                via="portal",
                session=session,
                idempotency_key=key(),
            )
    measures.response_submit(
        client=world.carol,
        instrument_code="phq9",
        answers=PHQ9_MILD,
        by=world.carol_login,
        via="portal",
        idempotency_key=key(),
    )
    later = SphereMap.objects.create(
        practice=world.practice,
        client=world.carol,
        made_by="therapist",
        author=world.alice,
        taken_at=at(D(2026, 10, 26), 16),
        status="final",
    )
    for person, ring in ((world.maria, 2), (world.diane, 2)):
        SphereEntry.objects.create(practice=world.practice, map=later, person=person, ring=ring)
    for person, text in (
        (world.maria, "Ask Maria to a joint session"),
        (world.diane, "Talk to Diane about the bills"),
    ):
        PlannedAction.objects.create(
            practice=world.practice,
            partner=person.partner,
            text=text,
            planned_on=D(2026, 4, 1),
            window_start=D(2026, 4, 8),
            done_on=D(2026, 5, 1),
            created_by=world.alice,
        )
    world.today = timezone.localdate()
    world.sessions = sessions
    return world


def carols_review(world):
    """Carol's shared review of an earlier, closed episode with alice, made once per world (the
    URL tests' ``review_id``). The episode is written directly, as the demo's are: closed
    episodes are history, and her open one stays as the other URL tests left it."""
    found = getattr(world, "carols_review", None)
    if found is not None:
        return found
    from kithkin.endings import services
    from kithkin.endings.services import ReviewTexts
    from kithkin.relationships.models import Episode

    episode = Episode.objects.create(
        practice=world.practice,
        relationship=world.carol.therapy_relationships.get(therapist=world.alice),
        phase="closed",
        opened_on=D(2026, 1, 5),
        closed_on=D(2026, 1, 6),
        ending_type="planned",
        opened_by=world.alice,
    )
    review = services.review_start(episode=episode, by=world.alice)
    texts = ReviewTexts(themes="Asking for what she needs", future_growth="Keep the rota going")
    review = services.review_save(review=review, by=world.alice, texts=texts)
    services.review_sign(review=review, by=world.alice)
    world.carols_review = services.review_share(review=review, by=world.alice)
    return world.carols_review


def reviewed(episode, by):
    """Writes and signs ``episode``'s ending review, which a planned close needs (issue 9)."""
    from kithkin.endings import services
    from kithkin.endings.services import ReviewTexts

    review = services.review_start(episode=episode, by=by)
    texts = ReviewTexts(themes="Finding her voice at home", future_growth="Sunday calls go on")
    review = services.review_save(review=review, by=by, texts=texts)
    return services.review_sign(review=review, by=by)
