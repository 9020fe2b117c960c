"""The practice view's share of endings that were planned (issue 9): counted among closed
episodes, withheld under five, and summed in the same query as the drop-out rate."""

import datetime

import pytest
from django.urls import reverse

from kithkin.clients.models import Client
from kithkin.core.practice_feedback import Counts, FeedbackFiguresError, figures
from kithkin.measures.summaries import practice_feedback
from kithkin.relationships.models import Episode, TherapyRelationship


def test_the_share_of_planned_endings_among_the_closed():
    f = figures(Counts(closed=8, dropped_out=2, planned=6))
    assert f.planned_endings.text == "75% (6 of 8 episodes closed)"
    assert figures(Counts(closed=4, planned=4)).planned_endings.text == (
        "withheld: fewer than 5 episodes closed"
    )
    assert figures(Counts()).planned_endings.text == "none yet (no episodes closed)"


@pytest.mark.parametrize(
    "bad", [{"closed": 1, "planned": 2}, {"closed": 2, "planned": 1, "dropped_out": 2}]
)
def test_planned_endings_cannot_outnumber_the_closed(bad):
    with pytest.raises(FeedbackFiguresError):
        Counts(**bad)


def closed_episode(world, n: int, ending: str) -> None:
    client = Client.objects.create(practice=world.practice, given_name=f"End{n}", family_name="X")
    relationship = TherapyRelationship.objects.create(
        practice=world.practice,
        client=client,
        therapist=world.alice,
        started_on=datetime.date(2026, 1, 5),
    )
    Episode.objects.create(
        practice=world.practice,
        relationship=relationship,
        phase="closed",
        ending_type=ending,
        opened_on=datetime.date(2026, 1, 5),
        closed_on=datetime.date(2026, 3, 5),
        opened_by=world.alice,
    )


def test_the_practice_view_shows_the_planned_share(world, login):
    from kithkin.accounts.access import actor_for

    for n, ending in enumerate(["planned", "planned", "planned", "lapsed", "referred"]):
        closed_episode(world, n, ending)
    numbers = practice_feedback(actor_for(world.alice), world.practice.pk)
    assert numbers.practice.figures.planned_endings.text == "60% (3 of 5 episodes closed)"
    assert numbers.practice.figures.drop_out.text == "20% (1 of 5 episodes closed)"
    body = login(world.alice).get(reverse("practice_feedback")).content.decode()
    assert "Endings that were planned</dt><dd>60% (3 of 5 episodes closed)" in body
