import datetime

import pytest
from django.utils import timezone

from kithkin.clients.models import Person
from kithkin.plans import services
from kithkin.plans.services import GoalInput
from kithkin.relationships.models import Episode

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def episode(world, today):
    return Episode.objects.create(
        practice=world.practice,
        relationship=world.carol.therapy_relationships.get(),
        phase="planning",
        opened_on=today - 30 * DAY,
        opened_by=world.alice,
    )


@pytest.fixture
def mother(world):
    return Person.objects.create(
        practice=world.practice, client=world.carol, name="Her mother", role="mother"
    )


@pytest.fixture
def diane(world):
    return Person.objects.get(client=world.carol, name="Diane")


@pytest.fixture
def plan(world, episode, today):
    return services.plan_start(client=world.carol, by=world.alice, starts_on=today - 7 * DAY)


@pytest.fixture
def draft(plan):
    return plan.versions.get(number=1)


def a_goal(today, **overrides) -> GoalInput:
    fields = {
        "description": "Talk to Mum about a joint session",
        "criterion": "We have held one joint session",
        "target_date": today + 60 * DAY,
        "lifecycle": "active",
        **overrides,
    }
    return GoalInput(**fields)


@pytest.fixture
def signed(world, draft, mother, today):
    """Version 1 with two goals, signed by alice."""
    services.version_update(
        version=draft,
        by=world.alice,
        starts_on=draft.starts_on,
        concerns="Low mood; hard to ask for things",
        cadence_unit="weeks",
        cadence_every=4,
    )
    services.goal_add(version=draft, by=world.alice, goal=a_goal(today, partner_ids=(mother.pk,)))
    services.goal_add(
        version=draft,
        by=world.alice,
        goal=a_goal(today, description="Ask Diane to share the chores", criterion="A rota"),
    )
    return services.version_sign(version=draft, by=world.alice)
