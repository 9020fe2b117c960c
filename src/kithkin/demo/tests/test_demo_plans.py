from django.urls import reverse
from django.utils import timezone

from kithkin.accounts.models import User
from kithkin.clients.models import Client
from kithkin.core.plans import DueState, TargetFlag
from kithkin.demo.builder import load_demo
from kithkin.plans import selectors
from kithkin.plans.models import Plan


def alexis():
    return Client.objects.get(given_name="Alexis")


def test_alexis_has_a_signed_acknowledged_plan_with_three_goals_and_two_check_ins(db):
    load_demo(password="a demo passphrase")
    page = selectors.plan_page(alexis())
    current = page.current
    assert page.plan.episode.phase == "active"
    assert [v.number for v in page.versions] == [1, 2] and page.draft is None
    assert current.number == 2 and current.signed_by.username == "alice"
    assert current.acknowledged_by.username == "alexis"
    assert current.cadence.phrase == "every 4 weeks"
    assert len(page.check_ins) == 2 and page.check_ins[0].revision_id == current.pk
    today = timezone.localdate()
    goals = {g.number: g for g in current.goal_list}
    assert len(goals) == 3 and all(g.target_date > today for g in goals.values())
    assert [p.name for p in goals[1].people] == ["Mother"]
    # Diane must not know she is discussed: her goal involves nobody.
    assert goals[2].people == [] and "Diane" in goals[2].description
    assert {p.role for p in goals[3].people} == {"employer", "supervisor"}
    assert goals[3].flag is TargetFlag.NEAR
    assert page.due.state is DueState.UPCOMING


def test_no_demo_goal_involves_an_unaware_partner(db):
    load_demo(password="a demo passphrase")
    from kithkin.plans.models import GoalPartner

    assert not GoalPartner.objects.filter(person__partner__involvement="unaware").exists()


def test_the_demo_plan_history_follows_the_rules(db):
    load_demo(password="a demo passphrase")
    for plan in Plan.objects.prefetch_related("versions__goals", "check_ins"):
        versions = list(plan.versions.order_by("number"))
        assert all(v.is_signed for v in versions)
        for version in versions:
            assert all(g.target_date >= version.starts_on for g in version.goals.all())
        for check_in in plan.check_ins.all():
            assert check_in.held_on >= timezone.localdate(check_in.version.signed_at)


def test_alices_worklist_shows_an_overdue_check_in_and_alexis_reads_her_plan(db, client):
    load_demo(password="a demo passphrase")
    client.force_login(User.objects.get(username="alice"))
    [row] = client.get(reverse("worklist")).context["check_ins"]
    assert row.due.state is DueState.OVERDUE and not row.client_name.startswith("Alexis")
    client.force_login(User.objects.get(username="alexis"))
    body = client.get(reverse("portal_plan")).content.decode()
    assert "Say what I need at work" in body
    assert "You said you had read this plan" in body
