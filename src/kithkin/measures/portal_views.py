"""Where clients answer: their portal (signed in; the record comes from the account, never
from the URL) and a one-time link (no account; the token is the only key, and it opens one
questionnaire of one client once).

Every failure of a link (unknown, used, expired, or opened while signed in as someone else)
answers the same neutral page with the same status, so a forwarded link says nothing: not the
client's name, not whether the link ever worked.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from kithkin.accounts.access import portal_client
from kithkin.audit.request import client_ip
from kithkin.audit.services import audit_record
from kithkin.core.access import Action
from kithkin.core.instruments import InstrumentError, ItemState
from kithkin.measures import selectors, services
from kithkin.measures.forms import QuestionnaireForm
from kithkin.measures.instruments import instruments_for
from kithkin.measures.models import OneTimeLink, Response
from kithkin.measures.services import KIOSK_SESSION_KEY, LinkUnusable, MeasuresError, token_hash
from kithkin.web.forms import form_status

THANKS = "Thank you. Your therapist will read your answers."
HAND_BACK = "Thank you. Please hand the tablet back to your therapist."


@login_required
def portal_measures(request):
    client = portal_client(request, Action.VIEW_PORTAL)
    context = {"client": client, "rows": selectors.portal_list(client)}
    return render(request, "measures/portal_list.html", context)


@login_required
def portal_measure(request, code: str):
    client = portal_client(request, Action.PORTAL_RESPOND)
    instrument = instruments_for(client.practice).get(code)
    if instrument is None:
        raise Http404("No such questionnaire")
    if request.method != "POST":
        form = QuestionnaireForm(instrument=instrument)
        return _answer_page(request, form, "measures/portal_answer.html", client=client)
    form = QuestionnaireForm(request.POST, instrument=instrument)
    if form.is_valid():
        try:
            response = services.response_submit(
                client=client,
                instrument_code=instrument.code,
                answers=form.cleaned_data["answers"],
                by=request.user,
                via=Response.Via.PORTAL,
                idempotency_key=form.cleaned_data["key"],
                free_text=form.cleaned_data.get("free_text"),
                ip=client_ip(request),
                instrument=instrument,
            )
        except (InstrumentError, MeasuresError) as refused:
            _refuse(form, refused)
        else:
            messages.success(request, THANKS)
            if response.item9 == ItemState.ENDORSED:
                messages.info(request, SUPPORT)
            return redirect("portal_measures")
    return _answer_page(
        request, form, "measures/portal_answer.html", client=client, status=form_status(form)
    )


# Shown to a client who endorsed item 9: the alert reaches their therapist, but not at once.
SUPPORT = (
    "You said you have had thoughts of being better off dead or of hurting yourself. Your "
    "therapist will see this and talk with you about it. If you are in danger now, call your "
    "local emergency number."
)


def _refuse(form, refused) -> None:
    name = f"item_{getattr(refused, 'item', None)}"
    form.add_error(name if name in form.fields else None, str(refused))


def _answer_page(request, form, template, *, status=200, **context):
    context.update({"form": form, "instrument": form.instrument})
    return render(request, template, context, status=status)


def _neutral(request):
    return render(request, "measures/link_neutral.html", {"message": services.NEUTRAL}, status=404)


def measures_link(request, token: str):
    link = selectors.link_by_hash(token_hash(token), services.LINK_PURPOSES)
    if link is None or not _may_use(request, link):
        return _neutral(request)
    if not link.is_usable:
        # The same form sent twice (a double click) is thanked again; anything else is neutral.
        sent = request.method == "POST" and link.response is not None
        if sent and request.POST.get("key") == link.response.idempotency_key:
            return _done(request, link.response)
        return _neutral(request)
    instrument = instruments_for(link.client.practice).get(link.instrument)
    if instrument is None:
        # The practice retired the questionnaire after the link was made: it takes no answers.
        return _neutral(request)
    first_name = link.client.preferred_name or link.client.given_name
    if request.method != "POST":
        _audit_open(
            request,
            link,
            actor=request.user if request.user.is_authenticated else None,
            action="measures.link.open",
            reason=f"{link.instrument} opened",
        )
        form = QuestionnaireForm(instrument=instrument)
        return _answer_page(request, form, "measures/link.html", first_name=first_name)
    form = QuestionnaireForm(request.POST, instrument=instrument)
    if form.is_valid():
        try:
            response = services.link_redeem(
                token=token,
                answers=form.cleaned_data["answers"],
                idempotency_key=form.cleaned_data["key"],
                free_text=form.cleaned_data.get("free_text"),
                ip=client_ip(request),
            )
        except LinkUnusable:
            return _neutral(request)
        except (InstrumentError, MeasuresError) as refused:
            _refuse(form, refused)
        else:
            return _done(request, response)
    return _answer_page(
        request, form, "measures/link.html", first_name=first_name, status=form_status(form)
    )


def _done(request, response):
    support = SUPPORT if response.item9 == ItemState.ENDORSED else ""
    return render(request, "measures/link_done.html", {"message": THANKS, "support": support})


def _may_use(request, link) -> bool:
    # A link is for its client. Someone signed in as anyone else (staff, or another client)
    # gets the neutral page: a therapist enters answers on the record, not through the link.
    user = request.user
    return not user.is_authenticated or user.pk == link.client.portal_user_id


# --- The office tablet ---------------------------------------------------------------------------
# Starting the kiosk signs the tablet's browser out and binds its session to that one kiosk, so
# these pages open only there; they use a template without the staff navigation, show the
# client's first name and one questionnaire only, and answer every spent, expired or foreign
# kiosk token with the same hand-back page.


def _audit_open(request, link, *, actor, action: str, reason: str) -> None:
    """Opening a link or a kiosk is a read of the client's questionnaire: it is in the record's
    access log like any other."""
    audit_record(
        practice_id=link.practice_id,
        actor=actor,
        action=action,
        resource_type="OneTimeLink",
        resource_id=link.pk,
        client_id=link.client_id,
        reason=reason,
        ip=client_ip(request),
    )


def _kiosk_over(request, response=None):
    support = SUPPORT if response is not None and response.item9 == ItemState.ENDORSED else ""
    context = {"message": HAND_BACK, "support": support}
    return render(request, "measures/kiosk_done.html", context, status=200 if response else 404)


def measures_kiosk(request, kiosk_token: str):
    link = selectors.link_by_hash(token_hash(kiosk_token), (OneTimeLink.Purpose.KIOSK,))
    # Only in the browser the kiosk was started in: a photographed or copied kiosk address
    # opens nothing anywhere else, a staff member's browser included.
    if link is None or request.session.get(KIOSK_SESSION_KEY) != link.token_hash:
        return _kiosk_over(request)
    if not link.is_usable:
        sent = request.method == "POST" and link.response is not None
        if sent and request.POST.get("key") == link.response.idempotency_key:
            return _kiosk_over(request, link.response)
        return _kiosk_over(request)
    instrument = instruments_for(link.client.practice).get(link.instrument)
    if instrument is None:
        # Retired after the kiosk was started: it takes no answers.
        return _kiosk_over(request)
    first_name = link.client.preferred_name or link.client.given_name
    if request.method != "POST":
        _audit_open(
            request,
            link,
            actor=link.created_by,
            action="measures.kiosk.open",
            reason=f"{link.instrument} opened on the office tablet",
        )
        form = QuestionnaireForm(instrument=instrument)
        return _answer_page(request, form, "measures/kiosk.html", first_name=first_name)
    form = QuestionnaireForm(request.POST, instrument=instrument)
    if form.is_valid():
        try:
            response = services.kiosk_submit(
                token=kiosk_token,
                by=link.created_by,
                answers=form.cleaned_data["answers"],
                idempotency_key=form.cleaned_data["key"],
                free_text=form.cleaned_data.get("free_text"),
                ip=client_ip(request),
            )
        except LinkUnusable:
            return _kiosk_over(request)
        except (InstrumentError, MeasuresError) as refused:
            _refuse(form, refused)
        else:
            return _kiosk_over(request, response)
    return _answer_page(
        request, form, "measures/kiosk.html", first_name=first_name, status=form_status(form)
    )
