"""Writes for inquiries: receiving one from the public form, recording the first response,
closing, the periodic scan that raises the one-working-day alert, and the practice's working
hours.

Each writes its audit event in the same transaction. No event carries what the person wrote:
the audit trail is read more widely than the inquiry itself (the admin reads it), so events name
the inquiry by its number alone.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields

from django.db import IntegrityError, transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.core import hours as core_hours
from kithkin.inquiries import selectors
from kithkin.inquiries.models import CLOSE_REASONS, RESPONSE_HOW, Inquiry, WorkingHours
from kithkin.practices.models import Practice


class InquiryError(ValueError):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class InquiryInput:
    """What the public form collected, already validated by the view's form."""

    name: str
    concerns: str
    email: str = ""
    phone: str = ""
    modalities: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    therapist_gender: str = ""
    therapist_background: str = ""
    faith: str = ""
    availability: list[str] = field(default_factory=list)
    setting: str = ""


INPUT_FIELDS = tuple(f.name for f in fields(InquiryInput))


@transaction.atomic
def inquiry_receive(
    *,
    practice: Practice,
    data: InquiryInput | Mapping,
    ip: str | None,
    form_digest: str | None = None,
) -> Inquiry:
    """Puts the inquiry in the practice's queue. ``form_digest`` (from the public form's token,
    :func:`kithkin.inquiries.forms.token_digest`) makes one showing of the form single-use: the
    same form sent again, even at the same moment, returns the inquiry already received from
    it and writes nothing."""
    if isinstance(data, Mapping):
        data = InquiryInput(**{name: data[name] for name in INPUT_FIELDS if name in data})
    if not (data.email or data.phone):
        raise InquiryError("Give an email address or a phone number, so we can reply.")
    if form_digest:
        earlier = selectors.received_from_form(practice=practice, digest=form_digest)
        if earlier is not None:
            return earlier
    try:
        # A savepoint: if the same form's other submission commits between the check above and
        # this insert, the unique constraint refuses this one and the transaction carries on.
        with transaction.atomic():
            inquiry = Inquiry.objects.create(
                practice=practice,
                form_digest=form_digest or "",
                **{name: getattr(data, name) for name in INPUT_FIELDS},
            )
    except IntegrityError:
        if not form_digest:
            raise
        earlier = selectors.received_from_form(practice=practice, digest=form_digest)
        if earlier is None:
            raise
        return earlier
    audit_record(
        practice_id=practice.pk,
        actor=None,
        action="inquiry.receive",
        resource_type="Inquiry",
        resource_id=inquiry.pk,
        reason="received through the public inquiry form",
        ip=ip,
    )
    return inquiry


@transaction.atomic
def inquiry_respond(
    *,
    inquiry: Inquiry,
    by,
    note: str,
    ip: str | None,
    how: str = "other",
    at: datetime.datetime | None = None,
) -> Inquiry:
    """Records the first response. The time to first response is fixed here in working time, so
    the practice's figures do not move if it changes its hours later."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.first_response_at is not None:
        raise InquiryError("The first response to this inquiry is already recorded.")
    if inquiry.status == Inquiry.Status.CLOSED:
        raise InquiryError("This inquiry is closed.")
    if how not in dict(RESPONSE_HOW):
        raise InquiryError("Say how the response went out.", field="how")
    at = at or timezone.now()
    if at < inquiry.received_at:
        raise InquiryError("The response cannot come before the inquiry.", field="at")
    hours = selectors.hours_for(inquiry.practice)
    inquiry.first_response_at = at
    inquiry.responded_by = by
    inquiry.response_how = how
    inquiry.response_note = note
    inquiry.response_working_seconds = core_hours.working_seconds(
        inquiry.received_at, at, hours=hours
    )
    if inquiry.status == Inquiry.Status.NEW:
        inquiry.status = Inquiry.Status.RESPONDED
    inquiry.save()
    audit_record(
        practice_id=inquiry.practice_id,
        actor=by,
        action="inquiry.respond",
        resource_type="Inquiry",
        resource_id=inquiry.pk,
        reason=f"first response {dict(RESPONSE_HOW)[how]} after "
        f"{core_hours.phrase(inquiry.response_working_seconds, hours=hours)} of working time",
        ip=ip,
    )
    return inquiry


@transaction.atomic
def inquiry_close(*, inquiry: Inquiry, by, reason: str, ip: str | None) -> Inquiry:
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.status == Inquiry.Status.CLOSED:
        raise InquiryError("This inquiry is already closed.")
    if reason not in dict(CLOSE_REASONS):
        raise InquiryError("Say why the inquiry is closed.", field="reason")
    inquiry.status = Inquiry.Status.CLOSED
    inquiry.close_reason = reason
    inquiry.closed_at = timezone.now()
    inquiry.closed_by = by
    inquiry.save()
    audit_record(
        practice_id=inquiry.practice_id,
        actor=by,
        action="inquiry.close",
        resource_type="Inquiry",
        resource_id=inquiry.pk,
        reason=f"closed: {dict(CLOSE_REASONS)[reason]}",
        ip=ip,
    )
    return inquiry


def inquiries_mark_overdue(*, now: datetime.datetime | None = None) -> int:
    """Raises the alert on every inquiry that has waited more than one working day for a first
    response: marks it (``overdue_at``, the moment the working day ran out) and writes an
    event. Each inquiry is marked in its own transaction, so one practice's failure does not
    hold back another's alert. Returns how many were marked."""
    now = now or timezone.now()
    marked = 0
    hours_by_practice: dict[int, core_hours.Hours] = {}
    for inquiry in selectors.still_unanswered():
        hours = hours_by_practice.get(inquiry.practice_id)
        if hours is None:
            hours = hours_by_practice[inquiry.practice_id] = selectors.hours_for(inquiry.practice)
        if core_hours.waited_beyond(inquiry.received_at, now, hours=hours):
            marked += _mark_overdue(
                inquiry=inquiry, at=core_hours.deadline(inquiry.received_at, hours=hours)
            )
    return marked


@transaction.atomic
def _mark_overdue(*, inquiry: Inquiry, at: datetime.datetime) -> int:
    # Only a still-unanswered, unmarked row is marked: a response recorded since the scan read
    # the queue wins.
    updated = Inquiry.objects.filter(
        pk=inquiry.pk, status=Inquiry.Status.NEW, overdue_at__isnull=True
    ).update(overdue_at=at)
    if updated:
        audit_record(
            practice_id=inquiry.practice_id,
            actor=None,
            action="inquiry.overdue",
            resource_type="Inquiry",
            resource_id=inquiry.pk,
            reason="waited more than one working day for a first response",
        )
    return updated


@transaction.atomic
def working_hours_set(
    *,
    practice: Practice,
    by,
    weekdays: Iterable[int],
    opens: datetime.time,
    closes: datetime.time,
    time_zone: str,
    ip: str | None = None,
) -> core_hours.Hours:
    """Sets when the practice answers inquiries, and its time zone. Inquiries already answered
    keep the working time they waited (``response_working_seconds`` is fixed when the response
    is recorded); those still waiting are counted with the new hours from now on. Setting the
    hours they already are writes nothing."""
    try:
        hours = core_hours.Hours(
            time_zone=time_zone, weekdays=frozenset(weekdays), opens=opens, closes=closes
        )
    except core_hours.HoursError as refused:
        raise InquiryError(str(refused)) from refused
    # The practice row is the lock: two admins saving at once take turns, and the first save
    # creates the one WorkingHours row.
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    before = selectors.hours_for(practice)
    if hours == before:
        return hours
    WorkingHours.objects.update_or_create(
        practice=practice,
        defaults={"weekdays": sorted(hours.weekdays), "opens": opens, "closes": closes},
    )
    if practice.time_zone != time_zone:
        practice.time_zone = time_zone
        practice.save(update_fields=["time_zone"])
    audit_record(
        practice_id=practice.pk,
        actor=by,
        action="working_hours.set",
        resource_type="Practice",
        resource_id=practice.pk,
        reason=f"working hours {core_hours.summary(hours)} ({hours.time_zone}); were "
        f"{core_hours.summary(before)} ({before.time_zone})",
        ip=ip,
    )
    return hours
