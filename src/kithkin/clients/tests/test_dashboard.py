"""The caseload as a dashboard: phase and stage, check-ins, partner actions and goals near their
target date, filtered and ordered, in a number of queries that does not grow with the caseload."""

import datetime

from django.urls import reverse
from django.utils import timezone

from kithkin.clients.models import Client, Person
from kithkin.measures import services
from kithkin.partners.models import PlannedAction, TherapyPartner
from kithkin.plans import services as plans
from kithkin.plans.models import PlanVersion
from kithkin.plans.services import GoalInput
from kithkin.relationships.models import Episode, TherapyRelationship
from kithkin.schedule.models import Session

URL = reverse("caseload")
DAY = datetime.timedelta(days=1)


def busy(world, client, unit="weeks"):
    """A client in active work with an overdue check-in (weekly, or every session with two
    attended since), a partner action due and one waiting on the client, and goals past and near
    their target dates."""
    today = timezone.localdate()
    relationship = client.therapy_relationships.get()
    Episode.objects.create(
        practice=world.practice,
        relationship=relationship,
        phase="active",
        opened_on=today - 90 * DAY,
        opened_by=world.alice,
    )
    friend = Person.objects.create(practice=world.practice, client=client, name="A friend")
    partner = TherapyPartner.objects.create(
        practice=world.practice, person=friend, involvement="informed"
    )
    for start, end, paced in ((today - 20 * DAY, today - 10 * DAY, False), (today, None, True)):
        PlannedAction.objects.create(
            practice=world.practice,
            partner=partner,
            text="Ask about the weekend",
            planned_on=start,
            window_start=start,
            window_end=end,
            client_paced=paced,
            created_by=world.alice,
        )
    plan = plans.plan_start(client=client, by=world.alice, starts_on=today - 60 * DAY)
    draft = plan.versions.get()
    plans.version_update(
        version=draft,
        by=world.alice,
        starts_on=draft.starts_on,
        concerns="Low mood",
        cadence_unit=unit,
        cadence_every=1,
    )
    for target in (today - 3 * DAY, today + 5 * DAY, today + 90 * DAY):
        goal = GoalInput(
            description="Something in her words", criterion="It happened", target_date=target
        )
        plans.goal_add(version=draft, by=world.alice, goal=goal)
    plans.version_sign(version=draft, by=world.alice)
    # Signed a month ago with none since: overdue, by the weeks or by two sessions attended.
    PlanVersion.objects.filter(pk=draft.pk).update(signed_at=timezone.now() - 30 * DAY)
    for days_ago in (20, 10, 40):  # the last one, before the signing, does not count
        Session.objects.create(
            practice=world.practice,
            client=client,
            therapist=world.alice,
            starts_at=timezone.now() - days_ago * DAY,
            status=Session.Status.ATTENDED,
        )


def test_each_client_shows_phase_check_in_actions_and_goals(world, login):
    busy(world, world.carol)
    response = login(world.alice).get(URL)
    [row] = response.context["rows"]
    assert (row.phase, row.stage, row.check_in_state) == ("active", "middle", "overdue")
    assert (row.actions_due, row.actions_waiting) == (1, 1)
    assert (row.goals_past, row.goals_near) == (1, 1)
    assert row.needs_attention
    body = response.content.decode()
    assert 'Active work <span class="muted">· Middle</span>' in body
    assert "1 past target" in body and "1 near target" in body
    assert "1 waiting on the client" in body
    # Weekly, signed a month ago: "Check-in overdue since 29 Oct 2026", the month capitalised.
    day = row.check_in_text.removeprefix("check-in overdue since ")
    assert f'<strong class="status-overdue">Check-in overdue since {day}</strong>' in body
    assert day.split()[1].istitle()


def test_a_client_without_an_episode_or_plan_shows_nothing_to_chase(world, login):
    [row] = login(world.alice).get(URL).context["rows"]
    assert (row.phase, row.check_in_state, row.actions_due, row.goals_near) == ("", "", 0, 0)
    assert not row.needs_attention


def another_client(world, name):
    client = Client.objects.create(practice=world.practice, given_name=name, family_name="Bulk")
    TherapyRelationship.objects.create(
        practice=world.practice,
        client=client,
        therapist=world.alice,
        started_on=datetime.date(2026, 1, 1),
    )
    return client


def test_filters_and_orders_from_the_query_string(world, login):
    busy(world, world.carol)
    another_client(world, "Zed")
    alice = login(world.alice)

    def names(query):
        return [row.name for row in alice.get(URL, query).context["rows"]]

    assert names({}) == ["Zed Bulk", "Carol Quill"]
    assert names({"attention": "on"}) == ["Carol Quill"]
    assert names({"stage": "middle"}) == ["Carol Quill"]
    assert names({"stage": "none"}) == ["Zed Bulk"]
    assert names({"q": "zed"}) == ["Zed Bulk"]
    assert names({"sort": "attention"}) == ["Carol Quill", "Zed Bulk"]
    assert names({"sort": "phase"}) == ["Zed Bulk", "Carol Quill"]


def test_a_bad_filter_is_named_and_the_whole_caseload_shown(world, login):
    another_client(world, "Zed")
    response = login(world.alice).get(URL, {"sort": "shoe size", "stage": "middle"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2
    assert "Select a valid choice" in response.content.decode()


def test_its_query_count_does_not_grow_with_a_busy_caseload(
    world, login, django_assert_num_queries
):
    busy(world, world.carol, unit="sessions")
    alice = login(world.alice)
    alice.get(URL)
    # 15: the open measures alerts are one more.
    with django_assert_num_queries(13) as small:
        alice.get(URL)
    for n in range(25):
        other = another_client(world, f"C{n:02d}")
        busy(world, other, unit=("weeks", "sessions")[n % 2])
        if n % 5 == 0:
            low_alliance(other)
    with django_assert_num_queries(len(small.captured_queries)):
        response = alice.get(URL, {"sort": "attention"})
    assert len(response.context["rows"]) == 26
    assert sum(row.alerts for row in response.context["rows"]) == 5
    assert all(row.check_in_state == "overdue" for row in response.context["rows"])


def low_alliance(client):
    services.response_submit(
        client=client,
        instrument_code="alliance",
        answers={item: 4 for item in range(1, 10)},
        by=None,
        via="office",
        idempotency_key=f"low-alliance-{client.pk}",
    )


def test_a_check_in_shows_for_a_client_without_an_episode(world, login):
    """Plans may exist outside any episode (clients from before episodes were kept)."""
    today = timezone.localdate()
    plan = plans.plan_start(client=world.carol, by=world.alice, starts_on=today - 60 * DAY)
    draft = plan.versions.get()
    plans.version_update(
        version=draft,
        by=world.alice,
        starts_on=draft.starts_on,
        concerns="Low mood",
        cadence_unit="weeks",
        cadence_every=1,
    )
    goal = GoalInput(description="In her words", criterion="It happened", target_date=today)
    plans.goal_add(version=draft, by=world.alice, goal=goal)
    plans.version_sign(version=draft, by=world.alice)
    PlanVersion.objects.filter(pk=draft.pk).update(signed_at=timezone.now() - 30 * DAY)
    [row] = login(world.alice).get(URL).context["rows"]
    assert (row.phase, row.check_in_state, row.goals_near) == ("", "overdue", 1)
