"""The practice admin's pages for restrictions of processing (GDPR Art. 18): the list, finding
the client who asked, recording the restriction and lifting it. The admin reads no clinical
content here: the client's name and date of birth, and the restriction itself."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kithkin.accounts.access import client_for, require_in_practice
from kithkin.audit.request import client_ip
from kithkin.clients import selectors
from kithkin.clients.finder import client_named
from kithkin.clients.forms import ClientFinderForm, RestrictionForm, RestrictionLiftForm
from kithkin.clients.models import Restriction
from kithkin.clients.restrictions import RestrictionError, restriction_lift, restriction_record
from kithkin.core.access import Action
from kithkin.web.forms import form_status, show_refusal


@require_in_practice(Action.MANAGE_PRACTICE, audited=False)
def practice_restrictions(request):
    practice_id = request.user.practice_id
    finder = ClientFinderForm(request.POST or None)
    if request.method == "POST" and finder.is_valid():
        client = client_named(request, finder, Action.RESTRICT_CLIENT)
        if client is not None:
            return redirect("client_restriction", client_id=client.pk)
    context = {"finder": finder, **selectors.restrictions(practice_id=practice_id)}
    return render(request, "clients/restrictions.html", context, status=form_status(finder))


def _active(client) -> Restriction | None:
    return Restriction.objects.active().filter(client=client).select_related("recorded_by").first()


@login_required
def client_restriction(request, client_id: int):
    """The client's restriction: recorded from here while there is none in force, lifted
    from here (through :func:`client_restriction_lift`) while there is."""
    client = client_for(request, client_id, Action.RESTRICT_CLIENT)
    active = _active(client)
    form = RestrictionForm(request.POST or None)
    if request.method == "POST" and active is None and form.is_valid():
        try:
            restriction_record(
                client=client,
                by=request.user,
                request=form.cleaned_data["request"],
                requested_on=form.cleaned_data["requested_on"],
                ip=client_ip(request),
            )
        except RestrictionError as refused:
            show_refusal(form, refused)
        else:
            messages.success(
                request,
                f"{client.display_name}'s record is restricted. It is kept, and nobody uses it "
                "until the restriction is lifted.",
            )
            return redirect("client_restriction", client_id=client.pk)
    elif request.method == "POST" and active is not None:
        form.add_error(None, "This client's record is already restricted.")
    return _page(request, client, active, record_form=form, lift_form=RestrictionLiftForm())


@login_required
@require_POST
def client_restriction_lift(request, client_id: int):
    client = client_for(request, client_id, Action.RESTRICT_CLIENT)
    active = _active(client)
    form = RestrictionLiftForm(request.POST)
    if active is None:
        form.add_error(None, "This client's record is not restricted: there is nothing to lift.")
    elif form.is_valid():
        try:
            restriction_lift(
                restriction=active,
                by=request.user,
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )
        except RestrictionError as refused:
            show_refusal(form, refused)
        else:
            messages.success(
                request,
                f"The restriction is lifted: {client.display_name}'s record is back in use.",
            )
            return redirect("client_restriction", client_id=client.pk)
    return _page(request, client, active, record_form=RestrictionForm(), lift_form=form)


def _page(request, client, active, *, record_form, lift_form):
    bound = lift_form if lift_form.is_bound else record_form
    context = {
        "client": client,
        "active": active,
        "record_form": record_form,
        "lift_form": lift_form,
    }
    return render(request, "clients/restriction.html", context, status=form_status(bound))
