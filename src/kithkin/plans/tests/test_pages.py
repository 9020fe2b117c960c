import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Person
from kithkin.plans import services
from kithkin.plans.models import CheckIn, Goal, PlanVersion
from kithkin.plans.tests.conftest import DAY, a_goal


def url(name, world, *args):
    return reverse(name, args=[world.carol.pk, *args])


def goal_post(prefix, today, **overrides):
    data = {
        f"{prefix}-description": "Talk to Mum about a joint session",
        f"{prefix}-criterion": "One joint session held",
        f"{prefix}-target_date": (today + 30 * DAY).isoformat(),
        f"{prefix}-lifecycle": "active",
        f"{prefix}-achievement": "in_progress",
        f"{prefix}-measure": "",
    }
    data.update({f"{prefix}-{k}": v for k, v in overrides.items()})
    return data


def test_the_therapist_starts_writes_and_signs_a_plan(world, login, episode, today, mother):
    alice = login(world.alice)
    page = alice.get(url("plan", world))
    assert page.status_code == 200 and "Start the plan" in page.content.decode()
    key = page.context["start_form"].initial["key"]
    started = alice.post(url("plan_start", world), {"key": key, "starts_on": today.isoformat()})
    draft = PlanVersion.objects.get()
    assert started.status_code == 302
    assert started.url == url("plan_version", world, draft.pk)
    assert draft.plan.episode == episode

    sections = {
        "plan-starts_on": today.isoformat(),
        "plan-concerns": "Low mood",
        "plan-cadence_every": "4",
        "plan-cadence_unit": "weeks",
    }
    assert alice.post(url("plan_version_edit", world, draft.pk), sections).status_code == 302
    added = alice.post(
        url("plan_goal_add", world, draft.pk),
        {"new-key": str(uuid.uuid4()), **goal_post("new", today, partners=[mother.pk])},
    )
    assert added.status_code == 302
    goal = Goal.objects.get()
    assert list(goal.partners.all()) == [mother]
    edited = alice.post(
        url("plan_goal_edit", world, draft.pk, goal.pk),
        goal_post("g1", today, achievement="improving", partners=[mother.pk]),
    )
    assert edited.status_code == 302
    assert Goal.objects.get().achievement == "improving"

    signed = alice.post(url("plan_version_sign", world, draft.pk))
    assert signed.status_code == 302
    body = alice.get(url("plan", world)).content.decode()
    assert "Version 1 is in use, signed by Alice Example" in body
    assert "Next check-in due on" in body
    assert "Talk to Mum about a joint session" in body
    assert "Her mother" in body


def test_a_cadence_below_1_is_refused_with_the_reason(world, login, draft, today):
    response = login(world.alice).post(
        url("plan_version_edit", world, draft.pk),
        {
            "plan-starts_on": today.isoformat(),
            "plan-cadence_every": "0",
            "plan-cadence_unit": "weeks",
        },
    )
    assert response.status_code == 422
    assert "N must be at least 1" in response.content.decode()


def test_a_target_date_before_the_plan_starts_is_refused_with_the_reason(
    world, login, draft, today
):
    early = (draft.starts_on - DAY).isoformat()
    response = login(world.alice).post(
        url("plan_goal_add", world, draft.pk),
        {"new-key": str(uuid.uuid4()), **goal_post("new", today, target_date=early)},
    )
    assert response.status_code == 422
    assert "is before the plan starts" in response.content.decode()
    assert not Goal.objects.exists()


def test_another_clients_person_is_refused_as_a_partner(world, login, draft, today):
    stranger = Person.objects.create(practice=world.practice, client=world.dave, name="Brother")
    response = login(world.alice).post(
        url("plan_goal_add", world, draft.pk),
        {"new-key": str(uuid.uuid4()), **goal_post("new", today, partners=[stranger.pk])},
    )
    assert response.status_code == 422
    assert "not one of the available choices" in response.content.decode()
    assert "Brother" not in response.content.decode()
    assert not Goal.objects.exists()


def test_a_goal_form_sent_twice_adds_one_goal(world, login, draft, today):
    alice = login(world.alice)
    data = {"new-key": str(uuid.uuid4()), **goal_post("new", today)}
    for _ in range(2):
        assert alice.post(url("plan_goal_add", world, draft.pk), data).status_code == 302
    assert Goal.objects.count() == 1


def test_editing_a_signed_version_is_refused_and_a_revision_offered(world, login, signed, today):
    alice = login(world.alice)
    goal = signed.goals.get(number=1)
    for response in (
        alice.post(url("plan_goal_edit", world, signed.pk, goal.pk), goal_post("g1", today)),
        alice.post(url("plan_version_edit", world, signed.pk), {}),
        alice.post(url("plan_goal_remove", world, signed.pk, goal.pk)),
    ):
        body = response.content.decode()
        assert response.status_code == 422
        assert "is signed, so it stays as it was signed" in body
        assert f'action="{url("plan_revise", world)}"' in body
    revised = alice.post(url("plan_revise", world), {"key": str(uuid.uuid4())})
    draft = PlanVersion.objects.get(number=2)
    assert revised.url == url("plan_version", world, draft.pk)
    assert signed.goals.count() == 2


def test_signing_twice_signs_once(world, login, draft, today):
    services.goal_add(version=draft, by=world.alice, goal=a_goal(today))
    alice = login(world.alice)
    alice.post(url("plan_version_sign", world, draft.pk))
    again = alice.post(url("plan_version_sign", world, draft.pk), follow=True)
    assert "already signed" in again.content.decode()
    assert AuditEvent.objects.filter(action="plan.sign").count() == 1


def test_a_plan_without_goals_is_not_signed_and_the_page_says_why(world, login, draft):
    response = login(world.alice).post(url("plan_version_sign", world, draft.pk))
    assert response.status_code == 422
    assert "Add at least one goal before signing" in response.content.decode()


def test_the_supervisor_reads_the_plan_without_its_forms(world, login, signed):
    sam = login(world.sam)
    body = sam.get(url("plan", world)).content.decode()
    assert "Talk to Mum" in body
    assert "Start a revision" not in body and "Record a check-in" not in body
    assert sam.post(url("plan_revise", world), {"key": str(uuid.uuid4())}).status_code == 403


def test_the_difference_between_versions_is_shown(world, login, signed, today):
    draft = services.plan_revise(plan=signed.plan, by=world.alice)
    services.version_update(
        version=draft,
        by=world.alice,
        starts_on=draft.starts_on,
        concerns="Low mood; hard to ask for what I need",
        cadence_unit="weeks",
        cadence_every=2,
    )
    services.goal_remove(goal=draft.goals.get(number=2), by=world.alice)
    services.goal_add(version=draft, by=world.alice, goal=a_goal(today, description="Say no"))
    alice = login(world.alice)
    response = alice.get(url("plan_diff", world), {"a": signed.pk, "b": draft.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Concerns, in the client&#x27;s words: changed" in body
    assert '<del><span class="visually-hidden">[removed: </span>things' in body
    assert "Goal 2: removed" in body and "Goal 3: added" in body
    assert "every 4 weeks" in body and "every 2 weeks" in body
    # Without a choice, the page compares the latest two versions.
    assert alice.get(url("plan_diff", world)).context["after"].pk == draft.pk
    same = alice.get(url("plan_diff", world), {"a": draft.pk, "b": draft.pk})
    assert "No differences" in same.content.decode()


def test_versions_of_another_client_or_of_two_plans_are_not_found(world, login, signed, today):
    dave_plan = services.plan_start(client=world.dave, by=world.bob, starts_on=today)
    daves = dave_plan.versions.get()
    alice = login(world.alice)
    assert alice.get(url("plan_version", world, daves.pk)).status_code == 404
    assert alice.get(url("plan_diff", world), {"a": signed.pk, "b": daves.pk}).status_code == 404
    assert alice.get(url("plan_diff", world), {"a": signed.pk, "b": "x"}).status_code == 404


def test_a_check_in_is_recorded_from_its_page_once(world, login, signed, today):
    alice = login(world.alice)
    page = alice.get(url("check_in_new", world))
    assert page.status_code == 200
    form = page.context["form"]
    data = {"key": form.initial["key"], "held_on": today.isoformat(), "note": "Going well"}
    for goal in signed.goals.all():
        data[f"a{goal.pk}"] = "improving"
        data[f"n{goal.pk}"] = "A first talk"
    for _ in range(2):
        assert alice.post(url("check_in_new", world), data).status_code == 302
    check_in = CheckIn.objects.get()
    assert check_in.progress.count() == 2
    body = alice.get(url("plan", world)).content.decode()
    assert "reviewed" in body and "improving (A first talk)" in body


def test_a_check_in_that_revises_leads_to_the_draft(world, login, signed, today):
    alice = login(world.alice)
    data = {"key": str(uuid.uuid4()), "held_on": today.isoformat(), "revise": "on"}
    for goal in signed.goals.all():
        data[f"a{goal.pk}"] = "achieved"
    response = alice.post(url("check_in_new", world), data)
    draft = PlanVersion.objects.get(number=2)
    assert response.url == url("plan_version", world, draft.pk)
    assert set(draft.goals.values_list("achievement", flat=True)) == {"achieved"}


def test_a_check_in_in_the_future_is_refused_on_the_page(world, login, signed, today):
    data = {"key": str(uuid.uuid4()), "held_on": (today + DAY).isoformat()}
    for goal in signed.goals.all():
        data[f"a{goal.pk}"] = "improving"
    response = login(world.alice).post(url("check_in_new", world), data)
    assert response.status_code == 422
    assert "cannot be dated in the future" in response.content.decode()


def test_a_check_in_before_signing_is_explained(world, login, draft):
    response = login(world.alice).get(url("check_in_new", world))
    assert response.status_code == 200
    assert "Sign the plan before its first check-in" in response.content.decode()


def test_goals_near_or_past_their_target_date_are_flagged(world, login, draft, today):
    services.goal_add(
        version=draft, by=world.alice, goal=a_goal(today, target_date=today + 3 * DAY)
    )
    Goal.objects.create(
        practice=world.practice,
        version=draft,
        number=2,
        description="Past",
        criterion="x",
        target_date=today - DAY,
    )
    services.version_sign(version=draft, by=world.alice)
    body = login(world.alice).get(url("plan", world)).content.decode()
    assert "Target date within two weeks" in body and "Target date passed" in body


# --- The client's portal ----------------------------------------------------------------------


def test_the_client_reads_her_signed_plan_and_acknowledges_it(world, login, signed, today):
    draft = services.plan_revise(plan=signed.plan, by=world.alice)
    services.goal_add(
        version=draft, by=world.alice, goal=a_goal(today, description="A draft idea for later")
    )
    carol = login(world.carol_login)
    page = carol.get(reverse("portal_plan"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Talk to Mum about a joint session" in body and "Her mother" in body
    assert "A draft idea for later" not in body  # drafts are never shown to the client
    assert "I have read this plan and we agreed it together" in body
    done = carol.post(reverse("portal_plan_acknowledge"), {"version": signed.pk})
    assert done.status_code == 302
    signed.refresh_from_db()
    assert signed.acknowledged_by == world.carol_login
    event = AuditEvent.objects.get(action="plan.acknowledge")
    assert (event.client_id, event.actor_username) == (world.carol.pk, "carol")
    after = carol.get(reverse("portal_plan")).content.decode()
    assert "You said you had read this plan" in after
    assert "I have read this plan and we agreed" not in after
    therapist_view = login(world.alice).get(url("plan", world)).content.decode()
    assert "The client acknowledged it on" in therapist_view


def test_an_acknowledgement_of_a_version_since_replaced_is_refused(world, login, signed):
    draft = services.plan_revise(plan=signed.plan, by=world.alice)
    services.version_sign(version=draft, by=world.alice)
    response = login(world.carol_login).post(
        reverse("portal_plan_acknowledge"), {"version": signed.pk}
    )
    assert response.status_code == 422
    assert "Your plan has changed since you opened the page" in response.content.decode()
    assert not PlanVersion.objects.filter(acknowledged_at__isnull=False).exists()


def test_another_client_sees_no_plan_and_cannot_acknowledge_hers(world, login, signed):
    dave = login(world.dave_login)
    body = dave.get(reverse("portal_plan")).content.decode()
    assert "Talk to Mum" not in body and "There is no plan to read here yet" in body
    assert dave.post(reverse("portal_plan_acknowledge"), {"version": signed.pk}).status_code == 404
    signed.refresh_from_db()
    assert signed.acknowledged_at is None


def test_an_unsigned_plan_is_not_in_the_portal(world, login, draft, today):
    services.goal_add(version=draft, by=world.alice, goal=a_goal(today))
    body = login(world.carol_login).get(reverse("portal_plan")).content.decode()
    assert "Talk to Mum" not in body


# --- The worklist ------------------------------------------------------------------------------


def test_the_worklist_shows_overdue_check_ins(world, login, signed):
    PlanVersion.objects.filter(pk=signed.pk).update(signed_at=signed.signed_at - 40 * DAY)
    response = login(world.alice).get(reverse("worklist"))
    [row] = response.context["check_ins"]
    assert (row.client_id, row.due.state) == (world.carol.pk, "overdue")
    body = response.content.decode()
    assert "check-in overdue since" in body
    assert world.carol.display_name in body
    assert login(world.bob).get(reverse("worklist")).context["check_ins"] == []
    assert len(login(world.sam).get(reverse("worklist")).context["check_ins"]) == 1


def test_a_recent_plan_is_not_on_the_worklist(world, login, signed):
    assert login(world.alice).get(reverse("worklist")).context["check_ins"] == []


# --- Query counts ------------------------------------------------------------------------------


def queries(browser, path, params=None):
    browser.get(path, params or {})  # the first request of a session also touches the session
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(path, params or {})
    assert response.status_code == 200
    return len(captured)


def grow(world, signed, today, *, goals: int, versions: int, mother):
    """More goals in the signed version, then more revisions with check-ins between them."""
    plan = signed.plan
    for _ in range(versions):
        draft = services.plan_revise(plan=plan, by=world.alice)
        for n in range(goals):
            services.goal_add(
                version=draft,
                by=world.alice,
                goal=a_goal(today, description=f"goal {n}", partner_ids=(mother.pk,)),
            )
        services.version_sign(version=draft, by=world.alice)
        latest = plan.versions.order_by("-number").first()
        services.check_in_record(
            plan=plan,
            by=world.alice,
            held_on=today,
            progress={
                g.pk: services.Progress("improving") for g in services.reviewed_goals(latest)
            },
        )
    return plan.versions.order_by("-number")[:2]


@pytest.mark.parametrize("name", ["plan", "plan_version", "plan_diff", "check_in_new", "portal"])
def test_page_queries_do_not_grow_with_goals_or_versions(world, login, signed, today, mother, name):
    def measure():
        latest, before = list(signed.plan.versions.order_by("-number")[:2])
        alice = login(world.alice)
        if name == "portal":
            return queries(login(world.carol_login), reverse("portal_plan"))
        if name == "plan_version":
            return queries(alice, url("plan_version", world, latest.pk))
        if name == "plan_diff":
            return queries(alice, url("plan_diff", world), {"a": before.pk, "b": latest.pk})
        return queries(alice, url(name, world))

    grow(world, signed, today, goals=1, versions=1, mother=mother)
    few = measure()
    assert few <= 20
    grow(world, signed, today, goals=12, versions=6, mother=mother)
    assert measure() == few


def test_the_plan_page_reads_in_twelve_queries_whatever_its_history(
    world, login, signed, today, mother, django_assert_num_queries
):
    alice = login(world.alice)
    grow(world, signed, today, goals=1, versions=1, mother=mother)
    alice.get(url("plan", world))  # the first visit also touches the session
    # 12: the session, the user, the client with its therapists, the audit event (three); then
    # the plans with their episodes, the versions, the goals, their partners, the check-ins and
    # the last check-in's progress.
    with django_assert_num_queries(12):
        alice.get(url("plan", world))
    grow(world, signed, today, goals=12, versions=6, mother=mother)
    with django_assert_num_queries(12):
        response = alice.get(url("plan", world))
    assert len(response.context["page"].versions) == 8


def test_a_draft_page_with_its_forms_does_not_grow_with_goals(world, login, draft, today, mother):
    alice = login(world.alice)
    services.goal_add(version=draft, by=world.alice, goal=a_goal(today, partner_ids=(mother.pk,)))
    few = queries(alice, url("plan_version", world, draft.pk))
    for n in range(20):
        services.goal_add(
            version=draft,
            by=world.alice,
            goal=a_goal(today, description=f"g{n}", partner_ids=(mother.pk,)),
        )
    assert queries(alice, url("plan_version", world, draft.pk)) == few


def test_the_worklist_queries_do_not_grow_with_plans(world, login, today):
    from kithkin.clients.models import Client
    from kithkin.relationships.models import TherapyRelationship

    def overdue_plans(count):
        for n in range(count):
            client = Client.objects.create(
                practice=world.practice, given_name=f"C{n}", family_name="X"
            )
            TherapyRelationship.objects.create(
                practice=world.practice, client=client, therapist=world.alice, started_on=today
            )
            plan = services.plan_start(client=client, by=world.alice, starts_on=today - 90 * DAY)
            draft = plan.versions.get()
            services.goal_add(version=draft, by=world.alice, goal=a_goal(today))
            services.version_sign(version=draft, by=world.alice)
        PlanVersion.objects.update(signed_at=timezone.now() - 60 * DAY)

    alice = login(world.alice)
    overdue_plans(1)
    few = queries(alice, reverse("worklist"))
    overdue_plans(30)
    assert len(alice.get(reverse("worklist")).context["check_ins"]) == 31
    assert queries(alice, reverse("worklist")) == few


def test_asking_for_a_revision_while_a_draft_exists_leads_to_that_draft(world, login, signed):
    draft = services.plan_revise(plan=signed.plan, by=world.alice)
    response = login(world.alice).post(url("plan_revise", world), {})
    assert response.url == url("plan_version", world, draft.pk)
    assert PlanVersion.objects.count() == 2


def test_an_empty_revision_form_is_told_it_is_out_of_date(world, login, signed):
    response = login(world.alice).post(url("plan_revise", world), {})
    assert response.status_code == 422
    assert "This form is out of date" in response.content.decode()
