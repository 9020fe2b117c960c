"""Reads of treatment plans. Each page's reads are a fixed number of queries, whatever the
number of versions, goals or check-ins: rows are fetched by kind and joined in memory."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, FilteredRelation, Max, Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from kithkin.clients.models import Person, display_name, restricted
from kithkin.core.access import Actor, Role
from kithkin.core.plans import (
    Cadence,
    CadenceUnit,
    CheckInDue,
    DueState,
    GoalData,
    PlanData,
    due_phrase,
    next_check_in,
    target_flag,
)
from kithkin.plans.models import CheckIn, Goal, GoalPartner, GoalProgress, Plan, PlanVersion
from kithkin.plans.services import current_plan_of
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule.models import Session

USER_FIELDS = ("username", "first_name", "last_name")


def _versions(plan: Plan):
    return PlanVersion.objects.filter(plan=plan).select_related(
        "signed_by", "created_by", "acknowledged_by"
    )


def with_goals(versions) -> list[PlanVersion]:
    """Versions with their goals (``goal_list``), each goal with its people (``people``): three
    queries whatever the count."""
    versions = list(versions)
    goals = list(
        Goal.objects.filter(version__in=[v.pk for v in versions]).order_by("version_id", "number")
    )
    links = GoalPartner.objects.filter(goal__in=[g.pk for g in goals]).select_related(
        "person__partner"
    )
    people = defaultdict(list)
    for link in links:
        people[link.goal_id].append(link.person)
    by_version = defaultdict(list)
    for goal in goals:
        goal.people = sorted(people[goal.pk], key=lambda p: (p.name, p.pk))
        by_version[goal.version_id].append(goal)
    for version in versions:
        version.goal_list = by_version[version.pk]
    return versions


def plan_data(version: PlanVersion) -> PlanData:
    """A version as plain data for the core's diff; needs ``with_goals`` first."""
    return PlanData(
        starts_on=version.starts_on,
        concerns=version.concerns,
        relational_context=version.relational_context,
        objectives=version.objectives,
        recommendations=version.recommendations,
        cadence=version.cadence,
        goals=tuple(
            GoalData(
                number=goal.number,
                description=goal.description,
                target_date=goal.target_date,
                criterion=goal.criterion,
                lifecycle=goal.lifecycle,
                achievement=goal.achievement,
                partners=frozenset(p.name for p in goal.people),
                measure=goal.measure,
            )
            for goal in version.goal_list
        ),
    )


def flag_goals(goals, *, today: datetime.date) -> None:
    for goal in goals:
        goal.flag = target_flag(
            target_date=goal.target_date,
            lifecycle=goal.lifecycle,
            achievement=goal.achievement,
            today=today,
        )


def attended_after(client_id: int, day: datetime.date) -> int:
    """Sessions the client attended after ``day`` (a check-in held in a session does not count
    towards the next one)."""
    return Session.objects.filter(
        client_id=client_id, status=Session.Status.ATTENDED, starts_at__gte=_day_after(day)
    ).count()


def _day_after(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )


@dataclass
class PlanPage:
    plan: Plan | None
    versions: list[PlanVersion] = field(default_factory=list)
    current: PlanVersion | None = None  # the latest signed version
    draft: PlanVersion | None = None
    check_ins: list[CheckIn] = field(default_factory=list)
    due: CheckInDue | None = None
    due_text: str = ""
    earlier: list[Plan] = field(default_factory=list)
    latest_progress: dict[int, GoalProgress] = field(default_factory=dict)

    @property
    def last_check_in(self) -> CheckIn | None:
        return self.check_ins[0] if self.check_ins else None


def plan_page(client, *, today: datetime.date | None = None) -> PlanPage:
    """The plan in use with its versions, current and draft goals, check-ins and the next
    check-in: six queries at most, one more with earlier plans and one more for a cadence in
    sessions."""
    today = today or timezone.localdate()
    # Every plan of the client at once, newest first. The plan in use is the newest whose
    # episode is not closed (the rule of services.current_plan_of); the others are earlier.
    plans = list(
        Plan.objects.filter(client=client).select_related("episode").order_by("-created_at", "-pk")
    )
    plan = next((p for p in plans if p.episode is None or p.episode.phase != "closed"), None)
    earlier = [p for p in plans if p is not plan]
    prefetch_related_objects(
        earlier, Prefetch("versions", queryset=PlanVersion.objects.order_by("number"))
    )
    if plan is None:
        return PlanPage(plan=None, earlier=earlier)
    # Who wrote and who signed each version; the page shows no acknowledger's name.
    versions = list(
        PlanVersion.objects.filter(plan=plan)
        .select_related("signed_by", "created_by")
        .order_by("number")
    )
    signed = [v for v in versions if v.is_signed]
    current = signed[-1] if signed else None
    draft = next((v for v in versions if not v.is_signed), None)
    with_goals([v for v in (current, draft) if v is not None])
    check_ins = list(
        CheckIn.objects.filter(plan=plan).select_related("by").order_by("-held_on", "-pk")
    )
    # A check-in reviews a version of this plan, and may revise it into another: both were read
    # above, so a join would only read and decrypt their sections again.
    by_pk = {v.pk: v for v in versions}
    for check_in in check_ins:
        if check_in.version_id in by_pk:
            check_in.version = by_pk[check_in.version_id]
        if check_in.revision_id in by_pk:
            check_in.revision = by_pk[check_in.revision_id]
    page = PlanPage(
        plan=plan,
        versions=versions,
        current=current,
        draft=draft,
        check_ins=check_ins,
        earlier=earlier,
    )
    if current is not None:
        flag_goals(current.goal_list, today=today)
        since = check_ins[0].held_on if check_ins else timezone.localdate(current.signed_at)
        # Only a cadence in sessions counts the sessions attended since (core.plans).
        sessions = current.cadence.unit is CadenceUnit.SESSIONS
        page.due = next_check_in(
            cadence=current.cadence,
            since=since,
            attended_since=attended_after(client.pk, since) if sessions else 0,
            today=today,
        )
        page.due_text = due_phrase(page.due, today=today)
        if check_ins:
            # The goal's number, not the goal: the page shows the goals of the current version,
            # and the check-in may have reviewed an earlier one.
            rows = GoalProgress.objects.filter(check_in=check_ins[0]).annotate(
                goal_number=F("goal__number")
            )
            for row in rows:
                row.check_in = check_ins[0]
                page.latest_progress[row.goal_number] = row
        for goal in current.goal_list:
            goal.last_progress = page.latest_progress.get(goal.number)
    if draft is not None:
        flag_goals(draft.goal_list, today=today)
    return page


def version_of(client, version_id: int) -> PlanVersion | None:
    """A version of one of this client's plans, or None: another client's version is not
    found, whatever the id says."""
    return (
        _versions_of_client(client)
        .filter(pk=version_id)
        .select_related("plan", "signed_by", "acknowledged_by", "created_by")
        .first()
    )


def _versions_of_client(client):
    return PlanVersion.objects.filter(plan__client=client)


def goal_of(version: PlanVersion, goal_id: int) -> Goal | None:
    return Goal.objects.filter(pk=goal_id, version=version).first()


def check_ins_of_version(version: PlanVersion) -> list[CheckIn]:
    """The check-ins that reviewed this version, each with its progress rows (``rows``)."""
    check_ins = list(
        CheckIn.objects.filter(version=version).select_related("by").order_by("held_on", "pk")
    )
    progress = defaultdict(list)
    for row in GoalProgress.objects.filter(check_in__in=[c.pk for c in check_ins]).select_related(
        "goal"
    ):
        progress[row.check_in_id].append(row)
    for check_in in check_ins:
        check_in.rows = progress[check_in.pk]
    return check_ins


# --- The worklist --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInUse:
    """The plan a client's care follows now, as plain values: the newest plan outside a closed
    episode, with its latest signed version."""

    plan_id: int
    client_id: int
    client_name: str
    version_id: int
    version_number: int
    cadence: Cadence
    since: datetime.date  # the last check-in, or the day the version was signed


@dataclass(frozen=True)
class DueCheckIn:
    client_id: int
    client_name: str
    version_number: int
    cadence: Cadence
    due: CheckInDue
    phrase: str


def caseload_ids(actor: Actor) -> list[int]:
    """The clients the clinician treats (and a supervisor's supervisees treat): one query.
    A client whose record is restricted at their request (GDPR Art. 18) is on nobody's."""
    therapist_ids = {actor.user_id}
    if actor.role is Role.SUPERVISOR:
        therapist_ids |= actor.supervisee_ids
    return list(
        TherapyRelationship.objects.filter(therapist_id__in=therapist_ids, ended_on__isnull=True)
        .filter(~restricted("client_id"))
        .values_list("client_id", flat=True)
    )


def plans_in_use(*, actor: Actor, client_ids: list[int] | None = None) -> list[PlanInUse]:
    """The plans in use for these clients (by default the clinician's caseload): one query
    whatever the caseload (two to find the caseload first), as plain rows: the dashboard and
    the worklist are the busiest pages of the day, and model instances cost them more than the
    queries did."""
    client_ids = caseload_ids(actor) if client_ids is None else client_ids
    rows = (
        Plan.objects.filter(practice_id=actor.practice_id, client_id__in_ids=client_ids)
        .exclude(episode__phase="closed")
        # Every signed version beside its plan (a left join: a plan still in its first draft
        # has a row too, and stands for its client with no check-in due).
        .annotate(
            signed=FilteredRelation("versions", condition=Q(versions__signed_at__isnull=False)),
            last_check_in=Max("check_ins__held_on"),
        )
        .order_by("client_id", "-created_at", "-pk", "-signed__number")
        # Names only: the whole client row would decrypt every address on the caseload.
        .values_list(
            "pk",
            "client_id",
            "client__given_name",
            "client__family_name",
            "client__preferred_name",
            "signed__pk",
            "signed__number",
            "signed__cadence_unit",
            "signed__cadence_every",
            "signed__signed_at",
            "last_check_in",
        )
    )
    found = {}
    for row in rows:
        client_id = row[1]
        if client_id in found:  # an older plan, or an earlier version of the plan in use
            continue
        found[client_id] = None
        (plan_id, _, given, family, preferred, version_id, number, unit, every, signed_at, last) = (
            row
        )
        if version_id is None:
            continue
        found[client_id] = PlanInUse(
            plan_id=plan_id,
            client_id=client_id,
            client_name=display_name(
                given_name=given, family_name=family, preferred_name=preferred
            ),
            version_id=version_id,
            version_number=number,
            cadence=Cadence(unit, every),
            since=last or timezone.localdate(signed_at),
        )
    return [plan for plan in found.values() if plan is not None]


def check_ins_due(
    *,
    actor: Actor,
    today: datetime.date | None = None,
    plans: list[PlanInUse] | None = None,
) -> list[DueCheckIn]:
    """Check-ins due or overdue for the clinician's clients (and a supervisor's supervisees'),
    overdue first: three queries whatever the caseload (two without a cadence in sessions, none
    more when the caller has read ``plans_in_use`` already)."""
    today = today or timezone.localdate()
    plans = plans_in_use(actor=actor) if plans is None else plans
    # One range over all the clients, counted here: a 200-term OR of (client, since) pairs cost
    # the ORM about 40 ms to build on a full caseload, and these rows are a few thousand at most.
    # Only a cadence in sessions needs the sessions attended since.
    after = {
        plan.client_id: _day_after(plan.since)
        for plan in plans
        if plan.cadence.unit == CadenceUnit.SESSIONS
    }
    attended = defaultdict(int)
    if after:
        for client_id, starts_at in Session.objects.filter(
            status=Session.Status.ATTENDED,
            client_id__in_ids=list(after),
            starts_at__gte=min(after.values()),
        ).values_list("client_id", "starts_at"):
            if starts_at >= after[client_id]:
                attended[client_id] += 1
    rows = []
    for plan in plans:
        due = next_check_in(
            cadence=plan.cadence,
            since=plan.since,
            attended_since=attended[plan.client_id],
            today=today,
        )
        if due.is_pending:
            rows.append(
                DueCheckIn(
                    client_id=plan.client_id,
                    client_name=plan.client_name,
                    version_number=plan.version_number,
                    cadence=plan.cadence,
                    due=due,
                    phrase=due_phrase(due, today=today),
                )
            )
    order = {DueState.OVERDUE: 0, DueState.DUE: 1}
    rows.sort(key=lambda r: (order[r.due.state], r.due.due_on or today, r.client_name))
    return rows


def people_of(client) -> list:
    """The client's people for the goal forms, with their partner role: one query."""
    return list(
        Person.objects.filter(client=client).select_related("partner").order_by("name", "pk")
    )


def latest_signed(plan: Plan | None) -> PlanVersion | None:
    if plan is None:
        return None
    return _versions(plan).filter(signed_at__isnull=False).order_by("-number").first()


def draft_of(plan: Plan) -> PlanVersion | None:
    return (
        PlanVersion.objects.filter(plan=plan, signed_at__isnull=True).select_related("plan").first()
    )


def latest_progress(plan: Plan) -> dict[int, GoalProgress]:
    """The progress recorded at the plan's last check-in, by goal number."""
    last = CheckIn.objects.filter(plan=plan).order_by("-held_on", "-pk").first()
    if last is None:
        return {}
    return {
        row.goal.number: row
        for row in GoalProgress.objects.filter(check_in=last).select_related("goal")
    }


def portal_plan(client) -> PlanVersion | None:
    """What the client sees of their plan: the latest signed version of the plan in use, never
    a draft and never anyone else's. Four queries."""
    version = latest_signed(current_plan_of(client))
    if version is None:
        return None
    [version] = with_goals([version])
    return version
