"""Writes to treatment plans. Each service is atomic and writes its audit event in the same
transaction; a refused request raises :class:`PlanError` before anything is written.

Forms that create something carry a hidden random token (``key``). It is stored with what the
form created under a unique constraint, so the same form sent twice, by a double click or a
resent page, finds what the first one made instead of making it again. The services lock the
row they change first, so two copies of one request take turns and the second sees the first.

Audit reasons say what happened and point to rows; the clinical text stays encrypted in them.
"""

import datetime
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.clients.models import Client, Person
from kithkin.core.plans import (
    Achievement,
    Cadence,
    Lifecycle,
    Measure,
    PlanError,
    check_target_date,
)
from kithkin.plans.models import CheckIn, Goal, GoalPartner, GoalProgress, Plan, PlanVersion
from kithkin.relationships.models import Episode

SECTION_FIELDS = ("concerns", "relational_context", "objectives", "recommendations")


class SignedVersionError(PlanError):
    """A change asked of a signed version. The answer is a revision, which the page offers."""

    def __init__(self, version: PlanVersion):
        super().__init__(
            f"Version {version.number} is signed, so it stays as it was signed. Start a revision "
            "to change the plan: it begins as a copy of the latest version."
        )


class FormAlreadyUsed(PlanError):
    def __init__(self):
        super().__init__("This form was already used for something else. Reload the page.")


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _audit(*, by, action: str, plan: Plan, resource_type: str, resource_id, reason: str, ip):
    audit_record(
        practice_id=plan.practice_id,
        actor=by,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        client_id=plan.client_id,
        reason=reason,
        ip=ip,
    )


def _replay(model, key: uuid.UUID | None, **belongs):
    """What an earlier sending of the same form created, if it did; a token used for another
    record is refused rather than answered with that record."""
    if key is None:
        return None
    existing = model.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if any(getattr(existing, name) != value for name, value in belongs.items()):
        raise FormAlreadyUsed()
    return existing


CLOSED_EPISODE = (
    "This plan's episode is closed, so the plan stays as it was. Open a new episode on the "
    "timeline to plan the work again."
)


def _locked_draft(version: PlanVersion) -> PlanVersion:
    # The episode is read apart: PostgreSQL refuses FOR UPDATE over the nullable side of the
    # outer join that select_related("plan__episode") would make.
    locked = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version.pk)
    if locked.is_signed:
        raise SignedVersionError(locked)
    episode_id = locked.plan.episode_id
    if episode_id and Episode.objects.filter(pk=episode_id, phase="closed").exists():
        raise PlanError(CLOSED_EPISODE)
    return locked


def current_plan_of(client: Client) -> Plan | None:
    """The plan in use: the newest one whose episode is still open, or that has no episode.
    A plan of a closed episode is history."""
    return (
        Plan.objects.filter(client=client)
        .exclude(episode__phase="closed")
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def plan_start(
    *,
    client: Client,
    by,
    starts_on: datetime.date,
    key: uuid.UUID | None = None,
    ip: str | None = None,
) -> Plan:
    """Starts a plan with a first draft. It belongs to the client's open episode, if there is
    one (the newest, when several therapists each have one)."""
    Client.objects.select_for_update().filter(pk=client.pk).first()
    replayed = _replay(Plan, key, client_id=client.pk)
    if replayed is not None:
        return replayed
    if current_plan_of(client) is not None:
        raise PlanError("This client already has a plan in use. Revise it instead.")
    episode = (
        Episode.objects.filter(relationship__client=client)
        .exclude(phase="closed")
        .order_by("-opened_on", "-pk")
        .first()
    )
    if episode is None and Episode.objects.filter(relationship__client=client).exists():
        # Episodes are kept for this client and all are closed: the work starts again with a
        # new episode, as a session would.
        raise PlanError(CLOSED_EPISODE)
    if episode is None and Plan.objects.filter(client=client, episode__isnull=True).exists():
        raise PlanError("This client already has a plan outside any episode. Revise it instead.")
    plan = Plan.objects.create(
        practice_id=client.practice_id,
        client=client,
        episode=episode,
        created_by=by,
        idempotency_key=key,
    )
    version = PlanVersion.objects.create(
        practice_id=client.practice_id, plan=plan, number=1, starts_on=starts_on, created_by=by
    )
    _audit(
        by=by,
        action="plan.start",
        plan=plan,
        resource_type="PlanVersion",
        resource_id=version.pk,
        reason=f"plan {plan.pk} started, draft version 1"
        + (f", episode {episode.pk}" if episode else ""),
        ip=ip,
    )
    return plan


@transaction.atomic
def version_update(
    *,
    version: PlanVersion,
    by,
    starts_on: datetime.date,
    concerns: str = "",
    relational_context: str = "",
    objectives: str = "",
    recommendations: str = "",
    cadence_unit: str,
    cadence_every: int,
    ip: str | None = None,
) -> PlanVersion:
    """Saves the sections and the check-in cadence of a draft."""
    draft = _locked_draft(version)
    Cadence(cadence_unit, cadence_every)  # raises PlanError with the reason
    early = draft.goals.filter(target_date__lt=starts_on).order_by("target_date", "number").first()
    if early is not None:
        raise PlanError(
            f"Goal {early.number}'s target date ({_day(early.target_date)}) would fall before "
            f"the plan starts ({_day(starts_on)}). Move the goal's date first.",
            field="starts_on",
        )
    draft.starts_on = starts_on
    for name, value in zip(
        SECTION_FIELDS, (concerns, relational_context, objectives, recommendations), strict=True
    ):
        setattr(draft, name, value.strip())
    draft.cadence_unit = cadence_unit
    draft.cadence_every = cadence_every
    draft.save()
    _audit(
        by=by,
        action="plan.version.edit",
        plan=draft.plan,
        resource_type="PlanVersion",
        resource_id=draft.pk,
        reason=f"draft version {draft.number} of plan {draft.plan_id}: sections saved",
        ip=ip,
    )
    return draft


@dataclass(frozen=True)
class GoalInput:
    """What a therapist writes for a goal, checked against the plan before it is saved."""

    description: str
    criterion: str
    target_date: datetime.date
    lifecycle: str = Lifecycle.PROPOSED.value
    achievement: str = Achievement.IN_PROGRESS.value
    measure: str = ""
    partner_ids: tuple[int, ...] = ()


def _checked(goal: GoalInput, draft: PlanVersion) -> list[Person]:
    if not goal.description.strip():
        raise PlanError("Write the goal in the client's own words.", field="description")
    check_target_date(goal.target_date, plan_starts_on=draft.starts_on)
    Lifecycle(goal.lifecycle)
    Achievement(goal.achievement)
    Measure(goal.measure)
    wanted = set(goal.partner_ids)
    people = list(Person.objects.filter(client_id=draft.plan.client_id, pk__in=wanted))
    if len(people) != len(wanted):
        # Another client's person, or one that no longer exists: each client's people are
        # their own (one row per client), so a goal never reaches into another record.
        raise PlanError("Someone chosen is not in this client's life.", field="partners")
    return people


def _set_partners(goal: Goal, people: Iterable[Person]) -> None:
    GoalPartner.objects.filter(goal=goal).delete()
    GoalPartner.objects.bulk_create(
        GoalPartner(practice_id=goal.practice_id, goal=goal, person=person) for person in people
    )


@transaction.atomic
def goal_add(
    *,
    version: PlanVersion,
    by,
    goal: GoalInput,
    key: uuid.UUID | None = None,
    ip: str | None = None,
) -> Goal:
    draft = _locked_draft(version)
    replayed = _replay(Goal, key, version_id=draft.pk)
    if replayed is not None:
        return replayed
    people = _checked(goal, draft)
    # Numbers are never reused within a plan: a goal removed in one version and a new goal in
    # a later one must not look like the same goal changed.
    highest = Goal.objects.filter(version__plan_id=draft.plan_id).aggregate(n=Max("number"))["n"]
    row = Goal.objects.create(
        practice_id=draft.practice_id,
        version=draft,
        number=(highest or 0) + 1,
        description=goal.description.strip(),
        criterion=goal.criterion.strip(),
        target_date=goal.target_date,
        lifecycle=goal.lifecycle,
        achievement=goal.achievement,
        measure=goal.measure,
        idempotency_key=key,
    )
    _set_partners(row, people)
    _audit(
        by=by,
        action="plan.goal.add",
        plan=draft.plan,
        resource_type="Goal",
        resource_id=row.pk,
        reason=f"goal {row.number} added to draft version {draft.number} of plan {draft.plan_id}",
        ip=ip,
    )
    return row


@transaction.atomic
def goal_update(*, goal: Goal, by, changes: GoalInput, ip: str | None = None) -> Goal:
    draft = _locked_draft(goal.version)
    people = _checked(changes, draft)
    row = Goal.objects.get(pk=goal.pk)
    row.description = changes.description.strip()
    row.criterion = changes.criterion.strip()
    row.target_date = changes.target_date
    row.lifecycle = changes.lifecycle
    row.achievement = changes.achievement
    row.measure = changes.measure
    row.save()
    _set_partners(row, people)
    _audit(
        by=by,
        action="plan.goal.edit",
        plan=draft.plan,
        resource_type="Goal",
        resource_id=row.pk,
        reason=f"goal {row.number} of draft version {draft.number} of plan {draft.plan_id}",
        ip=ip,
    )
    return row


@transaction.atomic
def goal_remove(*, goal: Goal, by, ip: str | None = None) -> None:
    draft = _locked_draft(goal.version)
    number = goal.number
    deleted, _ = Goal.objects.filter(pk=goal.pk, version=draft).delete()
    if not deleted:
        return  # removed already, by the same form sent twice
    _audit(
        by=by,
        action="plan.goal.remove",
        plan=draft.plan,
        resource_type="Goal",
        resource_id=goal.pk,
        reason=f"goal {number} removed from draft version {draft.number} of plan {draft.plan_id}",
        ip=ip,
    )


@transaction.atomic
def version_sign(*, version: PlanVersion, by, ip: str | None = None) -> PlanVersion:
    """The therapist signs a draft; from then on it is locked and the client may acknowledge
    it. Signing is the therapist's statement that the plan was made with the client."""
    draft = _locked_draft(version)
    if not draft.goals.exists():
        raise PlanError("Add at least one goal before signing: a plan sets out what it is for.")
    draft.signed_by = by
    draft.signed_at = timezone.now()
    draft.save(update_fields=["signed_by", "signed_at", "updated_at"])
    _audit(
        by=by,
        action="plan.sign",
        plan=draft.plan,
        resource_type="PlanVersion",
        resource_id=draft.pk,
        reason=f"version {draft.number} of plan {draft.plan_id} signed",
        ip=ip,
    )
    return draft


def _latest_signed(plan: Plan) -> PlanVersion | None:
    return plan.versions.filter(signed_at__isnull=False).order_by("-number").first()


def _draft_of(plan: Plan) -> PlanVersion | None:
    return plan.versions.filter(signed_at__isnull=True).first()


def _copy(source: PlanVersion, *, by, key: uuid.UUID | None) -> PlanVersion:
    """A new draft that starts as a copy of ``source``, goals and their partners included."""
    highest = source.plan.versions.aggregate(n=Max("number"))["n"] or 0
    draft = PlanVersion.objects.create(
        practice_id=source.practice_id,
        plan_id=source.plan_id,
        number=highest + 1,
        based_on=source,
        starts_on=source.starts_on,
        concerns=source.concerns,
        relational_context=source.relational_context,
        objectives=source.objectives,
        recommendations=source.recommendations,
        cadence_unit=source.cadence_unit,
        cadence_every=source.cadence_every,
        created_by=by,
        idempotency_key=key,
    )
    goals = list(source.goals.order_by("number"))
    copies = Goal.objects.bulk_create(
        Goal(
            practice_id=goal.practice_id,
            version=draft,
            number=goal.number,
            description=goal.description,
            criterion=goal.criterion,
            target_date=goal.target_date,
            lifecycle=goal.lifecycle,
            achievement=goal.achievement,
            measure=goal.measure,
        )
        for goal in goals
    )
    if not all(copy.pk for copy in copies):
        # Backends without RETURNING from bulk inserts: read the new ids back.
        copies = list(draft.goals.order_by("number"))
    copy_of = {goal.number: copy for goal, copy in zip(goals, copies, strict=True)}
    links = GoalPartner.objects.filter(goal__version=source).select_related("goal")
    GoalPartner.objects.bulk_create(
        GoalPartner(
            practice_id=link.practice_id,
            goal=copy_of[link.goal.number],
            person_id=link.person_id,
        )
        for link in links
    )
    return draft


@transaction.atomic
def plan_revise(
    *, plan: Plan, by, key: uuid.UUID | None = None, ip: str | None = None
) -> PlanVersion:
    """Starts a revision: a new draft copied from the latest version. If a draft is already
    being written, that draft is the revision (there is one draft at a time)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    replayed = _replay(PlanVersion, key, plan_id=plan.pk)
    if replayed is not None:
        return replayed
    draft = _draft_of(plan)
    if draft is not None:
        return draft
    source = _latest_signed(plan)
    draft = _copy(source, by=by, key=key)
    _audit(
        by=by,
        action="plan.revise",
        plan=plan,
        resource_type="PlanVersion",
        resource_id=draft.pk,
        reason=f"draft version {draft.number} of plan {plan.pk} from version {source.number}",
        ip=ip,
    )
    return draft


@dataclass(frozen=True)
class Progress:
    achievement: str
    note: str = ""


@transaction.atomic
def check_in_record(
    *,
    plan: Plan,
    by,
    held_on: datetime.date,
    progress: Mapping[int, Progress],
    note: str = "",
    revise: bool = False,
    key: uuid.UUID | None = None,
    ip: str | None = None,
) -> CheckIn:
    """Records a check-in of the latest signed version: each open goal's progress (keyed by goal
    id), a note, and, if asked, a revision that carries the progress into a draft."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    replayed = _replay(CheckIn, key, plan_id=plan.pk)
    if replayed is not None:
        return replayed
    version = _latest_signed(plan)
    if version is None:
        raise PlanError(
            "Sign the plan before its first check-in: a check-in reviews a signed plan."
        )
    today = timezone.localdate()
    if held_on > today:
        raise PlanError("A check-in cannot be dated in the future.", field="held_on")
    signed_on = timezone.localdate(version.signed_at)
    if held_on < signed_on:
        raise PlanError(
            f"This version was signed on {_day(signed_on)}; its check-in cannot come before.",
            field="held_on",
        )
    last = plan.check_ins.order_by("-held_on").values_list("held_on", flat=True).first()
    if last and held_on < last:
        raise PlanError(
            f"The last check-in was on {_day(last)}; a new one cannot be dated before it.",
            field="held_on",
        )
    goals = {goal.pk: goal for goal in reviewed_goals(version)}
    if set(progress) != set(goals):
        raise PlanError("Record the progress of each goal under review, and of no other.")
    for item in progress.values():
        Achievement(item.achievement)
    check_in = CheckIn.objects.create(
        practice_id=plan.practice_id,
        plan=plan,
        version=version,
        held_on=held_on,
        note=note.strip(),
        by=by,
        idempotency_key=key,
    )
    GoalProgress.objects.bulk_create(
        GoalProgress(
            practice_id=plan.practice_id,
            check_in=check_in,
            goal_id=goal_id,
            achievement=item.achievement,
            note=item.note.strip(),
        )
        for goal_id, item in sorted(progress.items())
    )
    reason = f"check-in {check_in.pk} of version {version.number} of plan {plan.pk}"
    if revise:
        draft = _draft_of(plan) or _copy(_latest_signed(plan), by=by, key=None)
        by_number = {goals[goal_id].number: item for goal_id, item in progress.items()}
        for goal in draft.goals.filter(number__in=by_number):
            goal.achievement = by_number[goal.number].achievement
            goal.save(update_fields=["achievement", "updated_at"])
        check_in.revision = draft
        check_in.save(update_fields=["revision"])
        reason += f", revised in draft version {draft.number}"
    _audit(
        by=by,
        action="plan.check_in",
        plan=plan,
        resource_type="CheckIn",
        resource_id=check_in.pk,
        reason=reason,
        ip=ip,
    )
    return check_in


def reviewed_goals(version: PlanVersion) -> list[Goal]:
    """The goals a check-in reviews: all but those completed or cancelled."""
    return list(
        version.goals.exclude(lifecycle__in=[Lifecycle.COMPLETED, Lifecycle.CANCELLED]).order_by(
            "number"
        )
    )


@transaction.atomic
def plan_acknowledge(*, version: PlanVersion, by, ip: str | None = None) -> PlanVersion:
    """The client's "I have read this plan and we agreed it together". Only the latest signed
    version can be acknowledged, so the client never agrees to a plan already replaced."""
    locked = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version.pk)
    if not locked.is_signed:
        raise PlanError("This plan is not signed yet.")
    latest = _latest_signed(locked.plan)
    if latest.pk != locked.pk:
        raise PlanError("Your plan has changed since you opened the page. Read it again first.")
    if locked.acknowledged_at is not None:
        return locked  # acknowledged already: once is the record
    locked.acknowledged_by = by
    locked.acknowledged_at = timezone.now()
    locked.save(update_fields=["acknowledged_by", "acknowledged_at", "updated_at"])
    _audit(
        by=by,
        action="plan.acknowledge",
        plan=locked.plan,
        resource_type="PlanVersion",
        resource_id=locked.pk,
        reason=f"version {locked.number} of plan {locked.plan_id} acknowledged by the client",
        ip=ip,
    )
    return locked
