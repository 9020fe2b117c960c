import datetime
import uuid
from unittest import mock

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Person
from kithkin.core.plans import PlanError
from kithkin.plans import services
from kithkin.plans.models import CheckIn, Goal, GoalPartner, GoalProgress, Plan, PlanVersion
from kithkin.plans.services import Progress, SignedVersionError
from kithkin.plans.tests.conftest import DAY, a_goal
from kithkin.relationships.models import Episode


def plan_events(world):
    return list(
        AuditEvent.objects.filter(practice=world.practice, action__startswith="plan.").order_by(
            "seq"
        )
    )


def test_a_plan_starts_as_a_draft_of_the_open_episode_and_is_audited(world, episode, today):
    plan = services.plan_start(client=world.carol, by=world.alice, starts_on=today, ip="10.0.0.9")
    assert (plan.client, plan.episode) == (world.carol, episode)
    [draft] = plan.versions.all()
    assert (draft.number, draft.is_signed, draft.starts_on) == (1, False, today)
    assert draft.cadence.phrase == "every 4 weeks"
    [event] = plan_events(world)
    assert (event.action, event.client_id, event.ip) == ("plan.start", world.carol.pk, "10.0.0.9")


def test_without_an_open_episode_the_plan_belongs_to_the_client(world, today):
    plan = services.plan_start(client=world.carol, by=world.alice, starts_on=today)
    assert plan.episode is None
    with pytest.raises(PlanError, match="already has a plan in use"):
        services.plan_start(client=world.carol, by=world.alice, starts_on=today)


def test_a_start_form_sent_twice_starts_one_plan(world, episode, today):
    key = uuid.uuid4()
    first = services.plan_start(client=world.carol, by=world.alice, starts_on=today, key=key)
    again = services.plan_start(client=world.carol, by=world.alice, starts_on=today, key=key)
    assert first.pk == again.pk
    assert (Plan.objects.count(), PlanVersion.objects.count(), len(plan_events(world))) == (1, 1, 1)
    # The token of carol's form does not open someone else's record.
    with pytest.raises(PlanError, match="already used"):
        services.plan_start(client=world.dave, by=world.bob, starts_on=today, key=key)


def test_the_sections_and_cadence_of_a_draft_are_saved_and_encrypted(world, draft):
    services.version_update(
        version=draft,
        by=world.alice,
        starts_on=draft.starts_on,
        concerns="  She finds it hard to ask Diane for anything ",
        relational_context="Close to her father",
        cadence_unit="sessions",
        cadence_every=6,
    )
    draft.refresh_from_db()
    assert draft.concerns == "She finds it hard to ask Diane for anything"
    assert draft.cadence.phrase == "every 6 sessions"
    with connection.cursor() as cursor:
        cursor.execute("SELECT concerns FROM plans_planversion")
        [(stored,)] = cursor.fetchall()
    assert "Diane" not in stored
    assert "Diane" not in plan_events(world)[-1].reason


@pytest.mark.parametrize("every", [0, -3, 53])
def test_a_cadence_below_1_or_beyond_a_year_is_refused(world, draft, every):
    with pytest.raises(PlanError) as refused:
        services.version_update(
            version=draft,
            by=world.alice,
            starts_on=draft.starts_on,
            cadence_unit="weeks",
            cadence_every=every,
        )
    assert refused.value.field == "cadence_every"
    draft.refresh_from_db()
    assert draft.cadence_every == 4


def test_a_target_date_before_the_plan_starts_is_refused_with_the_reason(world, draft, today):
    early = draft.starts_on - DAY
    with pytest.raises(PlanError, match="is before the plan starts") as refused:
        services.goal_add(version=draft, by=world.alice, goal=a_goal(today, target_date=early))
    assert refused.value.field == "target_date"
    assert not Goal.objects.exists()


def test_moving_the_start_after_a_goals_target_date_is_refused(world, draft, today):
    services.goal_add(
        version=draft, by=world.alice, goal=a_goal(today, target_date=draft.starts_on + DAY)
    )
    with pytest.raises(PlanError, match="Goal 1's target date") as refused:
        services.version_update(
            version=draft,
            by=world.alice,
            starts_on=draft.starts_on + 2 * DAY,
            cadence_unit="weeks",
            cadence_every=4,
        )
    assert refused.value.field == "starts_on"


def test_another_clients_person_cannot_be_a_goals_partner(world, draft, today):
    stranger = Person.objects.create(practice=world.practice, client=world.dave, name="His brother")
    with pytest.raises(PlanError, match="not in this client's life") as refused:
        services.goal_add(
            version=draft, by=world.alice, goal=a_goal(today, partner_ids=(stranger.pk,))
        )
    assert refused.value.field == "partners"
    assert not Goal.objects.exists() and not GoalPartner.objects.exists()


def test_goals_are_numbered_and_a_removed_goal_is_removed_once(world, draft, today, mother):
    first = services.goal_add(version=draft, by=world.alice, goal=a_goal(today))
    second = services.goal_add(
        version=draft, by=world.alice, goal=a_goal(today, partner_ids=(mother.pk,))
    )
    assert (first.number, second.number) == (1, 2)
    assert list(second.partners.all()) == [mother]
    services.goal_remove(goal=second, by=world.alice)
    services.goal_remove(goal=second, by=world.alice)  # the button pressed twice
    assert list(draft.goals.values_list("number", flat=True)) == [1]
    actions = [e.action for e in plan_events(world)]
    assert actions.count("plan.goal.remove") == 1


def test_a_goal_number_of_an_earlier_version_is_never_given_to_a_new_goal(world, signed, today):
    draft = services.plan_revise(plan=signed.plan, by=world.alice)
    services.goal_remove(goal=draft.goals.get(number=2), by=world.alice)
    added = services.goal_add(version=draft, by=world.alice, goal=a_goal(today))
    # Goal 2 was removed: a new goal numbered 2 would read as goal 2 changed.
    assert added.number == 3


def test_a_goal_form_sent_twice_adds_one_goal(world, draft, today):
    key = uuid.uuid4()
    first = services.goal_add(version=draft, by=world.alice, goal=a_goal(today), key=key)
    again = services.goal_add(version=draft, by=world.alice, goal=a_goal(today), key=key)
    assert first.pk == again.pk
    assert Goal.objects.count() == 1


def test_a_goal_is_edited_in_a_draft(world, draft, today, mother, diane):
    goal = services.goal_add(
        version=draft, by=world.alice, goal=a_goal(today, partner_ids=(mother.pk,))
    )
    services.goal_update(
        goal=goal,
        by=world.alice,
        changes=a_goal(today, achievement="improving", measure="phq9", partner_ids=(diane.pk,)),
    )
    goal.refresh_from_db()
    assert (goal.achievement, goal.measure) == ("improving", "phq9")
    assert list(goal.partners.all()) == [diane]


def test_signing_records_who_and_when_and_locks_the_version(world, signed, today):
    assert signed.signed_by == world.alice
    assert timezone.now() - signed.signed_at < datetime.timedelta(minutes=1)
    goal = signed.goals.first()
    refused_edits = [
        lambda: services.version_update(
            version=signed,
            by=world.alice,
            starts_on=today,
            cadence_unit="weeks",
            cadence_every=2,
        ),
        lambda: services.goal_add(version=signed, by=world.alice, goal=a_goal(today)),
        lambda: services.goal_update(goal=goal, by=world.alice, changes=a_goal(today)),
        lambda: services.goal_remove(goal=goal, by=world.alice),
        lambda: services.version_sign(version=signed, by=world.alice),
    ]
    for edit in refused_edits:
        with pytest.raises(SignedVersionError, match="Start a revision"):
            edit()
    assert signed.goals.count() == 2
    assert PlanVersion.objects.get(pk=signed.pk).cadence_every == 4


def test_a_plan_without_goals_cannot_be_signed(world, draft):
    with pytest.raises(PlanError, match="at least one goal"):
        services.version_sign(version=draft, by=world.alice)
    draft.refresh_from_db()
    assert not draft.is_signed


def test_a_revision_copies_the_latest_version_and_keeps_it_as_it_was(world, signed, mother):
    draft = services.plan_revise(plan=signed.plan, by=world.alice)
    assert (draft.number, draft.based_on, draft.is_signed) == (2, signed, False)
    assert draft.concerns == signed.concerns
    copies = list(draft.goals.order_by("number"))
    assert [(g.number, g.description) for g in copies] == [
        (g.number, g.description) for g in signed.goals.order_by("number")
    ]
    assert list(copies[0].partners.all()) == [mother]
    assert {g.pk for g in copies}.isdisjoint(signed.goals.values_list("pk", flat=True))
    # One draft at a time: asking again brings back the same draft.
    assert services.plan_revise(plan=signed.plan, by=world.alice).pk == draft.pk


def test_a_revision_form_sent_twice_starts_one_draft(world, signed):
    key = uuid.uuid4()
    first = services.plan_revise(plan=signed.plan, by=world.alice, key=key)
    services.version_sign(version=first, by=world.alice)
    again = services.plan_revise(plan=signed.plan, by=world.alice, key=key)
    assert again.pk == first.pk
    assert PlanVersion.objects.count() == 2


def progress_of(version, achievement="improving"):
    return {g.pk: Progress(achievement, f"note {g.number}") for g in version.goals.all()}


def test_a_check_in_records_each_goals_progress(world, signed, today):
    check_in = services.check_in_record(
        plan=signed.plan, by=world.alice, held_on=today, progress=progress_of(signed), note="Good"
    )
    assert check_in.version == signed and check_in.revision is None
    rows = list(check_in.progress.order_by("goal__number"))
    assert [(r.goal.number, r.achievement, r.note) for r in rows] == [
        (1, "improving", "note 1"),
        (2, "improving", "note 2"),
    ]
    # A check-in without revision leaves the signed plan as it was.
    assert set(signed.goals.values_list("achievement", flat=True)) == {"in_progress"}
    assert plan_events(world)[-1].action == "plan.check_in"


def test_a_check_in_may_revise_the_plan_with_its_progress(world, signed, today):
    check_in = services.check_in_record(
        plan=signed.plan,
        by=world.alice,
        held_on=today,
        progress=progress_of(signed, "worsening"),
        revise=True,
    )
    draft = check_in.revision
    assert (draft.number, draft.is_signed) == (2, False)
    assert set(draft.goals.values_list("achievement", flat=True)) == {"worsening"}
    assert set(signed.goals.values_list("achievement", flat=True)) == {"in_progress"}


@pytest.mark.parametrize(
    ("held", "message"),
    [(1, "future"), (-400, "cannot come before")],
)
def test_a_check_in_is_dated_between_the_signing_and_today(world, signed, today, held, message):
    with pytest.raises(PlanError, match=message) as refused:
        services.check_in_record(
            plan=signed.plan,
            by=world.alice,
            held_on=today + held * DAY,
            progress=progress_of(signed),
        )
    assert refused.value.field == "held_on"
    assert not CheckIn.objects.exists()


def test_a_check_in_cannot_come_before_the_last_one(world, signed, today):
    PlanVersion.objects.filter(pk=signed.pk).update(signed_at=timezone.now() - 10 * DAY)
    services.check_in_record(
        plan=signed.plan, by=world.alice, held_on=today, progress=progress_of(signed)
    )
    with pytest.raises(PlanError, match="last check-in was on"):
        services.check_in_record(
            plan=signed.plan, by=world.alice, held_on=today - DAY, progress=progress_of(signed)
        )


def test_a_check_in_needs_a_signed_plan_and_every_goal_under_review(world, draft, signed, today):
    goal = signed.goals.first()
    with pytest.raises(PlanError, match="each goal under review"):
        services.check_in_record(
            plan=signed.plan,
            by=world.alice,
            held_on=today,
            progress={goal.pk: Progress("improving")},
        )
    assert not CheckIn.objects.exists()


def test_no_check_in_before_the_plan_is_signed(world, draft, today):
    with pytest.raises(PlanError, match="Sign the plan before its first check-in"):
        services.check_in_record(plan=draft.plan, by=world.alice, held_on=today, progress={})


def test_a_check_in_form_sent_twice_records_one_check_in(world, signed, today):
    key = uuid.uuid4()
    for _ in range(2):
        services.check_in_record(
            plan=signed.plan,
            by=world.alice,
            held_on=today,
            progress=progress_of(signed),
            revise=True,
            key=key,
        )
    assert (CheckIn.objects.count(), GoalProgress.objects.count()) == (1, 2)
    assert PlanVersion.objects.count() == 2


def test_the_client_acknowledges_the_latest_signed_version_once(world, signed):
    services.plan_acknowledge(version=signed, by=world.carol_login, ip="10.0.0.7")
    first = PlanVersion.objects.get(pk=signed.pk)
    assert first.acknowledged_by == world.carol_login and first.acknowledged_at
    services.plan_acknowledge(version=signed, by=world.carol_login)
    assert PlanVersion.objects.get(pk=signed.pk).acknowledged_at == first.acknowledged_at
    events = [e for e in plan_events(world) if e.action == "plan.acknowledge"]
    assert len(events) == 1 and events[0].actor_username == "carol"


def test_a_draft_or_a_replaced_version_cannot_be_acknowledged(world, signed):
    draft = services.plan_revise(plan=signed.plan, by=world.alice)
    with pytest.raises(PlanError, match="not signed yet"):
        services.plan_acknowledge(version=draft, by=world.carol_login)
    services.version_sign(version=draft, by=world.alice)
    with pytest.raises(PlanError, match="has changed"):
        services.plan_acknowledge(version=signed, by=world.carol_login)


# --- Nothing is half-written -------------------------------------------------------------------


def failing_audit():
    return mock.patch("kithkin.plans.services.audit_record", side_effect=DatabaseError("disk full"))


def test_when_the_audit_write_fails_no_plan_is_started(world, episode, today):
    with failing_audit(), pytest.raises(DatabaseError):
        services.plan_start(client=world.carol, by=world.alice, starts_on=today)
    assert not Plan.objects.exists() and not PlanVersion.objects.exists()


def test_when_the_audit_write_fails_the_revision_is_not_half_copied(world, signed):
    with failing_audit(), pytest.raises(DatabaseError):
        services.plan_revise(plan=signed.plan, by=world.alice)
    assert list(PlanVersion.objects.values_list("number", flat=True)) == [1]
    assert Goal.objects.count() == 2
    assert GoalPartner.objects.count() == 1


def test_when_the_audit_write_fails_the_check_in_leaves_nothing(world, signed, today):
    events = AuditEvent.objects.count()
    with failing_audit(), pytest.raises(DatabaseError):
        services.check_in_record(
            plan=signed.plan,
            by=world.alice,
            held_on=today,
            progress=progress_of(signed),
            revise=True,
        )
    assert not CheckIn.objects.exists() and not GoalProgress.objects.exists()
    assert PlanVersion.objects.count() == 1 and Goal.objects.count() == 2
    assert AuditEvent.objects.count() == events


def test_when_the_audit_write_fails_signing_leaves_the_draft_open(world, draft, today):
    services.goal_add(version=draft, by=world.alice, goal=a_goal(today))
    with failing_audit(), pytest.raises(DatabaseError):
        services.version_sign(version=draft, by=world.alice)
    draft.refresh_from_db()
    assert not draft.is_signed


def test_when_the_audit_write_fails_a_goal_edit_is_not_half_written(world, draft, today, mother):
    goal = services.goal_add(
        version=draft, by=world.alice, goal=a_goal(today, partner_ids=(mother.pk,))
    )
    with failing_audit(), pytest.raises(DatabaseError):
        services.goal_update(
            goal=goal, by=world.alice, changes=a_goal(today, description="Changed", partner_ids=())
        )
    goal.refresh_from_db()
    assert goal.description == "Talk to Mum about a joint session"
    assert list(goal.partners.all()) == [mother]


# --- The database keeps the rules too ----------------------------------------------------------


def test_the_database_keeps_one_draft_per_plan(world, draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersion.objects.create(
            practice=world.practice,
            plan=draft.plan,
            number=2,
            starts_on=draft.starts_on,
            created_by=world.alice,
        )


@pytest.mark.parametrize(
    "bad",
    [
        {"cadence_every": 0},
        {"cadence_unit": "months"},
        {"signed_at": timezone.now()},  # signed by nobody
        {"acknowledged_at": timezone.now()},  # acknowledged before signing
    ],
)
def test_the_database_refuses_an_inconsistent_version(world, draft, bad):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersion.objects.filter(pk=draft.pk).update(**bad)


def test_a_closed_episodes_draft_can_no_longer_be_changed_or_signed(world, draft, episode, today):
    services.goal_add(version=draft, by=world.alice, goal=a_goal(today))
    Episode.objects.filter(pk=episode.pk).update(
        phase="closed", closed_on=today, ending_type="client_ended"
    )
    with pytest.raises(PlanError, match="episode is closed"):
        services.version_sign(version=draft, by=world.alice)
    with pytest.raises(PlanError, match="episode is closed"):
        services.goal_add(version=draft, by=world.alice, goal=a_goal(today))
    draft.refresh_from_db()
    assert draft.signed_at is None and draft.goals.count() == 1


def test_after_every_episode_closed_a_new_plan_waits_for_a_new_episode(world, episode, today):
    Episode.objects.filter(pk=episode.pk).update(
        phase="closed", closed_on=today, ending_type="planned"
    )
    with pytest.raises(PlanError, match="Open a new episode"):
        services.plan_start(client=world.carol, by=world.alice, starts_on=today)
    assert not Plan.objects.exists()
