from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from kithkin.accounts.access import actor_for, client_for, require_in_practice
from kithkin.audit.request import client_ip
from kithkin.audit.selectors import record_access_log
from kithkin.clients import selectors, services
from kithkin.clients.forms import CaseloadFilter, ClientForm
from kithkin.clients.presenters import caseload_rows, filter_rows, table_body
from kithkin.core.access import Action, may_read_review_draft
from kithkin.plans.selectors import caseload_ids
from kithkin.web.forms import form_status


@require_in_practice(Action.VIEW_CASELOAD)
def caseload(request):
    """The caseload dashboard: every client with their phase, sessions, check-ins, partner
    actions and goals near their target date; filtered and ordered from the query string."""
    actor = actor_for(request.user)
    clients = list(selectors.caseload(actor=actor, client_ids=caseload_ids(actor)))
    extras = selectors.attention(
        actor=actor, client_ids=[c["pk"] for c in clients], today=timezone.localdate()
    )
    rows = caseload_rows(clients, extras)
    filters = CaseloadFilter(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    shown = filter_rows(rows, **chosen)
    context = {
        "rows": shown,
        "table_body": table_body(shown),
        "total": len(rows),
        "filters": filters,
    }
    return render(request, "clients/caseload.html", context)


@login_required
def client_detail(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    context = {"client": client, **selectors.client_page(client=client)}
    actor = actor_for(request.user)
    # An earlier episode's review is linked once signed; before that it is its author's (a
    # therapist the client returned to does not read a colleague's draft).
    context["review_links"] = {
        earlier.episode_id
        for earlier in context["earlier_episodes"]
        if earlier.review_author_id is not None
        and (
            earlier.review_signed_at is not None
            or may_read_review_draft(
                actor, therapist_id=earlier.therapist_id, author_id=earlier.review_author_id
            )
        )
    }
    return render(request, "clients/client_detail.html", context)


@require_in_practice(Action.CREATE_CLIENT)
def client_create(request):
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client = services.client_create(by=request.user, ip=client_ip(request), **form.cleaned_data)
        messages.success(request, f"{client.display_name} was added to your caseload.")
        return redirect("client_detail", client_id=client.pk)
    return render(
        request,
        "clients/client_form.html",
        {"form": form, "client": None},
        status=form_status(form),
    )


@login_required
def client_edit(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    form = ClientForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        services.client_update(
            client=client, by=request.user, ip=client_ip(request), **form.cleaned_data
        )
        messages.success(request, "The client's details were saved.")
        return redirect("client_detail", client_id=client.pk)
    return render(
        request,
        "clients/client_form.html",
        {"form": form, "client": client},
        status=form_status(form),
    )


@login_required
def client_access_log(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    events = record_access_log(practice_id=client.practice_id, client_id=client.pk)
    return render(request, "clients/access_log.html", {"client": client, "events": events})
