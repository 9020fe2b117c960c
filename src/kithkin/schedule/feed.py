"""The clinician's iCalendar feed (RFC 5545): their sessions and their clients' check-ins, for a
phone or desktop calendar to subscribe to at a secret URL. See docs/calendar-feed.md.

A calendar app keeps what it fetches on a phone, syncs it to other services and shows it on a
lock screen, outside the practice's safeguards. So the feed carries no client name, only a code
the therapist matches on the feed page; no notes, no partners, no places. The same reads serve
one session or a full caseload in the same number of queries.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from kithkin.clients.models import restricted
from kithkin.core.access import CLINICIANS, Actor
from kithkin.core.plans import CadenceUnit, next_check_in
from kithkin.plans.models import CheckIn
from kithkin.plans.selectors import plans_in_use
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule.models import CalendarFeed, Session
from kithkin.web.limits import SharedRateThrottle

# A month back keeps last week's sessions in view for writing up; half a year ahead covers any
# booking a practice makes. Both bound the feed, as do the caps: a full-time caseload books
# about 30 sessions a week, some 900 in the window.
DAYS_BACK = 30
DAYS_AHEAD = 180
MAX_SESSIONS = 2000
MAX_CHECK_INS = 500
# Calendar apps poll every 5 to 60 minutes; a therapist's phone, laptop and desktop together
# stay far below this. More is a leaked URL being scraped, or a broken client.
DEFAULT_RATE = "120/h"
# Marks the audit event, as "[via api]" marks the REST API's.
CHANNEL = "calendar feed"

SECRET_BYTES = 32
PRODID = "-//Kithkin//Calendar feed//EN"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def client_code(client_id: int) -> str:
    """The client as the feed names them. Initials can identify someone in a small town or a
    small practice; the record's number identifies nobody without a login to the practice."""
    return f"K-{client_id:04d}"


def feed_for_secret(secret: str) -> CalendarFeed | None:
    """The live feed the secret opens, with its user; None for an unknown or revoked secret, a
    deactivated user, one who left the practice or is no longer a clinician. One query."""
    if not secret or len(secret) > 200:
        return None
    feed = (
        CalendarFeed.objects.select_related("user").filter(secret_hash=secret_hash(secret)).first()
    )
    if feed is None or feed.revoked_at is not None:
        return None
    user = feed.user
    if not user.is_active or user.practice_id != feed.practice_id or user.role not in CLINICIANS:
        return None
    return feed


class FeedThrottle(SharedRateThrottle):
    """Fetches per feed, counted together by every worker process (kithkin.web.limits)."""

    scope = "calendar_feed"

    def __init__(self):
        super().__init__(self._rate())

    @staticmethod
    def _rate() -> str:
        return getattr(settings, "KITHKIN_CALENDAR_FEED_RATE", DEFAULT_RATE)

    def allow_request(self, request) -> bool:
        # Read per request, so a changed setting (or a test's) applies without a restart.
        self.num_requests, self.duration = self.parse_rate(self._rate())
        return super().allow_request(request)

    def get_cache_key(self, request):
        # Part of the hash, never the secret, so the cache holds nothing that opens the feed.
        feed = request.calendar_feed
        return self.cache_format % {"scope": self.scope, "ident": feed.secret_hash[:32]}


@dataclass(frozen=True)
class Entry:
    """One event of the feed, as plain data: what goes into the calendar and nothing more."""

    kind: str  # "session" or "check-in"
    uid: str
    summary: str
    start: datetime.datetime | datetime.date
    end: datetime.datetime | datetime.date
    cancelled: bool = False
    busy: bool = True
    description: str = ""
    path: str = ""


_SESSION_FIELDS = ("client_id", "starts_at", "duration_minutes", "status", "modality", "kind")
_CANCELLED = {Session.Status.CANCELLED, Session.Status.LATE_CANCELLED}
_STATUS_NOTE = {
    Session.Status.ATTENDED: "",
    Session.Status.SCHEDULED: "",
    Session.Status.CANCELLED: " (cancelled)",
    Session.Status.LATE_CANCELLED: " (late-cancelled)",
    Session.Status.NO_SHOW: " (no-show)",
}


def feed_entries(*, actor: Actor, now: datetime.datetime | None = None) -> list[Entry]:
    """The clinician's sessions and check-ins in the window: four queries, whatever the number.

    A supervisor's feed is their own diary, as for any clinician: their supervisees' sessions
    stay on the calendar page, which shows them read-only."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_day = today - datetime.timedelta(days=DAYS_BACK)
    last_day = today + datetime.timedelta(days=DAYS_AHEAD)
    return [
        *_sessions(actor, now),
        *_check_ins_held(actor, first_day, last_day),
        *_check_ins_due(actor, today, first_day, last_day),
    ]


def _sessions(actor: Actor, now: datetime.datetime) -> list[Entry]:
    sessions = (
        Session.objects.for_practice(actor.practice_id)
        .filter(
            therapist_id=actor.user_id,
            starts_at__gte=now - datetime.timedelta(days=DAYS_BACK),
            starts_at__lt=now + datetime.timedelta(days=DAYS_AHEAD),
        )
        .only(*_SESSION_FIELDS)
        .order_by("starts_at", "pk")[:MAX_SESSIONS]
    )
    entries = []
    for s in sessions:
        code = client_code(s.client_id)
        entries.append(
            Entry(
                kind="session",
                uid=f"session-{s.pk}@kithkin",
                summary=f"Session · client {code}{_STATUS_NOTE.get(s.status, '')}",
                start=s.starts_at,
                end=s.starts_at + datetime.timedelta(minutes=s.duration_minutes),
                cancelled=s.status in _CANCELLED,
                busy=s.status not in _CANCELLED,
                # Kind and modality tell the therapist how to get ready, and name nobody.
                description=(
                    f"{s.get_kind_display()} session, {s.get_modality_display().lower()}, "
                    f"{s.duration_minutes} minutes."
                ),
                path=reverse("session_detail", args=[s.client_id, s.pk]),
            )
        )
    return entries


def _check_ins_held(actor: Actor, first: datetime.date, last: datetime.date) -> list[Entry]:
    rows = (
        CheckIn.objects.for_practice(actor.practice_id)
        .filter(by_id=actor.user_id, held_on__gte=first, held_on__lte=last)
        .order_by("held_on", "pk")
        .values_list("pk", "plan__client_id", "held_on")[:MAX_CHECK_INS]
    )
    return [
        Entry(
            kind="check-in",
            uid=f"check-in-{pk}@kithkin",
            summary=f"Check-in held · client {client_code(client_id)}",
            start=held_on,
            end=held_on + datetime.timedelta(days=1),
            busy=False,
            path=reverse("plan", args=[client_id]),
        )
        for pk, client_id, held_on in rows
    ]


def _check_ins_due(
    actor: Actor, today: datetime.date, first: datetime.date, last: datetime.date
) -> list[Entry]:
    """The next check-in of each plan in use on the clinician's own caseload. A cadence in
    sessions falls due at a session, not on a day, so only a cadence in weeks has a date here."""
    # A restricted record (GDPR Art. 18) is on no caseload: no check-in of its falls due.
    client_ids = list(
        TherapyRelationship.objects.filter(
            practice_id=actor.practice_id, therapist_id=actor.user_id, ended_on__isnull=True
        )
        .filter(~restricted("client_id"))
        .values_list("client_id", flat=True)
    )
    entries = []
    for plan in plans_in_use(actor=actor, client_ids=client_ids):
        if plan.cadence.unit != CadenceUnit.WEEKS:
            continue
        due = next_check_in(cadence=plan.cadence, since=plan.since, attended_since=0, today=today)
        if due.due_on is None or not first <= due.due_on <= last:
            continue
        entries.append(
            Entry(
                kind="check-in",
                # One per plan: when a check-in is held, the event moves to the next date.
                uid=f"check-in-due-plan-{plan.plan_id}@kithkin",
                summary=f"Check-in due · client {client_code(plan.client_id)}",
                start=due.due_on,
                end=due.due_on + datetime.timedelta(days=1),
                busy=False,
                path=reverse("plan", args=[plan.client_id]),
            )
        )
        if len(entries) >= MAX_CHECK_INS:
            break
    return entries


def feed_calendar(
    *, feed: CalendarFeed, entries: list[Entry], base_url: str, now: datetime.datetime
) -> bytes:
    """The feed as iCalendar bytes. Times are in UTC, so no time zone definitions are needed;
    days (check-ins) are all-day events."""
    calendar = Calendar.new(
        prodid=PRODID,
        method="PUBLISH",
        name="Kithkin sessions",
        description="Sessions and check-ins. Clients appear by code, never by name.",
        uid=f"calendar-feed-{feed.pk}@kithkin",
        refresh_interval=datetime.timedelta(hours=1),
    )
    for entry in entries:
        event = Event.new(
            uid=entry.uid,
            summary=entry.summary,
            start=entry.start,
            end=entry.end,
            stamp=now,
            status="CANCELLED" if entry.cancelled else "CONFIRMED",
            # A shared or delegated calendar shows "busy", not the summary.
            classification="PRIVATE",
            transparency="OPAQUE" if entry.busy else "TRANSPARENT",
            description=entry.description or None,
            url=base_url + entry.path if entry.path else None,
        )
        calendar.add_component(event)
    return calendar.to_ical()
