"""The therapist's measures pages: a client's scores, trajectories, alliance gap, outcome,
alerts and fit reviews, and the forms that write them. Access goes through the one door
(``client_for``); an alert of another client is not found, whatever the id says."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kithkin.accounts.access import client_for, shows_controls
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.core.instruments import InstrumentError
from kithkin.measures import selectors, services
from kithkin.measures.forms import (
    AcknowledgeForm,
    FitReviewForm,
    KioskForm,
    LinkForm,
    OfficeForm,
)
from kithkin.measures.instruments import instruments_for
from kithkin.measures.models import Alert, Response
from kithkin.measures.services import KIOSK_SESSION_KEY, MeasuresError, token_hash
from kithkin.web.forms import form_status


def _refuse(form, refused: ValueError) -> None:
    field = getattr(refused, "field", None)
    if isinstance(refused, InstrumentError) and refused.item is not None:
        field = f"item_{refused.item}"
    form.add_error(field if field in form.fields else None, str(refused))


def _instrument(client, code: str):
    instrument = instruments_for(client.practice).get(code)
    if instrument is None:
        raise Http404("No such questionnaire")
    return instrument


@login_required
def measures(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    return _page(request, client)


def _page(
    request,
    client,
    *,
    ack_forms=None,
    fit_form=None,
    link_form=None,
    kiosk_form=None,
    created_link=None,
    status=200,
):
    page = selectors.measures_page(client)
    may_change = shows_controls(request, client, Action.CHANGE_CLIENT)
    may_acknowledge = shows_controls(request, client, Action.ACKNOWLEDGE_ALERT)
    ack_forms = ack_forms or {}
    alerts = [
        {"alert": alert, "form": ack_forms.get(alert.pk) or AcknowledgeForm(prefix=f"a{alert.pk}")}
        for alert in page.open_alerts
    ]
    context = {
        "client": client,
        "page": page,
        "alliance": page.instruments[selectors.ALLIANCE],
        "alerts": alerts,
        "may_change": may_change,
        "may_acknowledge": may_acknowledge,
        "fit_form": (fit_form or FitReviewForm()) if may_change else None,
        "link_form": (link_form or LinkForm(instruments=page.instruments)) if may_change else None,
        "kiosk_form": (kiosk_form or KioskForm(instruments=page.instruments))
        if may_change
        else None,
        "created_link": created_link,
        "kiosk_minutes": services.KIOSK_MINUTES,
    }
    return render(request, "measures/measures.html", context, status=status)


@login_required
def measures_enter(request, client_id: int, code: str):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    instrument = _instrument(client, code)
    sessions = selectors.attended_sessions(client)
    if request.method != "POST":
        form = OfficeForm(instrument=instrument, sessions=sessions)
        return _enter_page(request, client, form)
    form = OfficeForm(request.POST, instrument=instrument, sessions=sessions)
    if form.is_valid():
        respondent = form.cleaned_data.get("respondent") or Response.Respondent.CLIENT
        via = (
            Response.Via.THERAPIST
            if respondent == Response.Respondent.THERAPIST
            else Response.Via.OFFICE
        )
        session = next((s for s in sessions if s.pk == form.cleaned_data["session"]), None)
        try:
            response = services.response_submit(
                client=client,
                instrument_code=instrument.code,
                answers=form.cleaned_data["answers"],
                by=request.user,
                via=via,
                session=session,
                idempotency_key=form.cleaned_data["key"],
                free_text=form.cleaned_data.get("free_text"),
                respondent=respondent,
                ip=client_ip(request),
                instrument=instrument,
            )
        except (InstrumentError, MeasuresError) as refused:
            _refuse(form, refused)
        else:
            _announce(request, instrument, response)
            return redirect(reverse("measures", args=[client.pk]))
    return _enter_page(request, client, form, status=form_status(form))


def _announce(request, instrument, response) -> None:
    messages.success(request, f"The {instrument.short_title} is saved.")
    for alert in response.new_alerts:
        messages.warning(request, f"Alert raised: {alert.label}.")


def _enter_page(request, client, form, status=200):
    context = {"client": client, "form": form, "instrument": form.instrument}
    return render(request, "measures/enter.html", context, status=status)


@login_required
@require_POST
def measures_alert_acknowledge(request, client_id: int, alert_id: int):
    client = client_for(request, client_id, Action.ACKNOWLEDGE_ALERT)
    alert = Alert.objects.filter(client=client, pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert for this client")
    form = AcknowledgeForm(request.POST, prefix=f"a{alert.pk}")
    if form.is_valid():
        try:
            services.alert_acknowledge(
                alert=alert, by=request.user, note=form.cleaned_data["note"], ip=client_ip(request)
            )
        except MeasuresError as refused:
            _refuse(form, refused)
        else:
            messages.success(request, "The alert is acknowledged.")
            return redirect(reverse("measures", args=[client.pk]))
    return _page(request, client, ack_forms={alert.pk: form}, status=form_status(form))


@login_required
@require_POST
def measures_fit_review(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    form = FitReviewForm(request.POST)
    if form.is_valid():
        opened_from = None
        if form.cleaned_data["opened_from"] is not None:
            opened_from = Alert.objects.filter(
                client=client, pk=form.cleaned_data["opened_from"]
            ).first()
            if opened_from is None:
                form.add_error(None, "That alert is not one of this client's.")
        if not form.errors:
            try:
                services.fit_review_create(
                    client=client,
                    by=request.user,
                    feedback=form.cleaned_data["feedback"],
                    tried=form.cleaned_data["tried"],
                    decision=form.cleaned_data["decision"],
                    opened_from=opened_from,
                    idempotency_key=form.cleaned_data["key"],
                    ip=client_ip(request),
                )
            except MeasuresError as refused:
                _refuse(form, refused)
            else:
                messages.success(request, "The fit review is saved.")
                return redirect(reverse("measures", args=[client.pk]))
    return _page(request, client, fit_form=form, status=form_status(form))


@login_required
@require_POST
def measures_link_create(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    form = LinkForm(request.POST, instruments=instruments_for(client.practice))
    if form.is_valid():
        try:
            link, token = services.link_create(
                client=client,
                instrument_code=form.cleaned_data["instrument"],
                by=request.user,
                days=form.cleaned_data["days"],
                ip=client_ip(request),
            )
        except (InstrumentError, MeasuresError) as refused:
            _refuse(form, refused)
        else:
            # Shown in this answer only: the token is not stored, so it cannot be shown again.
            created = {
                "url": request.build_absolute_uri(reverse("measures_link", args=[token])),
                "link": link,
                "instrument": instruments_for(client.practice)[link.instrument],
            }
            return _page(request, client, created_link=created)
    return _page(request, client, link_form=form, status=form_status(form))


@login_required
@require_POST
def measures_kiosk_start(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    form = KioskForm(request.POST, instruments=instruments_for(client.practice))
    if form.is_valid():
        try:
            _, token = services.kiosk_start(
                client=client,
                instrument_code=form.cleaned_data["instrument"],
                by=request.user,
                ip=client_ip(request),
            )
        except (InstrumentError, MeasuresError) as refused:
            _refuse(form, refused)
        else:
            # The tablet goes to the client holding no staff session: this browser is signed
            # out (the therapist's other sessions stay), and its new session opens this kiosk
            # and nothing else. Back, or any other address, leads to the sign-in page.
            request.session.flush()
            request.session[KIOSK_SESSION_KEY] = token_hash(token)
            return redirect(reverse("measures_kiosk", args=[token]))
    return _page(request, client, kiosk_form=form, status=form_status(form))
