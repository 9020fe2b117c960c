"""The client's own authorizations in the portal: reading the exact text and signing it,
revoking, their signed copy, and their accounting of disclosures (who received what, when and
why). The record comes from the signed-in account, never from the URL."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kithkin.accounts.access import portal_client
from kithkin.audit.request import client_ip
from kithkin.consent import selectors, services
from kithkin.consent.forms import PortalRevokeForm, SignForm
from kithkin.consent.models import Authorization
from kithkin.consent.views import done, pdf_response
from kithkin.core.access import Action
from kithkin.web.forms import form_status


def _own(client, authorization_id: int) -> Authorization:
    row = selectors.authorization_of(client, authorization_id)
    if row is None:
        raise Http404("No such authorization")
    return row


@login_required
def portal_consents(request):
    client = portal_client(request, Action.VIEW_PORTAL)
    now = timezone.now()
    rows = list(selectors.authorizations_of(client))
    for row in rows:
        row.state = selectors.state(row, now)
    context = {
        "client": client,
        "authorizations": rows,
        "disclosures": list(selectors.disclosures_of(client)),
    }
    return render(request, "consent/portal_consents.html", context)


@login_required
def portal_consent(request, authorization_id: int):
    client = portal_client(request, Action.VIEW_PORTAL)
    return _page(request, client, _own(client, authorization_id))


def _page(request, client, row, *, sign_form=None, revoke_form=None, status=200):
    row.state = selectors.state(row, timezone.now())
    if row.signed_at is None and row.revoked_at is None:
        sign_form = sign_form or SignForm(initial={"shown": row.text_sha256})
    if row.signed_at is not None and row.revoked_at is None:
        revoke_form = revoke_form or PortalRevokeForm()
    context = {
        "client": client,
        "authorization": row,
        "sign_form": sign_form if row.signed_at is None else None,
        "revoke_form": revoke_form if row.revoked_at is None and row.signed_at else None,
    }
    return render(request, "consent/portal_consent.html", context, status=status)


@login_required
@require_POST
def portal_consent_sign(request, authorization_id: int):
    client = portal_client(request, Action.PORTAL_CONSENT)
    row = _own(client, authorization_id)
    form = SignForm(request.POST)
    signed = done(
        form,
        lambda data: services.authorization_sign(
            authorization=row,
            by=request.user,
            typed_name=data["typed_name"],
            shown_sha256=data["shown"],
            via=Authorization.Via.PORTAL,
            ip=client_ip(request),
        ),
    )
    if signed:
        messages.success(request, "Signed. Your copy is below to keep.")
        return redirect("portal_consent", row.pk)
    return _page(request, client, row, sign_form=form, status=form_status(form))


@login_required
@require_POST
def portal_consent_revoke(request, authorization_id: int):
    client = portal_client(request, Action.PORTAL_CONSENT)
    row = _own(client, authorization_id)
    form = PortalRevokeForm(request.POST)
    revoked = done(
        form,
        lambda data: services.authorization_revoke(
            authorization=row, by=request.user, via=Authorization.Via.PORTAL, ip=client_ip(request)
        ),
    )
    if revoked:
        messages.success(request, "Revoked. Nothing more will be released under it.")
        return redirect("portal_consent", row.pk)
    return _page(request, client, row, revoke_form=form, status=form_status(form))


@login_required
def portal_consent_pdf(request, authorization_id: int):
    client = portal_client(request, Action.VIEW_PORTAL)
    row = _own(client, authorization_id)
    if not row.signed_pdf:
        raise Http404("This authorization is not signed yet")
    services.document_given(row=row, by=request.user, what="signed copy", ip=client_ip(request))
    return pdf_response(row.signed_pdf, f"authorization-{row.pk}.pdf")
