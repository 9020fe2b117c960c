"""The assessment of the current episode: read by whoever may read the record, written by the
treating therapist in their own open episode, with an ICD-10-CM code search for the formulation.
Plain POST and redirect; htmx only makes the code search live."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from kithkin.accounts.access import client_for, shows_controls
from kithkin.assessments import icd10, selectors, services
from kithkin.assessments.forms import AssessmentForm
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.core.assessments import LEVELS, AssessmentRefused
from kithkin.web.forms import form_status

RESULTS = 25


@login_required
@require_GET
def assessment(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    return _page(request, client)


@login_required
@require_POST
def assessment_save(request, client_id: int):
    # Only a treating therapist passes this door; they write in their own open episode, never
    # one named by the request.
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    page = selectors.assessment_page(client=client, user=request.user)
    if page.own is None:
        # The episode closed since the form was opened (or none was): the page says where to
        # open one, and 409 tells htmx and tests the state of the record is what refused.
        messages.error(request, "The assessment was not saved.")
        return _page(request, client, page=page, status=409)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        try:
            version = services.assessment_save(
                episode=page.own.episode,
                by=request.user,
                findings=form.findings(),
                expected_version=form.cleaned_data["version"],
                ip=client_ip(request),
            )
        except AssessmentRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(request, f"The assessment is saved (version {version.number}).")
            return redirect("assessment", client_id=client.pk)
    return _page(request, client, page=page, form=form, status=form_status(form))


@login_required
@require_GET
def assessment_codes(request, client_id: int):
    """The code search: with htmx, the picker of the assessment form (the codes already ticked
    stay ticked above the results); without, a page to look codes up."""
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    query = request.GET.get("q", "").strip()[:100]
    results, total = icd10.search_counted(query, RESULTS) if query else ([], 0)
    context = {"client": client, "query": query, "results": results, "total": total}
    if request.htmx:
        chosen = icd10.recordable(request.GET.getlist("codes"))
        ticked = {c.code for c in chosen}
        context["chosen"] = [{"code": c.code, "title": c.title} for c in chosen]
        context["results"] = [m for m in results if m.code.code not in ticked]
        return render(request, "assessments/_code_picker.html", context)
    context["release"] = icd10.release()
    context["scope"] = icd10.scope()
    return render(request, "assessments/codes.html", context)


def _page(request, client, *, page=None, form=None, status=200):
    if page is None:
        page = selectors.assessment_page(
            client=client,
            user=request.user,
            episode_id=_number(request.GET.get("episode")),
            version=_number(request.GET.get("version")),
        )
    is_treating = shows_controls(request, client)
    may_change = is_treating and page.own is not None and page.shown is page.own
    editing = (
        may_change
        and page.is_current
        and (form is not None or page.version is None or "edit" in request.GET)
    )
    if editing and form is None:
        form = AssessmentForm.from_version(page.current_version)
    context = {
        "client": client,
        "page": page,
        "version": page.version,
        "is_treating": is_treating,
        "may_change": may_change,
        "form": form if editing else None,
        "levels": LEVELS,
        "release": icd10.release(),
    }
    return render(request, "assessments/assessment.html", context, status=status)


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 10 else None
