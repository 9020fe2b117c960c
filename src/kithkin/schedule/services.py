"""Writes about sessions. Each service is atomic and writes its audit event in the same
transaction; a refused request raises :class:`SessionError` before anything is written.

The rules (late cancellation, who attends which kind of session, the open episode) live in
:mod:`kithkin.core.schedule`; here they meet the database.
"""

import datetime
import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.clients.models import Client, Person
from kithkin.core.schedule import (
    Attendance,
    EpisodeSpan,
    SessionRefused,
    Status,
    check_attendee_count,
    check_episode,
    outcome,
)
from kithkin.measures.services import session_recorded
from kithkin.measures.summaries import summaries_refresh
from kithkin.measures.tasks import session_reminder
from kithkin.partners.models import TherapyPartner
from kithkin.relationships.models import Episode, TherapyRelationship
from kithkin.schedule.feed import SECRET_BYTES, secret_hash
from kithkin.schedule.models import CalendarFeed, Session, SessionAttendee

# The one error type of this module: views put its message beside ``field``.
SessionError = SessionRefused


def _audit(by, action: str, session: Session, ip: str | None, reason: str) -> None:
    # Ids, kinds and times only: who attends is on the session's own rows, never in the clear
    # text of the audit trail.
    audit_record(
        practice_id=session.practice_id,
        actor=by,
        action=action,
        resource_type="Session",
        resource_id=session.pk,
        client_id=session.client_id,
        reason=reason,
        ip=ip,
    )


def _summary(session: Session, attendees: int) -> str:
    return (
        f"{session.kind}, {session.modality}, {session.duration_minutes} min, "
        f"starts {session.starts_at.isoformat()}, {attendees} attendee(s)"
    )


def _relationship(client: Client, therapist) -> TherapyRelationship:
    relationship = (
        TherapyRelationship.objects.for_practice(client.practice_id)
        .filter(client=client, therapist=therapist, ended_on__isnull=True)
        .first()
    )
    if relationship is None:
        raise SessionError("Only a therapist of this client schedules their sessions.")
    return relationship


def _check_episode(relationship: TherapyRelationship, starts_at: datetime.datetime) -> None:
    # Locking the episodes makes a session and an episode's closing take turns, so a session
    # cannot slip into an episode closing at the same moment.
    spans = [
        EpisodeSpan(opened_on=e.opened_on, closed_on=e.closed_on)
        for e in Episode.objects.select_for_update().filter(relationship=relationship)
    ]
    check_episode(spans, timezone.localdate(starts_at))


def _attendee_people(client: Client, person_ids: Iterable[int]) -> list[Person]:
    """The people to attend, checked: the client's own, and none who must not know they are
    discussed."""
    ids = {int(pk) for pk in person_ids}
    people = list(
        Person.objects.for_practice(client.practice_id)
        .filter(pk__in=ids)
        .select_related("partner")
        .order_by("name", "pk")
    )
    if len(people) != len(ids) or any(p.client_id != client.pk for p in people):
        # One row per client (as FHIR's RelatedPerson): someone from another client's life is
        # a different record, whoever they are, and the message does not say whose.
        raise SessionError(
            "Only people in this client's life can attend their sessions.", field="attendees"
        )
    for person in people:
        partner = getattr(person, "partner", None)
        if partner is not None and partner.involvement == TherapyPartner.Involvement.UNAWARE:
            # Seed 000: Diane must not even know she may be a topic of conversation; a seat
            # at the session would tell her.
            raise SessionError(
                f"{person.name} cannot attend: they are an unaware therapy partner, who must not "
                "know they are discussed. Change their involvement first if that has changed.",
                field="attendees",
            )
    return people


@transaction.atomic
def session_schedule(
    *,
    client: Client,
    by,
    starts_at: datetime.datetime,
    duration_minutes: int = 50,
    modality: str = Session.Modality.IN_PERSON,
    kind: str = Session.Kind.INDIVIDUAL,
    attendee_ids: Iterable[int] = (),
    idempotency_key: str = "",
    ip: str | None = None,
) -> tuple[Session, bool]:
    """Schedules a session of ``by`` with the client. Returns it and whether it is new.

    ``idempotency_key`` is the token of the form: the same form sent twice (a double click, a
    retry after a lost answer) returns the session the first one scheduled, and writes nothing.
    """
    existing = _sent_before(client, by, idempotency_key)
    if existing is not None:
        return existing, False
    relationship = _relationship(client, by)
    _check_episode(relationship, starts_at)
    people = _attendee_people(client, attendee_ids)
    check_attendee_count(kind, len(people))
    if modality not in Session.Modality.values:
        raise SessionError(f"“{modality}” is not a modality of a session.", field="modality")
    if duration_minutes <= 0:
        raise SessionError("A session lasts at least a minute.", field="duration_minutes")
    session = Session(
        practice_id=client.practice_id,
        client=client,
        therapist=by,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        modality=modality,
        kind=kind,
        idempotency_key=idempotency_key,
    )
    try:
        with transaction.atomic():
            session.save(force_insert=True)
    except IntegrityError:
        # The same form, sent at the same moment, won the race: answer with its session.
        existing = _sent_before(client, by, idempotency_key)
        if existing is None:
            raise
        return existing, False
    SessionAttendee.objects.bulk_create(
        SessionAttendee(practice_id=client.practice_id, session=session, person=person)
        for person in people
    )
    _audit(by, "session.schedule", session, ip, _summary(session, len(people)))
    return session, True


def _sent_before(client: Client, by, key: str) -> Session | None:
    if not key:
        return None
    session = Session.objects.for_practice(client.practice_id).filter(idempotency_key=key).first()
    if session is None:
        return None
    if session.client_id != client.pk or session.therapist_id != by.pk:
        # A token is one form for one client; reused elsewhere, it is not a repeat.
        raise SessionError("This form was already used. Open the form again and send it anew.")
    return session


@transaction.atomic
def session_update(
    *,
    session: Session,
    by,
    starts_at: datetime.datetime,
    duration_minutes: int,
    modality: str,
    kind: str,
    attendee_ids: Iterable[int],
    ip: str | None = None,
) -> Session:
    """Reschedules or changes the session, and who is to attend it.

    A new date is held to the open episode, as a new session is; a session that keeps its date
    may be corrected even when its episode has closed since.
    """
    locked = Session.objects.select_for_update().select_related("client").get(pk=session.pk)
    if locked.therapist_id != by.pk:
        raise SessionError("Only the session's own therapist changes it.")
    client = locked.client
    relationship = _relationship(client, by)
    if starts_at != locked.starts_at:
        _check_episode(relationship, starts_at)
    # An attended session moved in time may change which session is first or last: the
    # practice view's summary is refreshed, under the client's row (see session_set_status).
    history_changes = locked.status == Status.ATTENDED and starts_at != locked.starts_at
    people = _attendee_people(client, attendee_ids)
    check_attendee_count(kind, len(people))
    if modality not in Session.Modality.values:
        raise SessionError(f"“{modality}” is not a modality of a session.", field="modality")
    if duration_minutes <= 0:
        raise SessionError("A session lasts at least a minute.", field="duration_minutes")
    locked.starts_at = starts_at
    locked.duration_minutes = duration_minutes
    locked.modality = modality
    locked.kind = kind
    locked.save(update_fields=["starts_at", "duration_minutes", "modality", "kind", "updated_at"])
    wanted = {p.pk for p in people}
    current = set(locked.attendees.values_list("person_id", flat=True))
    locked.attendees.exclude(person_id__in=wanted).delete()
    SessionAttendee.objects.bulk_create(
        SessionAttendee(practice_id=locked.practice_id, session=locked, person=p)
        for p in people
        if p.pk not in current
    )
    if history_changes:
        Client.objects.select_for_update(no_key=True).filter(pk=client.pk).first()
    _audit(by, "session.update", locked, ip, _summary(locked, len(people)))
    if history_changes:
        summaries_refresh(client)
    return locked


@transaction.atomic
def session_set_status(
    *,
    session: Session,
    by,
    status: str,
    attended_ids: Iterable[int] = (),
    notice_at: datetime.datetime | None = None,
    expected_status: str | None = None,
    ip: str | None = None,
) -> Session:
    """Records what happened: attended, cancelled (late or not, as the notice decides), no-show,
    or back to scheduled; and which of the planned attendees came.

    ``expected_status`` is the status the therapist saw. The same outcome sent twice changes
    nothing; a different one over a status the therapist did not see (another tab) is refused.

    An attended session may raise the "No alliance feedback" alert (see
    ``measures.services.session_recorded``); the result's ``new_alerts`` lists what it raised.
    """
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.therapist_id != by.pk:
        raise SessionError("Only the session's own therapist records its outcome.")
    now = timezone.now()
    after = outcome(requested=status, starts_at=locked.starts_at, now=now, notice_at=notice_at)
    attendees = list(locked.attendees.select_for_update().order_by("pk"))
    was = {a.pk: a.attendance for a in attendees}
    came = {int(pk) for pk in attended_ids}
    unknown = came - {a.person_id for a in attendees}
    if unknown:
        raise SessionError(
            "Only the session's planned attendees can be recorded as attending. Add them to "
            "the session first.",
            field="attended",
        )
    for attendee in attendees:
        if after in (Status.ATTENDED, Status.NO_SHOW):
            # A no-show is the client's; a parent may still have come, so ask for each person.
            attendee.attendance = (
                Attendance.ATTENDED if attendee.person_id in came else Attendance.ABSENT
            )
        elif after is Status.SCHEDULED:
            attendee.attendance = Attendance.PLANNED
        else:
            attendee.attendance = Attendance.ABSENT
    changed = [a for a in attendees if a.attendance != was[a.pk]]
    if locked.status == after and not changed:
        locked.new_alerts = []
        return locked  # sent twice: already so
    if expected_status and locked.status != expected_status:
        raise SessionError(
            f"This session is now {locked.get_status_display().lower()}; the page you used was "
            "out of date. Look again before recording its outcome.",
            field="status",
        )
    # A session that becomes, or stops being, attended changes the client's feedback history:
    # its alerts and the practice view's summary.
    history_changes = Status.ATTENDED in (locked.status, after)
    if history_changes:
        # The alert raised below reads the client's feedback under the client's row, as a
        # response does. Taken before the audit's chain head, in the order response_submit takes
        # the two, so the two writers wait for each other instead of deadlocking; "no key", so
        # the foreign-key checks of other commits (a link, a session of this client) pass it.
        Client.objects.select_for_update(no_key=True).filter(pk=locked.client_id).first()
    before = locked.status
    locked.status = after
    # updated_at named, or auto_now is not written: the attendance alone may have changed.
    locked.save(update_fields=["status", "updated_at"])
    SessionAttendee.objects.bulk_update(changed, ["attendance"])
    reason = f"{before} -> {after}"
    if after in (Status.CANCELLED, Status.LATE_CANCELLED):
        reason += f"; notice {(notice_at or now).isoformat()}"
    if attendees:
        present = sum(a.attendance == Attendance.ATTENDED for a in attendees)
        reason += f"; {present} of {len(attendees)} attendee(s) came"
    _audit(by, "session.status", locked, ip, reason)
    # In this transaction, not after it: the alert is on the page the therapist is sent back
    # to, and a status rolled back takes its alert with it.
    locked.new_alerts = session_recorded(session=locked, by=by, ip=ip) if history_changes else []
    if after is Status.ATTENDED:
        # After the commit, so the job never reads a status that was rolled back; the job
        # itself sends at most one reminder per session, however often it is attended again.
        session_id = locked.pk
        transaction.on_commit(lambda: session_reminder(session_id))
    return locked


@transaction.atomic
def calendar_feed_rotate(*, user, ip: str | None = None) -> tuple[CalendarFeed, str]:
    """A new secret URL for the user's calendar feed, and the secret, which is not stored and
    cannot be shown again. Whatever URL the feed had stops working in the same commit."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    now = timezone.now()
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    created = feed is None
    if created:
        feed = CalendarFeed(practice_id=user.practice_id, user=user)
    feed.practice_id = user.practice_id
    feed.secret_hash = secret_hash(secret)
    feed.created_at = now
    feed.revoked_at = None
    feed.save()
    audit_record(
        practice_id=user.practice_id,
        actor=user,
        action="calendar_feed.create" if created else "calendar_feed.rotate",
        resource_type="CalendarFeed",
        resource_id=feed.pk,
        reason="a new secret URL; any earlier one stops working",
        ip=ip,
    )
    return feed, secret


@transaction.atomic
def calendar_feed_revoke(*, user, ip: str | None = None) -> CalendarFeed | None:
    """Turns the user's feed off; None when there was no live feed to turn off."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None or feed.revoked_at is not None:
        return None
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    audit_record(
        practice_id=feed.practice_id,
        actor=user,
        action="calendar_feed.revoke",
        resource_type="CalendarFeed",
        resource_id=feed.pk,
        reason="the secret URL stops working",
        ip=ip,
    )
    return feed
