"""The treatment plan pages: the plan in use, each version, the difference between two
versions, check-ins, and the forms that write a draft and sign it. Plain POST and redirect; no
script needed. Access goes through the one door (``client_for``); a version, goal or plan of
another client is not found, whatever the id says."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kithkin.accounts.access import client_for, shows_controls
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.core.plans import PlanError, diff
from kithkin.plans import selectors, services
from kithkin.plans.forms import (
    CheckInForm,
    GoalForm,
    NewGoalForm,
    RevisionForm,
    SectionsForm,
    StartForm,
)
from kithkin.plans.services import GoalInput, Progress, SignedVersionError
from kithkin.web.forms import form_status


def _refuse(form, refused: PlanError) -> None:
    form.add_error(refused.field if refused.field in form.fields else None, str(refused))


def _version(client, version_id: int):
    version = selectors.version_of(client, version_id)
    if version is None:
        raise Http404("No such version of this client's plan")
    return version


def _version_url(version) -> str:
    return reverse("plan_version", args=[version.plan.client_id, version.pk])


# --- The plan in use ------------------------------------------------------------------------


@login_required
def plan(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    return _plan_page(request, client)


def _plan_page(request, client, *, start_form=None, revise_form=None, status=200):
    page = selectors.plan_page(client)
    may_change = shows_controls(request, client)
    if may_change and page.plan is None:
        start_form = start_form or StartForm()
    if may_change and page.current is not None and page.draft is None:
        revise_form = revise_form or RevisionForm()
    context = {
        "client": client,
        "page": page,
        "may_change": may_change,
        "start_form": start_form,
        "revise_form": revise_form,
    }
    return render(request, "plans/plan.html", context, status=status)


@login_required
@require_POST
def plan_start(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    form = StartForm(request.POST)
    if form.is_valid():
        try:
            started = services.plan_start(
                client=client,
                by=request.user,
                starts_on=form.cleaned_data["starts_on"],
                key=form.cleaned_data["key"],
                ip=client_ip(request),
            )
        except PlanError as refused:
            _refuse(form, refused)
        else:
            messages.success(request, "The plan is started. Write the first draft with the client.")
            return redirect(_version_url(started.versions.order_by("-number").first()))
    return _plan_page(request, client, start_form=form, status=form_status(form))


@login_required
@require_POST
def plan_revise(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    current = services.current_plan_of(client)
    if current is None:
        raise Http404("This client has no plan to revise")
    draft = selectors.draft_of(current)
    if draft is not None:
        # One draft at a time: the revision asked for is the one already being written.
        messages.info(request, f"Version {draft.number} is already a draft: here it is.")
        return redirect(_version_url(draft))
    form = RevisionForm(request.POST)
    if form.is_valid():
        draft = services.plan_revise(
            plan=current, by=request.user, key=form.cleaned_data["key"], ip=client_ip(request)
        )
        messages.success(
            request, f"Version {draft.number} is a draft, copied from the latest version."
        )
        return redirect(_version_url(draft))
    return _plan_page(request, client, revise_form=form, status=form_status(form))


# --- One version, and the draft's forms ----------------------------------------------------


@login_required
def plan_version(request, client_id: int, version_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    return _version_page(request, client, _version(client, version_id))


def _version_page(
    request,
    client,
    version,
    *,
    sections_form=None,
    goal_forms=None,
    new_goal_form=None,
    problem="",
    status=200,
):
    [version] = selectors.with_goals([version])
    selectors.flag_goals(version.goal_list, today=timezone.localdate())
    may_change = shows_controls(request, client)
    editing = may_change and not version.is_signed
    people = selectors.people_of(client) if editing else []
    goal_forms = goal_forms or {}
    goals = [
        {
            "goal": goal,
            "form": goal_forms.get(goal.pk) or GoalForm.of(goal, people=people)
            if editing
            else None,
        }
        for goal in version.goal_list
    ]
    context = {
        "client": client,
        "version": version,
        "goals": goals,
        "editing": editing,
        "may_change": may_change,
        "problem": problem,
        "sections_form": (sections_form or SectionsForm.of(version)) if editing else None,
        "new_goal_form": (new_goal_form or NewGoalForm(people=people, prefix="new"))
        if editing
        else None,
        "revise_form": RevisionForm() if may_change and version.is_signed else None,
        "check_ins": selectors.check_ins_of_version(version) if version.is_signed else [],
    }
    return render(request, "plans/version.html", context, status=status)


def _draft_for_change(request, client_id: int, version_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    return client, _version(client, version_id)


def _signed(request, client, version):
    """Seed 000's plan is revised, not rewritten: a signed version is offered a revision."""
    return _version_page(
        request, client, version, problem=str(SignedVersionError(version)), status=422
    )


@login_required
@require_POST
def plan_version_edit(request, client_id: int, version_id: int):
    client, version = _draft_for_change(request, client_id, version_id)
    if version.is_signed:
        return _signed(request, client, version)
    form = SectionsForm(request.POST, prefix="plan")
    if form.is_valid():
        try:
            services.version_update(
                version=version, by=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except SignedVersionError:
            return _signed(request, client, version)
        except PlanError as refused:
            _refuse(form, refused)
        else:
            messages.success(request, f"Draft version {version.number} is saved.")
            return redirect(_version_url(version) + "#sections")
    return _version_page(request, client, version, sections_form=form, status=form_status(form))


def _goal_input(data) -> GoalInput:
    return GoalInput(
        description=data["description"],
        criterion=data["criterion"],
        target_date=data["target_date"],
        lifecycle=data["lifecycle"],
        achievement=data["achievement"],
        measure=data["measure"] or "",
        partner_ids=tuple(data["partners"]),
    )


@login_required
@require_POST
def plan_goal_add(request, client_id: int, version_id: int):
    client, version = _draft_for_change(request, client_id, version_id)
    if version.is_signed:
        return _signed(request, client, version)
    form = NewGoalForm(request.POST, people=selectors.people_of(client), prefix="new")
    if form.is_valid():
        try:
            goal = services.goal_add(
                version=version,
                by=request.user,
                goal=_goal_input(form.cleaned_data),
                key=form.cleaned_data["key"],
                ip=client_ip(request),
            )
        except SignedVersionError:
            return _signed(request, client, version)
        except PlanError as refused:
            _refuse(form, refused)
        else:
            messages.success(request, f"Goal {goal.number} is added to the draft.")
            return redirect(_version_url(version) + f"#goal-{goal.number}")
    return _version_page(request, client, version, new_goal_form=form, status=form_status(form))


def _goal(version, goal_id: int):
    goal = selectors.goal_of(version, goal_id)
    if goal is None:
        raise Http404("No such goal in this version")
    return goal


@login_required
@require_POST
def plan_goal_edit(request, client_id: int, version_id: int, goal_id: int):
    client, version = _draft_for_change(request, client_id, version_id)
    goal = _goal(version, goal_id)
    if version.is_signed:
        return _signed(request, client, version)
    form = GoalForm(request.POST, people=selectors.people_of(client), prefix=f"g{goal.number}")
    if form.is_valid():
        try:
            services.goal_update(
                goal=goal,
                by=request.user,
                changes=_goal_input(form.cleaned_data),
                ip=client_ip(request),
            )
        except SignedVersionError:
            return _signed(request, client, version)
        except PlanError as refused:
            _refuse(form, refused)
        else:
            messages.success(request, f"Goal {goal.number} is saved.")
            return redirect(_version_url(version) + f"#goal-{goal.number}")
    return _version_page(
        request, client, version, goal_forms={goal.pk: form}, status=form_status(form)
    )


@login_required
@require_POST
def plan_goal_remove(request, client_id: int, version_id: int, goal_id: int):
    client, version = _draft_for_change(request, client_id, version_id)
    if version.is_signed:
        return _signed(request, client, version)
    goal = selectors.goal_of(version, goal_id)
    if goal is None:
        # The same button pressed twice: the first press removed it.
        messages.info(request, "That goal is no longer in the draft.")
        return redirect(_version_url(version) + "#goals")
    try:
        services.goal_remove(goal=goal, by=request.user, ip=client_ip(request))
    except SignedVersionError:
        return _signed(request, client, version)
    messages.success(request, f"Goal {goal.number} is removed from the draft.")
    return redirect(_version_url(version) + "#goals")


@login_required
@require_POST
def plan_version_sign(request, client_id: int, version_id: int):
    client, version = _draft_for_change(request, client_id, version_id)
    if version.is_signed:
        messages.info(request, f"Version {version.number} is already signed.")
        return redirect(_version_url(version))
    try:
        services.version_sign(version=version, by=request.user, ip=client_ip(request))
    except SignedVersionError:
        messages.info(request, f"Version {version.number} is already signed.")
    except PlanError as refused:
        return _version_page(request, client, version, problem=str(refused), status=422)
    else:
        messages.success(
            request,
            f"Version {version.number} is signed and locked. The client can acknowledge it in "
            "their portal.",
        )
    return redirect(reverse("plan", args=[client.pk]))


# --- Comparing versions -----------------------------------------------------------------------


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def plan_diff(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    a_id, b_id = _int(request.GET.get("a")), _int(request.GET.get("b"))
    if a_id is None and b_id is None:
        # Without a choice, the latest change: the version before the latest, and the latest.
        the_plan = services.current_plan_of(client)
        versions = list(the_plan.versions.order_by("-number")[:2]) if the_plan else []
        before, after = (versions[1], versions[0]) if len(versions) == 2 else (None, None)
        if before is not None:
            before.plan, after.plan = the_plan, the_plan
    else:
        before, after = selectors.version_of(client, a_id), selectors.version_of(client, b_id)
        if before is None or after is None or before.plan_id != after.plan_id:
            raise Http404("No such pair of versions of one plan of this client")
    changes = None
    all_versions = []
    if before is not None:
        selectors.with_goals([before, after])
        # Each goal is named by its words in the later version, or the earlier if removed.
        words = {str(g.number): g.description for g in [*before.goal_list, *after.goal_list]}
        changes = [
            {"change": change, "words": words.get(change.key, "") if change.part == "goal" else ""}
            for change in diff(selectors.plan_data(before), selectors.plan_data(after))
        ]
        all_versions = list(before.plan.versions.order_by("number"))
    context = {
        "client": client,
        "before": before,
        "after": after,
        "changes": changes,
        "all_versions": all_versions,
    }
    return render(request, "plans/diff.html", context)


# --- Check-ins --------------------------------------------------------------------------------


@login_required
def check_in_new(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    the_plan = services.current_plan_of(client)
    version = selectors.latest_signed(the_plan)
    if version is None:
        context = {"client": client, "plan": the_plan, "version": None, "form": None}
        status = 422 if request.method == "POST" else 200
        return render(request, "plans/check_in.html", context, status=status)
    goals = services.reviewed_goals(version)
    latest = selectors.latest_progress(the_plan)
    if request.method == "POST":
        form = CheckInForm(request.POST, goals=goals, latest=latest)
        if form.is_valid():
            data = form.cleaned_data
            try:
                check_in = services.check_in_record(
                    plan=the_plan,
                    by=request.user,
                    held_on=data["held_on"],
                    progress={
                        pk: Progress(achievement, note)
                        for pk, (achievement, note) in form.progress().items()
                    },
                    note=data["note"],
                    revise=data["revise"],
                    key=data["key"],
                    ip=client_ip(request),
                )
            except PlanError as refused:
                _refuse(form, refused)
            else:
                if check_in.revision_id:
                    messages.success(
                        request,
                        "The check-in is recorded, and its progress is in the draft revision.",
                    )
                    return redirect(reverse("plan_version", args=[client.pk, check_in.revision_id]))
                messages.success(request, "The check-in is recorded.")
                return redirect(reverse("plan", args=[client.pk]) + "#check-ins")
    else:
        form = CheckInForm(goals=goals, latest=latest)
    context = {"client": client, "plan": the_plan, "version": version, "form": form}
    return render(request, "plans/check_in.html", context, status=form_status(form))
