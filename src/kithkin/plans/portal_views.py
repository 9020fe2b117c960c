"""The client's own plan in the portal: the latest signed version in plain words, and the
acknowledgement that it was agreed together (seed 000: "we write down our plans").

The record comes from the signed-in account, never from the URL, and only a signed version is
ever shown: a draft is the therapist's work in progress.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kithkin.accounts.access import portal_client
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.core.disclosure import Audience, PartnerView, guard
from kithkin.core.plans import PlanError
from kithkin.plans import selectors, services
from kithkin.plans.forms import AcknowledgeForm
from kithkin.web.forms import form_status

CHANGED = "Your plan has changed since you opened the page. Read it again first."


@login_required
def portal_plan(request):
    client = portal_client(request, Action.VIEW_PORTAL)
    return _page(request, client, selectors.portal_plan(client))


@login_required
@require_POST
def portal_plan_acknowledge(request):
    client = portal_client(request, Action.PORTAL_ACKNOWLEDGE)
    version = selectors.portal_plan(client)
    if version is None:
        raise Http404("There is no signed plan to acknowledge")
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["version"] != version.pk:
            form.add_error(None, CHANGED)
        else:
            try:
                services.plan_acknowledge(version=version, by=request.user, ip=client_ip(request))
            except PlanError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "Thank you. Your therapist can see that you agreed it.")
                return redirect("portal_plan")
    return _page(request, client, version, form=form, status=form_status(form))


def _page(request, client, version, *, form=None, status=200):
    if version is not None:
        for goal in version.goal_list:
            # The client named these people themselves; their own portal may show them. The
            # guard decides all the same, so every page that shows people asks it.
            views = [
                PartnerView(
                    person_id=p.pk,
                    label=p.name,
                    involvement=getattr(getattr(p, "partner", None), "involvement", None),
                )
                for p in goal.people
            ]
            kept = {v.person_id for v in guard(views, Audience.OWN_PORTAL_OF_CLIENT).kept}
            goal.shown_people = [p for p in goal.people if p.pk in kept]
        if form is None and version.acknowledged_at is None:
            form = AcknowledgeForm(initial={"version": version.pk})
    context = {"client": client, "version": version, "form": form}
    return render(request, "plans/portal_plan.html", context, status=status)
