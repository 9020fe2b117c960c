"""Writing a client's treatment plan: starting it, the draft's sections and goals, signing, a
revision, and check-ins, through ``plans.services`` as the plan pages do. A signed version is
never changed (a revision is). Operations are added to the records router, whose paths they
share."""

from django.http import HttpRequest
from ninja import Status

from kithkin.accounts.access import client_for
from kithkin.api.problems import refused
from kithkin.api.routers.records import DENIED, router
from kithkin.api.schemas import (
    CheckInIn,
    CheckInOut,
    GoalIn,
    GoalOut,
    GoalPatch,
    PlanIn,
    PlanVersionOut,
    PlanVersionPatch,
    Problem,
    RecordId,
    RevisionIn,
)
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.core.plans import PlanError
from kithkin.plans import selectors, services
from kithkin.plans.models import GoalPartner
from kithkin.plans.services import GoalInput, Progress

TAGS = ["plans"]
NOT_FOUND = Status(404, {"detail": "Not found."})
VERSION_FIELDS = (
    "starts_on",
    "concerns",
    "relational_context",
    "objectives",
    "recommendations",
    "cadence_unit",
    "cadence_every",
)


def _changeable(request, client_id: int):
    return client_for(request, client_id, Action.CHANGE_CLIENT)


def _merged(current: dict, patch) -> dict:
    # A null is "as it is": none of these fields can be emptied to nothing.
    sent = patch.dict(exclude_unset=True)
    return {**current, **{name: value for name, value in sent.items() if value is not None}}


@router.post(
    "/clients/{client_id}/plans",
    response={201: PlanVersionOut, 422: Problem, **DENIED},
    url_name="client_plans",
    tags=TAGS,
)
def plan_start(request: HttpRequest, client_id: RecordId, body: PlanIn):
    """Starts the client's plan with a first draft (version 1), in their open episode."""
    client = _changeable(request, client_id)
    try:
        plan = services.plan_start(
            client=client,
            by=request.user,
            starts_on=body.starts_on,
            key=body.key,
            ip=client_ip(request),
        )
    except PlanError as problem:
        return refused(problem)
    return Status(201, plan.versions.order_by("number").first())


@router.post(
    "/clients/{client_id}/plan-versions",
    response={200: PlanVersionOut, 201: PlanVersionOut, 422: Problem, **DENIED},
    tags=TAGS,
)
def plan_revise(request: HttpRequest, client_id: RecordId, body: RevisionIn):
    """Starts a revision of the plan in use: a draft copied from the latest signed version
    (201). There is one draft at a time: if one is being written, it is the answer (200)."""
    client = _changeable(request, client_id)
    current = services.current_plan_of(client)
    if current is None:
        return Status(422, {"detail": "This client has no plan to revise: start one first."})
    draft = selectors.draft_of(current)
    if draft is not None:
        return draft
    try:
        draft = services.plan_revise(
            plan=current, by=request.user, key=body.key, ip=client_ip(request)
        )
    except PlanError as problem:
        return refused(problem)
    return Status(201, draft)


def _draft(request, client_id: int, version_id: int):
    client = _changeable(request, client_id)
    return client, selectors.version_of(client, version_id)


@router.patch(
    "/clients/{client_id}/plan-versions/{version_id}",
    response={200: PlanVersionOut, 422: Problem, **DENIED},
    url_name="client_plan_version",
    tags=TAGS,
)
def version_change(
    request: HttpRequest, client_id: RecordId, version_id: RecordId, body: PlanVersionPatch
):
    """Saves the draft's sections and check-in cadence; fields left out stay as they are. A
    signed version answers 422: start a revision."""
    _, version = _draft(request, client_id, version_id)
    if version is None:
        return NOT_FOUND
    wanted = _merged({name: getattr(version, name) for name in VERSION_FIELDS}, body)
    try:
        return services.version_update(
            version=version, by=request.user, ip=client_ip(request), **wanted
        )
    except PlanError as problem:
        return refused(problem)


@router.post(
    "/clients/{client_id}/plan-versions/{version_id}/sign",
    response={200: PlanVersionOut, 422: Problem, **DENIED},
    url_name="client_plan_version_sign",
    tags=TAGS,
)
def version_sign(request: HttpRequest, client_id: RecordId, version_id: RecordId):
    """The treating therapist signs the draft, which then is locked and offered to the client
    to acknowledge. A draft without a goal cannot be signed; a signed version stays signed."""
    _, version = _draft(request, client_id, version_id)
    if version is None:
        return NOT_FOUND
    try:
        return services.version_sign(version=version, by=request.user, ip=client_ip(request))
    except PlanError as problem:
        return refused(problem)


def _goal_input(values: dict) -> GoalInput:
    return GoalInput(
        description=values["description"],
        criterion=values["criterion"],
        target_date=values["target_date"],
        lifecycle=values["lifecycle"],
        achievement=values["achievement"],
        measure=values["measure"],
        partner_ids=tuple(values["partner_ids"]),
    )


@router.post(
    "/clients/{client_id}/plan-versions/{version_id}/goals",
    response={201: GoalOut, 422: Problem, **DENIED},
    url_name="client_plan_version_goals",
    tags=TAGS,
)
def goal_add(request: HttpRequest, client_id: RecordId, version_id: RecordId, body: GoalIn):
    """A goal of the draft, in the client's words, with the people it involves."""
    _, version = _draft(request, client_id, version_id)
    if version is None:
        return NOT_FOUND
    try:
        goal = services.goal_add(
            version=version,
            by=request.user,
            goal=_goal_input(body.dict()),
            key=body.key,
            ip=client_ip(request),
        )
    except PlanError as problem:
        return refused(problem)
    return Status(201, goal)


def _goal(request, client_id: int, version_id: int, goal_id: int):
    _, version = _draft(request, client_id, version_id)
    return None if version is None else selectors.goal_of(version, goal_id)


@router.patch(
    "/clients/{client_id}/plan-versions/{version_id}/goals/{goal_id}",
    response={200: GoalOut, 422: Problem, **DENIED},
    url_name="client_plan_version_goal",
    tags=TAGS,
)
def goal_change(
    request: HttpRequest,
    client_id: RecordId,
    version_id: RecordId,
    goal_id: RecordId,
    body: GoalPatch,
):
    """Changes a goal of the draft; fields left out stay as they are (``partner_ids`` replaces
    the whole list)."""
    goal = _goal(request, client_id, version_id, goal_id)
    if goal is None:
        return NOT_FOUND
    current = {
        "description": goal.description,
        "criterion": goal.criterion,
        "target_date": goal.target_date,
        "lifecycle": goal.lifecycle,
        "achievement": goal.achievement,
        "measure": goal.measure,
        "partner_ids": list(
            GoalPartner.objects.filter(goal=goal).values_list("person_id", flat=True)
        ),
    }
    try:
        return services.goal_update(
            goal=goal,
            by=request.user,
            changes=_goal_input(_merged(current, body)),
            ip=client_ip(request),
        )
    except PlanError as problem:
        return refused(problem)


@router.delete(
    "/clients/{client_id}/plan-versions/{version_id}/goals/{goal_id}",
    response={204: None, 422: Problem, **DENIED},
    tags=TAGS,
)
def goal_remove(request: HttpRequest, client_id: RecordId, version_id: RecordId, goal_id: RecordId):
    """Removes a goal from the draft. Its number is never given to another goal of the plan."""
    goal = _goal(request, client_id, version_id, goal_id)
    if goal is None:
        return NOT_FOUND
    try:
        services.goal_remove(goal=goal, by=request.user, ip=client_ip(request))
    except PlanError as problem:
        return refused(problem)
    return Status(204, None)


@router.post(
    "/clients/{client_id}/check-ins",
    response={201: CheckInOut, 422: Problem, **DENIED},
    tags=TAGS,
)
def check_in_record(request: HttpRequest, client_id: RecordId, body: CheckInIn):
    """A check-in of the latest signed version of the plan in use: each goal under review (all
    but completed and cancelled ones) once, with its progress. ``revise`` carries the progress
    into a draft revision."""
    client = _changeable(request, client_id)
    plan = services.current_plan_of(client)
    if plan is None:
        return Status(422, {"detail": "This client has no plan to check in on: start one first."})
    progress = {item.goal_id: Progress(item.achievement, item.note) for item in body.progress}
    if len(progress) != len(body.progress):
        return Status(422, {"detail": "Name each goal once.", "field": "progress"})
    try:
        check_in = services.check_in_record(
            plan=plan,
            by=request.user,
            held_on=body.held_on,
            progress=progress,
            note=body.note,
            revise=body.revise,
            key=body.key,
            ip=client_ip(request),
        )
    except PlanError as problem:
        return refused(problem)
    return Status(201, check_in)
