"""Reads for the inquiry queue: the practice's working hours, the queue with each inquiry's
waiting time, and the practice's time to first response."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from kithkin.core import hours as core_hours
from kithkin.core.hours import Hours, ResponseFigures
from kithkin.inquiries.models import Inquiry, WorkingHours
from kithkin.practices.models import Practice

FIGURES_DAYS = 90


def hours_for(practice: Practice) -> Hours:
    """The practice's working hours for the arithmetic; Monday to Friday, 9 to 5 until it sets
    its own."""
    setting = WorkingHours.objects.filter(practice=practice).first()
    if setting is None:
        return Hours(time_zone=practice.time_zone)
    return Hours(
        time_zone=practice.time_zone,
        weekdays=frozenset(setting.weekdays),
        opens=setting.opens,
        closes=setting.closes,
    )


def practice_by_slug(slug: str) -> Practice | None:
    return Practice.objects.filter(slug=slug).first()


def received_from_form(*, practice: Practice, digest: str) -> Inquiry | None:
    """The inquiry already received from one showing of the public form, if any."""
    if not digest:
        return None
    return Inquiry.objects.for_practice(practice).filter(form_digest=digest).first()


@dataclass(frozen=True)
class QueueRow:
    inquiry: Inquiry
    waited: int  # working seconds so far (or until the first response)
    waited_phrase: str
    answer_by: datetime.datetime | None  # while no first response is recorded
    overdue: bool


def queue(*, practice: Practice, hours: Hours, now: datetime.datetime | None = None) -> dict:
    """The open inquiries, oldest first: those waiting for a first response, and those answered
    but not yet matched or closed. One query whatever the length of the queue; the concerns are
    deferred, since the list never shows them."""
    now = now or timezone.now()
    rows = (
        Inquiry.objects.for_practice(practice)
        .filter(status__in=(Inquiry.Status.NEW, Inquiry.Status.RESPONDED))
        .defer("concerns", "response_note")
        .select_related("responded_by")
        .order_by("received_at", "pk")
    )
    waiting, answered = [], []
    for inquiry in rows:
        row = queue_row(inquiry, hours=hours, now=now)
        (waiting if inquiry.status == Inquiry.Status.NEW else answered).append(row)
    return {"waiting": waiting, "answered": answered}


def queue_row(inquiry: Inquiry, *, hours: Hours, now: datetime.datetime) -> QueueRow:
    if inquiry.first_response_at is not None:
        waited = inquiry.response_working_seconds
        if waited is None:
            waited = core_hours.working_seconds(
                inquiry.received_at, inquiry.first_response_at, hours=hours
            )
        return QueueRow(
            inquiry=inquiry,
            waited=waited,
            waited_phrase=core_hours.phrase(waited, hours=hours),
            answer_by=None,
            overdue=False,
        )
    waited = core_hours.working_seconds(inquiry.received_at, now, hours=hours)
    return QueueRow(
        inquiry=inquiry,
        waited=waited,
        waited_phrase=core_hours.phrase(waited, hours=hours),
        answer_by=core_hours.deadline(inquiry.received_at, hours=hours),
        overdue=core_hours.waited_beyond(inquiry.received_at, now, hours=hours),
    )


def response_figures(
    *, practice: Practice, hours: Hours, now: datetime.datetime | None = None
) -> ResponseFigures:
    """Median and 90th percentile time to first response, in working time, over the inquiries
    received in the last 90 days that have been answered. One query."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=FIGURES_DAYS)
    answered = (
        Inquiry.objects.for_practice(practice)
        .filter(received_at__gte=since, first_response_at__isnull=False)
        .values_list("received_at", "first_response_at", "response_working_seconds")
    )
    seconds = [
        stored
        if stored is not None
        else core_hours.working_seconds(received, responded, hours=hours)
        for received, responded, stored in answered
    ]
    return core_hours.response_figures(seconds)


def overdue_count(*, practice_id: int) -> int:
    """Inquiries the periodic scan marked overdue that still wait for a first response."""
    return Inquiry.objects.filter(
        practice_id=practice_id, status=Inquiry.Status.NEW, overdue_at__isnull=False
    ).count()


def still_unanswered() -> list[Inquiry]:
    """Every practice's inquiries without a first response that the scan has not yet marked."""
    return list(
        Inquiry.objects.filter(status=Inquiry.Status.NEW, overdue_at__isnull=True)
        .defer("concerns", "response_note")
        .select_related("practice")
        .order_by("practice_id", "received_at")
    )
