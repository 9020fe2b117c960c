"""The practice's side: the queue of inquiries and one inquiry with its first response.

Who: the practice's staff work the queue (Action.VIEW_INQUIRIES): therapists, supervisors and
admins, since whoever answers the phone calls people back. What a person wrote they want to work
on is clinical content, so only clinicians read it (Action.VIEW_INQUIRY_CONCERNS); an admin sees
the name, the contact details and the preferences, which is what a call back needs. Clients never
reach the queue; another practice's inquiry is not found, whatever the id. Every opening of an
inquiry is audited, allowed or not.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kithkin.accounts.access import actor_for, audit_access, in_practice, require_in_practice
from kithkin.audit.request import client_ip
from kithkin.core import hours as core_hours
from kithkin.core.access import Action, PracticeScope, can
from kithkin.core.matching import FAITH, GENDERS, LANGUAGES, MODALITIES, SETTINGS, TIMES
from kithkin.inquiries import selectors, services
from kithkin.inquiries.forms import CloseForm, RespondForm
from kithkin.inquiries.models import CLOSE_REASONS, RESPONSE_HOW, Inquiry
from kithkin.practices.models import Practice
from kithkin.web.forms import form_status


@require_in_practice(Action.VIEW_INQUIRIES)
def inquiries(request):
    practice = Practice.objects.get(pk=request.user.practice_id)
    hours = selectors.hours_for(practice)
    now = timezone.now()
    figures = selectors.response_figures(practice=practice, hours=hours, now=now)
    context = {
        "practice": practice,
        "hours": hours,
        "hours_summary": core_hours.summary(hours),
        "may_change_hours": can(
            actor_for(request.user), Action.MANAGE_PRACTICE, PracticeScope(practice.pk)
        ).allowed,
        "queue": selectors.queue(practice=practice, hours=hours, now=now),
        "figures": figures,
        "median_phrase": _phrase(figures.median, hours),
        "p90_phrase": _phrase(figures.p90, hours),
        "figure_days": selectors.FIGURES_DAYS,
        "public_url": request.build_absolute_uri(
            reverse("inquiry_new", kwargs={"practice_slug": practice.slug})
        ),
    }
    return render(request, "inquiries/inquiries.html", context)


def _phrase(seconds, hours) -> str:
    return "" if seconds is None else core_hours.phrase(seconds, hours=hours)


def _inquiry_for(request, inquiry_id: int) -> tuple[Inquiry, bool]:
    """The inquiry, if the user works this practice's queue; and whether they may read its
    concerns. 403 for those who work no queue (clients), 404 for an inquiry of another
    practice or none; audited either way."""
    actor = in_practice(request, Action.VIEW_INQUIRIES, audited=False)
    inquiry = (
        Inquiry.objects.filter(pk=inquiry_id, practice_id=actor.practice_id)
        .select_related("practice", "responded_by", "closed_by")
        .first()
    )
    if inquiry is None:
        audit_access(
            request,
            actor,
            Action.VIEW_INQUIRIES,
            "Inquiry",
            inquiry_id,
            None,
            False,
            "no such inquiry",
        )
        raise Http404("No such inquiry")
    concerns = can(
        actor, Action.VIEW_INQUIRY_CONCERNS, PracticeScope(practice_id=actor.practice_id)
    )
    reason = "the practice's inquiry queue" + (
        "" if concerns else "; what they wrote is withheld (clinical content)"
    )
    audit_access(request, actor, Action.VIEW_INQUIRIES, "Inquiry", inquiry.pk, None, True, reason)
    return inquiry, concerns.allowed


def _labels(codes, vocabulary) -> list[str]:
    return [vocabulary.get(code, code) for code in codes]


def _page(request, inquiry, may_read_concerns, *, respond=None, close=None, status=200):
    hours = selectors.hours_for(inquiry.practice)
    row = selectors.queue_row(inquiry, hours=hours, now=timezone.now())
    context = {
        "inquiry": inquiry,
        "row": row,
        "may_read_concerns": may_read_concerns,
        "concerns": inquiry.concerns if may_read_concerns else None,
        "preferences": {
            "modalities": _labels(inquiry.modalities, MODALITIES),
            "languages": _labels(inquiry.languages, LANGUAGES),
            "therapist_gender": GENDERS.get(inquiry.therapist_gender, inquiry.therapist_gender),
            "faith": FAITH.get(inquiry.faith, inquiry.faith),
            "availability": _labels(inquiry.availability, TIMES),
            "setting": SETTINGS.get(inquiry.setting, inquiry.setting),
        },
        "response_how": dict(RESPONSE_HOW).get(inquiry.response_how, ""),
        "close_reason": dict(CLOSE_REASONS).get(inquiry.close_reason, ""),
        "respond_form": respond or RespondForm(),
        "close_form": close or CloseForm(),
        "may_respond": inquiry.first_response_at is None
        and inquiry.status != Inquiry.Status.CLOSED,
        "may_close": inquiry.status != Inquiry.Status.CLOSED,
    }
    return render(request, "inquiries/inquiry.html", context, status=status)


@login_required
def inquiry(request, inquiry_id: int):
    found, may_read_concerns = _inquiry_for(request, inquiry_id)
    return _page(request, found, may_read_concerns)


@login_required
@require_POST
def inquiry_respond(request, inquiry_id: int):
    found, may_read_concerns = _inquiry_for(request, inquiry_id)
    form = RespondForm(request.POST)
    if form.is_valid():
        try:
            services.inquiry_respond(
                inquiry=found,
                by=request.user,
                how=form.cleaned_data["how"],
                note=form.cleaned_data["note"],
                ip=client_ip(request),
            )
        except services.InquiryError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, str(refused))
        else:
            return redirect("inquiry", inquiry_id=found.pk)
    return _page(request, found, may_read_concerns, respond=form, status=form_status(form))


@login_required
@require_POST
def inquiry_close(request, inquiry_id: int):
    found, may_read_concerns = _inquiry_for(request, inquiry_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.inquiry_close(
                inquiry=found,
                by=request.user,
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )
        except services.InquiryError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, str(refused))
        else:
            return redirect("inquiries")
    return _page(request, found, may_read_concerns, close=form, status=form_status(form))
