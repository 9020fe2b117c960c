"""Treatment plans of the demo practice.

Alexis (seed 000): a plan written with alice in the session her notes call "The plan", with
three goals in her words, each with a target date: her mother (a joint session, with her mother
involved), Diane (why asking her for anything is hard; Diane is `unaware`, so the goal involves
nobody), and communication at work (with her employer and her supervisor). Two check-ins
followed; the second revised the plan, setting the check-ins every four weeks, and Alexis
acknowledged each version in her portal.

Gideon, another of alice's clients in active work, has a signed plan whose check-in is overdue,
so alice's worklist has one to show.

Written directly, as the rest of the demo is: the plan's history is dated in the past, which no
service would accept, and a demo load is not an event of the practice's audit trail. Nothing
here draws from the builder's random generator, so the rest of the demo stays as it was.
"""

import datetime

from django.utils import timezone

from kithkin.clients.models import Client
from kithkin.plans.models import CheckIn, Goal, GoalPartner, GoalProgress, Plan, PlanVersion
from kithkin.relationships.models import Episode


def _day(today: datetime.date, days: int) -> datetime.date:
    return today + datetime.timedelta(days=days)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


SECTIONS = {
    "concerns": (
        '"I\'m tired all the time, and I carry everyone at home." Low mood for most of a year; '
        "she finds it hard to ask for anything for herself, at home or at work."
    ),
    "relational_context": (
        "Close to her father, who lives out of town. Her mother also lives with depression; "
        "they have never talked about it. Shares a flat with Diane, whom she feels close to but "
        "cannot ask to share the cleaning, bills and shopping. Work is a daily strain: she stays "
        "quiet with her coworkers and her supervisor. Resources: her father, her humour, and her "
        "care for the people around her."
    ),
    "objectives": (
        "Understand caring for others' needs as her way of staying close (the formulation, a "
        "starting point). Rehearse small, concrete asks in session and try them between "
        "sessions. Communication and relationship skills for work, one sentence at a time. A "
        "joint session with her mother, when Alexis feels ready."
    ),
    "recommendations": (
        "Note moments in the week that feel heavy, if she wants to. Notice what her body does "
        "after she asks for something. Rest counts as part of the work."
    ),
}
REVISED_RECOMMENDATIONS = (
    SECTIONS["recommendations"]
    + " If Alexis agrees, ask her employer for time off to visit her father."
)

# (number, words, criterion, target in days from today, partners, lifecycle in v1, in v2)
GOALS = [
    (
        1,
        "Talk with Mum about how we both feel, maybe in a joint session.",
        "We have held one joint session together.",
        28,
        ("Mother",),
        "proposed",
        "active",
    ),
    (
        2,
        "Understand why asking Diane for anything is so hard, and ask anyway.",
        "I have asked Diane to share the shopping and the bills, and we have a plan for both.",
        42,
        (),  # Diane is unaware: the goal is about her, and involves nobody outside.
        "active",
        "active",
    ),
    (
        3,
        "Say what I need at work instead of staying quiet.",
        "I say what I need in one meeting at work.",
        10,
        ("Employer", "Supervisor at work"),
        "active",
        "active",
    ),
]
REVISED_CRITERIA = {
    3: "I have said one prepared sentence to my supervisor in the weekly meeting.",
}
# Days from today: the session "The plan", then the two check-ins. The second revised the plan.
WRITTEN, FIRST_CHECK_IN, SECOND_CHECK_IN = -42, -28, -21
CHECK_INS = {
    FIRST_CHECK_IN: (
        "Two weeks in. The first ask of Diane went well; the guilt afterwards is the work.",
        {
            1: ("in_progress", "Not yet: at her own pace."),
            2: ("improving", "Asked about the shopping; Diane agreed at once."),
            3: ("no_change", "Stayed quiet in Monday's meeting."),
        },
    ),
    SECOND_CHECK_IN: (
        "The plan holds. Check-ins every four weeks from now on; the work goal made concrete.",
        {
            1: ("improving", "Ready to ask her mother about a joint session."),
            2: ("improving", "The bills next, when she feels ready."),
            3: ("in_progress", "One sentence practised for her supervisor."),
        },
    ),
}


def demo_plans(practice, *, alexis: Client, alice, today: datetime.date) -> None:
    alexis_plan(practice, alexis, alice, today)
    overdue_plan(practice, alice, today)


def alexis_plan(practice, alexis: Client, alice, today: datetime.date) -> Plan:
    login = alexis.portal_user
    people = {p.name: p for p in alexis.people.all()}
    episode = Episode.objects.filter(relationship__client=alexis).exclude(phase="closed").first()
    plan = Plan.objects.create(practice=practice, client=alexis, episode=episode, created_by=alice)
    written = _day(today, WRITTEN)
    revised = _day(today, SECOND_CHECK_IN)
    first = _version(
        practice,
        plan,
        1,
        alice,
        starts_on=written,
        cadence_every=2,
        written=_at(written, 11),
        acknowledged=(login, _at(_day(today, WRITTEN + 1), 20)),
        **SECTIONS,
    )
    second = _version(
        practice,
        plan,
        2,
        alice,
        based_on=first,
        starts_on=written,
        cadence_every=4,
        written=_at(revised, 11),
        acknowledged=(login, _at(_day(today, SECOND_CHECK_IN + 1), 19)),
        **{**SECTIONS, "recommendations": REVISED_RECOMMENDATIONS},
    )
    achieved_by_then = CHECK_INS[SECOND_CHECK_IN][1]
    goals = {}
    for number, words, criterion, target, partners, before, after in GOALS:
        for version, lifecycle in ((first, before), (second, after)):
            revised_version = version is second
            goal = Goal.objects.create(
                practice=practice,
                version=version,
                number=number,
                description=words,
                criterion=REVISED_CRITERIA.get(number, criterion) if revised_version else criterion,
                target_date=_day(today, target),
                lifecycle=lifecycle,
                achievement=achieved_by_then[number][0] if revised_version else "in_progress",
            )
            GoalPartner.objects.bulk_create(
                GoalPartner(practice=practice, goal=goal, person=people[name]) for name in partners
            )
            goals[version.number, number] = goal
    for days, (note, progress) in CHECK_INS.items():
        check_in = CheckIn.objects.create(
            practice=practice,
            plan=plan,
            version=first,
            held_on=_day(today, days),
            note=note,
            by=alice,
            revision=second if days == SECOND_CHECK_IN else None,
        )
        CheckIn.objects.filter(pk=check_in.pk).update(created_at=_at(_day(today, days), 12))
        GoalProgress.objects.bulk_create(
            GoalProgress(
                practice=practice,
                check_in=check_in,
                goal=goals[1, number],
                achievement=achievement,
                note=text,
            )
            for number, (achievement, text) in progress.items()
        )
    Plan.objects.filter(pk=plan.pk).update(created_at=_at(written, 10))
    return plan


def overdue_plan(practice, alice, today: datetime.date) -> Plan | None:
    """A plan signed when the client's work became active, with no check-in since: overdue."""
    episode = (
        Episode.objects.filter(practice=practice, relationship__therapist=alice, phase="active")
        .exclude(relationship__client__given_name="Alexis")
        .select_related("relationship__client")
        .order_by("pk")
        .first()
    )
    if episode is None:
        return None
    active_on = timezone.localtime(
        episode.transitions.filter(to_phase="active").order_by("-at").first().at
    ).date()
    client = episode.relationship.client
    plan = Plan.objects.create(practice=practice, client=client, episode=episode, created_by=alice)
    version = _version(
        practice,
        plan,
        1,
        alice,
        starts_on=active_on,
        cadence_every=4,
        written=_at(active_on, 10),
        concerns="Sleep, and the strain of a move he did not choose.",
        objectives="Sleep routine; naming what the move cost him, to himself and then to others.",
    )
    for number, words, criterion, weeks in [
        (1, "Sleep through most nights again.", "Five nights in seven without waking.", 8),
        (2, "Tell my brother how the move affected me.", "One honest conversation.", 12),
    ]:
        Goal.objects.create(
            practice=practice,
            version=version,
            number=number,
            description=words,
            criterion=criterion,
            target_date=active_on + datetime.timedelta(weeks=weeks),
            lifecycle="active",
        )
    Plan.objects.filter(pk=plan.pk).update(created_at=_at(active_on, 9))
    return plan


def _version(
    practice,
    plan,
    number,
    alice,
    *,
    starts_on,
    cadence_every,
    written,
    based_on=None,
    acknowledged=None,
    **sections,
) -> PlanVersion:
    by, at = acknowledged or (None, None)
    version = PlanVersion.objects.create(
        practice=practice,
        plan=plan,
        number=number,
        based_on=based_on,
        starts_on=starts_on,
        cadence_unit="weeks",
        cadence_every=cadence_every,
        created_by=alice,
        signed_by=alice,
        signed_at=written + datetime.timedelta(hours=1),
        acknowledged_by=by,
        acknowledged_at=at,
        **sections,
    )
    PlanVersion.objects.filter(pk=version.pk).update(created_at=written, updated_at=written)
    return version
