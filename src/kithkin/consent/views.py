"""The consent pages of a client's record: their authorizations (drafted with them, signed in
the office, revoked on a written request), releases under them, and the accounting of
disclosures. Plain POST and redirect. Access goes through ``client_for``: the treating
therapist writes; a supervisor reads; an authorization or a disclosure of another client is
not found, whatever the id says."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kithkin.accounts.access import client_for, shows_controls
from kithkin.audit.request import client_ip
from kithkin.consent import selectors, services
from kithkin.consent.forms import DraftForm, OfficeSignForm, ReleaseForm, RevokeForm
from kithkin.consent.models import Authorization
from kithkin.core.access import Action
from kithkin.core.consent import Category, Party, ReleaseRequest
from kithkin.web.forms import form_status
from kithkin.web.pdf import render_pdf


def _authorization(client, authorization_id: int) -> Authorization:
    row = selectors.authorization_of(client, authorization_id)
    if row is None:
        raise Http404("No such authorization of this client")
    return row


def _url(row) -> str:
    return reverse("consent", args=[row.client_id, row.pk])


def done(form, write) -> bool:
    """Whether ``form`` is valid and ``write(cleaned_data)`` took it. A service's refusal goes
    on the form in its own words, so the page shows it beside what was sent."""
    if not form.is_valid():
        return False
    try:
        write(form.cleaned_data)
    except services.ConsentError as refused:
        form.add_error(None, str(refused))
        return False
    return True


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- The list of authorizations, and drafting one ---------------------------------------------


@login_required
def consents(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    return _list(request, client)


def _list(request, client, *, form=None):
    now = timezone.now()
    may_change = shows_controls(request, client)
    rows = list(selectors.authorizations_of(client))
    for row in rows:
        row.state = selectors.state(row, now)
    if may_change and form is None:
        form = DraftForm()
    context = {
        "client": client,
        "authorizations": rows,
        "disclosures": list(selectors.disclosures_of(client)[:5]),
        "form": form if may_change else None,
    }
    return render(
        request, "consent/consents.html", context, status=form_status(form) if form else 200
    )


@login_required
@require_POST
def consent_new(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    form = DraftForm(request.POST)
    drafted = []

    def draft(data):
        drafted.append(
            services.authorization_draft(
                client=client, by=request.user, ip=client_ip(request), **data
            )
        )

    if done(form, draft):
        messages.success(request, "Drafted. Go through the text with the client before they sign.")
        return redirect(_url(drafted[0]))
    return _list(request, client, form=form)


# --- One authorization: its text, signing in the office, revocation, its event ----------------


@login_required
def consent(request, client_id: int, authorization_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    return _page(request, client, _authorization(client, authorization_id))


def _page(request, client, row, *, sign_form=None, revoke_form=None, status=200):
    now = timezone.now()
    may_change = shows_controls(request, client)
    row.state = selectors.state(row, now)
    live = selectors.in_force(row, now)
    if may_change and row.signed_at is None and row.revoked_at is None:
        sign_form = sign_form or OfficeSignForm(initial={"shown": row.text_sha256})
    if may_change and row.signed_at is not None and row.revoked_at is None:
        revoke_form = revoke_form or RevokeForm()
    context = {
        "client": client,
        "authorization": row,
        "may_change": may_change,
        "live": live,
        "sign_form": sign_form if may_change else None,
        "revoke_form": revoke_form if may_change else None,
        "event_due": may_change and live and row.expiry_event and row.expiry_event_at is None,
        "release_url": reverse("release_new", args=[client.pk]) + f"?authorization={row.pk}",
        "disclosures": list(row.disclosures.order_by("-released_at")),
    }
    return render(request, "consent/consent.html", context, status=status)


@login_required
@require_POST
def consent_sign(request, client_id: int, authorization_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    row = _authorization(client, authorization_id)
    form = OfficeSignForm(request.POST)
    signed = done(
        form,
        lambda data: services.authorization_sign(
            authorization=row,
            by=request.user,
            typed_name=data["typed_name"],
            shown_sha256=data["shown"],
            via=Authorization.Via.OFFICE,
            representative_authority=data["representative_authority"],
            ip=client_ip(request),
        ),
    )
    if signed:
        messages.success(request, "Signed. Give the client their copy.")
        return redirect(_url(row))
    return _page(request, client, row, sign_form=form, status=form_status(form))


@login_required
@require_POST
def consent_revoke(request, client_id: int, authorization_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    row = _authorization(client, authorization_id)
    form = RevokeForm(request.POST)
    revoked = done(
        form,
        lambda data: services.authorization_revoke(
            authorization=row,
            by=request.user,
            via=Authorization.Via.OFFICE,
            note=data["note"],
            ip=client_ip(request),
        ),
    )
    if revoked:
        messages.success(request, "Revoked. Nothing more is released under it.")
        return redirect(_url(row))
    return _page(request, client, row, revoke_form=form, status=form_status(form))


@login_required
@require_POST
def consent_event(request, client_id: int, authorization_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    row = _authorization(client, authorization_id)
    try:
        services.authorization_event_happened(
            authorization=row, by=request.user, ip=client_ip(request)
        )
    except services.ConsentError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Recorded. The authorization allows nothing from now on.")
    return redirect(_url(row))


@login_required
def consent_pdf(request, client_id: int, authorization_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    row = _authorization(client, authorization_id)
    if not row.signed_pdf:
        raise Http404("This authorization is not signed, so it has no signed copy")
    services.document_given(row=row, by=request.user, what="signed copy", ip=client_ip(request))
    return pdf_response(row.signed_pdf, f"authorization-{row.pk}.pdf")


# --- Releases --------------------------------------------------------------------------------


def _request(data) -> ReleaseRequest:
    return ReleaseRequest(
        recipient=Party(
            data["recipient_name"], data["recipient_organisation"], data["recipient_contact"]
        ),
        categories=frozenset(Category(c) for c in data["categories"]),
        purpose=data["purpose"],
        information_from=data["information_from"],
        information_to=data["information_to"],
        at=timezone.now(),
    )


@login_required
def release_new(request, client_id: int):
    """GET: the form, filled from the authorization named. POST: the decision and what the
    packet will hold, for the therapist to check; POST again with ``confirmed``: the release."""
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    if request.method != "POST":
        form = ReleaseForm()
        if "authorization" in request.GET:
            try:
                row = selectors.authorization_of(client, int(request.GET["authorization"]))
            except ValueError:
                row = None
            if row is not None:
                form = ReleaseForm.for_authorization(
                    row,
                    since=selectors.record_start(client),
                    today=timezone.localdate(),
                )
        return _release_page(request, client, form)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        return _release_page(request, client, form, status=422)
    asked = _request(form.cleaned_data)
    if not form.cleaned_data["confirmed"]:
        decision = selectors.release_decision(client, asked)
        confirm = ReleaseForm(initial={**form.cleaned_data, "confirmed": True})
        return _release_page(
            request,
            client,
            form,
            decision=decision,
            confirm=confirm if decision.permitted else None,
        )
    try:
        disclosure = services.release_make(
            client=client, by=request.user, request=asked, ip=client_ip(request)
        )
    except services.ReleaseRefused as refused:
        return _release_page(request, client, form, refused=refused.reasons, status=422)
    messages.success(
        request, "Released. The packet is below, and in the accounting of disclosures."
    )
    return redirect("disclosure", client.pk, disclosure.pk)


def _release_page(request, client, form, *, decision=None, confirm=None, refused=(), status=200):
    context = {
        "client": client,
        "form": form,
        "decision": decision,
        "confirm": confirm,
        "refused": refused,
    }
    return render(request, "consent/release.html", context, status=status)


@login_required
def disclosure(request, client_id: int, disclosure_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    row = selectors.disclosure_of(client, disclosure_id)
    if row is None:
        raise Http404("No such disclosure of this client")
    context = {"client": client, "disclosure": row, "may_change": shows_controls(request, client)}
    return render(request, "consent/disclosure.html", context)


@login_required
def disclosure_packet(request, client_id: int, disclosure_id: int, kind: str):
    """The packet exactly as it was released, to send: the PDF or the FHIR Bundle."""
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    row = selectors.disclosure_of(client, disclosure_id)
    if row is None or kind not in ("pdf", "json"):
        raise Http404("No such packet")
    services.document_given(
        row=row, by=request.user, what=f"release packet ({kind})", ip=client_ip(request)
    )
    if kind == "pdf":
        return pdf_response(row.packet_pdf, f"release-{row.pk}.pdf")
    response = HttpResponse(row.packet_bundle, content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="release-{row.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


# --- The accounting of disclosures -----------------------------------------------------------


@login_required
def disclosures(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    context = {"client": client, "disclosures": list(selectors.disclosures_of(client))}
    if request.GET.get("format") == "pdf":
        context["printed_at"] = timezone.localtime()
        data = render_pdf("consent/accounting_pdf.html", context)
        return pdf_response(data, f"accounting-of-disclosures-{client.pk}.pdf")
    return render(request, "consent/disclosures.html", context)
