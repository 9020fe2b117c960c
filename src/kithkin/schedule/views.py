"""Sessions of a client (the list, scheduling, a session and its outcome) and a therapist's
week calendar. Plain GET forms and POST-redirect; no script needed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from kithkin.accounts.access import (
    actor_for,
    client_for,
    require_in_practice,
    shows_controls,
)
from kithkin.accounts.models import User
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.core.schedule import Week
from kithkin.schedule import selectors, services
from kithkin.schedule.forms import OutcomeForm, SessionForm
from kithkin.web.forms import form_status, show_refusal


def _session(client, session_id: int):
    session = selectors.session_of(client=client, session_id=session_id)
    if session is None:
        # A session of another client is not found, whatever the id says.
        raise Http404("No such session for this client")
    return session


def _own(request, session) -> None:
    if session.therapist_id != request.user.pk:
        raise PermissionDenied("Only the session's own therapist changes it")


@login_required
def client_sessions(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    context = {
        "client": client,
        "sessions": selectors.client_sessions(client=client),
        "may_schedule": shows_controls(request, client),
    }
    return render(request, "schedule/session_list.html", context)


@login_required
def session_new(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    people = selectors.people_for_sessions(client=client)
    form = SessionForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session, created = services.session_schedule(
                client=client,
                by=request.user,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                modality=data["modality"],
                kind=data["kind"],
                attendee_ids=data["attendees"],
                idempotency_key=data["idempotency_key"],
                ip=client_ip(request),
            )
        except services.SessionError as refused:
            show_refusal(form, refused)
        else:
            if created:
                messages.success(request, "The session is scheduled.")
            else:
                messages.info(request, "This form was already sent: here is the session it made.")
            return redirect("session_detail", client_id=client.pk, session_id=session.pk)
    context = {"client": client, "form": form, "session": None}
    return render(request, "schedule/session_form.html", context, status=form_status(form))


@login_required
def session_edit(request, client_id: int, session_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    session = _session(client, session_id)
    _own(request, session)
    people = selectors.people_for_sessions(client=client)
    initial = {
        "starts_at": timezone.localtime(session.starts_at),
        "duration_minutes": session.duration_minutes,
        "modality": session.modality,
        "kind": session.kind,
        "attendees": [a.person_id for a in session.people],
    }
    form = SessionForm(request.POST or None, people=people, new=False, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.session_update(
                session=session,
                by=request.user,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                modality=data["modality"],
                kind=data["kind"],
                attendee_ids=data["attendees"],
                ip=client_ip(request),
            )
        except services.SessionError as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, "The session was saved.")
            return redirect("session_detail", client_id=client.pk, session_id=session.pk)
    context = {"client": client, "form": form, "session": session}
    return render(request, "schedule/session_form.html", context, status=form_status(form))


@login_required
def session_detail(request, client_id: int, session_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    return _detail(request, client, _session(client, session_id))


@login_required
@require_POST
def session_outcome(request, client_id: int, session_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    session = _session(client, session_id)
    _own(request, session)
    form = OutcomeForm(request.POST, session=session)
    if form.is_valid():
        data = form.cleaned_data
        try:
            recorded = services.session_set_status(
                session=session,
                by=request.user,
                status=data["status"],
                attended_ids=data.get("attended", []),
                notice_at=data["notice_at"],
                expected_status=data["expected_status"],
                ip=client_ip(request),
            )
        except services.SessionError as refused:
            show_refusal(form, refused)
        else:
            messages.success(
                request, f"The session is recorded as {recorded.get_status_display().lower()}."
            )
            for alert in recorded.new_alerts:
                messages.warning(request, f"Alert raised: {alert.label}.")
            return redirect("session_detail", client_id=client.pk, session_id=session.pk)
    return _detail(request, client, session, outcome_form=form, status=form_status(form))


def _detail(request, client, session, *, outcome_form=None, status=200):
    own = session.therapist_id == request.user.pk and shows_controls(request, client)
    context = {
        "client": client,
        "session": session,
        "may_change": own,
        "outcome_form": (outcome_form or OutcomeForm(session=session)) if own else None,
    }
    return render(request, "schedule/session_detail.html", context, status=status)


@require_in_practice(Action.VIEW_CASELOAD)
@require_GET
def calendar(request):
    """The week of one clinician: their own, or a supervisee's for their supervisor (read-only,
    as the supervisee's clients are). Anyone else's is not found."""
    actor = actor_for(request.user)
    therapist = request.user
    asked = request.GET.get("therapist", "")
    if asked and asked != str(request.user.pk):
        if not asked.isdigit() or int(asked) not in actor.supervisee_ids:
            raise Http404("No such calendar")
        therapist = User.objects.filter(pk=int(asked), practice_id=actor.practice_id).first()
        if therapist is None:
            raise Http404("No such calendar")
    try:
        week = Week.parse(request.GET["week"]) if request.GET.get("week") else None
    except ValueError:
        raise Http404("No such week") from None
    this_week = Week.of(timezone.localdate())
    week = week or this_week
    keep = {"therapist": therapist.pk} if therapist != request.user else {}

    def link(to: Week) -> str:
        return reverse("calendar") + "?" + urlencode({"week": str(to), **keep})

    supervisees = []
    if actor.supervisee_ids:
        supervisees = list(
            User.objects.filter(pk__in=actor.supervisee_ids)
            .only("username", "first_name", "last_name")
            .order_by("last_name", "first_name", "pk")
        )
    context = {
        "therapist": therapist,
        "own": therapist == request.user,
        "week": week,
        "days": selectors.week_of(
            practice_id=actor.practice_id, therapist_id=therapist.pk, week=week
        ),
        "previous_url": link(week.previous),
        "next_url": link(week.next),
        "this_week_url": None if week == this_week else link(this_week),
        "supervisees": supervisees,
    }
    return render(request, "schedule/calendar.html", context)
