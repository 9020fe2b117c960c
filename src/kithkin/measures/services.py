"""Writes for feedback: responses, the alerts they and recorded sessions raise, one-time links,
acknowledgements and fit reviews. Each service is atomic and writes its audit event in the same
transaction; a refused request raises before anything is written.

Audit reasons carry ids, codes and kinds, never a score or the client's words: those stay in
the rows the event points to (the free text encrypted).
"""

import datetime
import hashlib
import secrets
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.clients.models import Client, restricted
from kithkin.core.alerts import AlertKind, evaluate, no_feedback, silent_run
from kithkin.core.instruments import Instrument, InstrumentError, score
from kithkin.measures import selectors
from kithkin.measures.instruments import (
    alert_settings_for,
    instrument_for,
    shipped_for,
)
from kithkin.measures.models import Alert, Answer, FitReview, OneTimeLink, Response
from kithkin.measures.summaries import summaries_refresh
from kithkin.relationships.models import Episode
from kithkin.schedule.models import Session

LINK_DAYS = 7
MAX_LINK_DAYS = 30
KIOSK_MINUTES = 30
NEUTRAL = "This link has expired or was already used."
# The session key that binds an office tablet's browser to the one kiosk it was started for.
KIOSK_SESSION_KEY = "kithkin_kiosk"
# The purposes a client may open at the link address; a kiosk token works only at the kiosk's.
LINK_PURPOSES = (OneTimeLink.Purpose.LINK, OneTimeLink.Purpose.REMINDER)


class MeasuresError(ValueError):
    """A request the measures services refuse, in words fit for the person who sent it."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class LinkUnusable(MeasuresError):
    """A used, expired or unknown link: one message for all three, so a forwarded link says
    nothing about the client or whether it ever worked."""

    def __init__(self):
        super().__init__(NEUTRAL)


class FormAlreadyUsed(MeasuresError):
    def __init__(self):
        super().__init__("This form was already used for something else. Reload the page.")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lock_client(client: Client) -> None:
    """The client row is the lock two copies of one submission take turns on. "No key": a lock
    that still lets other commits' foreign-key checks on the client pass. The id alone is read:
    the whole row would decrypt the client's contact details for nothing."""
    Client.objects.select_for_update(no_key=True).filter(pk=client.pk).values_list(
        "pk", flat=True
    ).first()


def _open_episode_id(client: Client) -> int | None:
    """The id of the client's open episode, the one a new record belongs to."""
    return (
        Episode.objects.filter(relationship__client=client)
        .exclude(phase="closed")
        .order_by("-opened_on", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def _audit(*, by, action: str, client: Client, resource_type: str, resource_id, reason: str, ip):
    audit_record(
        practice_id=client.practice_id,
        actor=by,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        client_id=client.pk,
        reason=reason,
        ip=ip,
    )


@transaction.atomic
def response_submit(
    *,
    client: Client,
    instrument_code: str,
    answers: Mapping[int, int | None],
    by,
    via: str,
    session: Session | None = None,
    idempotency_key: str,
    free_text: str | None = None,
    respondent: str = Response.Respondent.CLIENT,
    ip: str | None = None,
    instrument: Instrument | None = None,
) -> Response:
    """Scores and stores one response, raises the alerts the client's history now calls for,
    and audits it. An answer the instrument does not allow raises InstrumentError and stores
    nothing; the same idempotency key sent again returns the first response. A view that has
    read the practice's instruments already passes the one ``instrument_code`` names as
    ``instrument``, and they are not read again."""
    _lock_client(client)
    key = str(idempotency_key)
    existing = Response.objects.filter(practice_id=client.practice_id, idempotency_key=key).first()
    if existing is not None:
        if (existing.client_id, existing.instrument) != (client.pk, instrument_code):
            raise FormAlreadyUsed()
        existing.new_alerts = []
        return existing
    if instrument is None or instrument.code != instrument_code:
        instrument = instrument_for(client.practice, instrument_code)
    scored = score(instrument, answers)
    if respondent == Response.Respondent.THERAPIST and (
        instrument_code != selectors.ALLIANCE or via != Response.Via.THERAPIST
    ):
        raise MeasuresError("The therapist rates the alliance check-in only, as their own view.")
    if via == Response.Via.THERAPIST and respondent != Response.Respondent.THERAPIST:
        raise MeasuresError("A therapist's own rating is given as the therapist.")
    if session is not None and session.client_id != client.pk:
        raise MeasuresError("That session is not one of this client's.", field="session")
    free_text = (free_text or "").strip()
    if free_text and not instrument.free_text:
        raise InstrumentError(f"{instrument.short_title} has no question answered in words.")
    risk = scored.risk
    response = Response.objects.create(
        practice_id=client.practice_id,
        client=client,
        instrument=instrument.code,
        instrument_version=instrument.version,
        session=session,
        episode_id=_open_episode_id(client),
        submitted_at=timezone.now(),
        submitted_via=via,
        respondent=respondent,
        entered_by=by,
        idempotency_key=key,
        total=scored.total,
        band=scored.band or "",
        complete=scored.complete,
        answered=scored.answered,
        item9=risk.value if risk is not None else "",
        free_text=free_text,
    )
    Answer.objects.bulk_create(
        Answer(practice_id=client.practice_id, response=response, item=number, value=value)
        for number, value in sorted(answers.items())
        if value is not None
    )
    response.new_alerts = []
    if respondent == Response.Respondent.CLIENT:
        # Read once: the alerts and the practice view's summary both come from this history.
        history = selectors.history_of(client, rules_only=True)
        response.new_alerts = _raise_alerts(client, response, history)
        summaries_refresh(client, history)
    kinds = ", ".join(alert.kind for alert in response.new_alerts) or "none"
    _audit(
        by=by,
        action="measures.response.submit",
        client=client,
        resource_type="Response",
        resource_id=response.pk,
        reason=f"{instrument.code} {instrument.version} via {via} by {respondent}; "
        f"alerts raised: {kinds}",
        ip=ip,
    )
    return response


def _raise_alerts(client: Client, response: Response, history: selectors.History) -> list[Alert]:
    """Evaluates the client's history as it stood at the session this response belongs to, so a
    late entry for an earlier session is read against that session, and a risk answer raises
    its alert whatever came after."""
    # The alert rules read the shipped instruments only (the alliance, PHQ-9 and GAD-7).
    instruments = shipped_for(client.practice)
    upto = history.placed[response.pk]
    records = selectors.session_records(history, instruments, upto=upto)
    # Silence is judged when a session is recorded (session_recorded), not here: a response
    # adds scores and never takes an alliance score away, so it cannot begin a silent run, and
    # reading one again here would raise a second alert for a run already flagged, or the same
    # one again after the therapist acknowledged it.
    found = [
        alert
        for alert in evaluate(records, alert_settings_for(client.practice))
        if alert.kind is not AlertKind.NO_FEEDBACK
    ]
    # An open alert saying the same thing (a GAD-7 after the PHQ-9 of the same session reads
    # the same item 9) is not raised twice.
    open_reasons = set(
        Alert.objects.filter(client=client, acknowledged_at__isnull=True).values_list(
            "kind", "reason"
        )
    )
    now = timezone.now()
    raised = [
        Alert(
            practice_id=client.practice_id,
            client=client,
            kind=alert.kind.value,
            reason=alert.reason,
            response=response,
            session_number=alert.session,
            raised_at=now,
        )
        for alert in found
        if (alert.kind.value, alert.reason) not in open_reasons
    ]
    for alert in raised:
        alert.save()
    return raised


@transaction.atomic
def session_recorded(*, session: Session, by, ip: str | None = None) -> list[Alert]:
    """Called inside the transaction that makes ``session`` attended or stops it being so, so
    what it writes rolls back with the status. Reads the client's history once, rewrites their
    practice-view summary from it, and, when the session is now attended, raises the alert that
    silence calls for: no alliance check-in at the last sessions (the core's ``no_feedback``).
    Returns the alerts raised, none when the session was recorded before.

    Only ``no_feedback`` is read here. The other rules speak of the newest session's scores,
    which a session just recorded does not have yet: they are read when its responses arrive.
    """
    # The client row is the lock alerts of one client are raised under, as in response_submit
    # (session_set_status has taken it already, before the audit's chain head).
    client = (
        Client.objects.select_for_update(of=("self",), no_key=True)
        .select_related("practice")
        .get(pk=session.client_id)
    )
    history = selectors.history_of(client, rules_only=True)
    raised = []
    if session.status == Session.Status.ATTENDED:
        raised = _raise_silence(client, session, history, by=by, ip=ip)
    summaries_refresh(client, history)
    return raised


def _raise_silence(
    client: Client, session: Session, history: selectors.History, *, by, ip
) -> list[Alert]:
    """The no-feedback alert, if recording ``session`` as attended completes a silence."""
    kind = AlertKind.NO_FEEDBACK.value
    # Recorded again (attended, corrected, attended again): it has had its say.
    if Alert.objects.filter(session=session, response__isnull=True, kind=kind).exists():
        return []
    numbers = {s.pk: n for n, s in enumerate(history.sessions, start=1)}
    records = selectors.session_records(history, shipped_for(client.practice))
    found = no_feedback(records, alert_settings_for(client.practice))
    # A session recorded late, behind sessions held since, raises the alert only if it is one
    # of the silent sessions the alert names; if feedback came after it, there is none to ask for.
    if found is None or numbers.get(session.pk) not in found.evidence:
        return []
    # One alert per silence: while one raised during this run is open, a fourth and fifth
    # silent session add nothing to it (its reason names fewer sessions, so comparing reasons
    # would not see it). An alert is placed by its session as numbered now, as a session
    # recorded late renumbers those after it.
    run = set(silent_run(records))
    for session_id, number, reason in Alert.objects.filter(
        client=client, kind=kind, acknowledged_at__isnull=True
    ).values_list("session_id", "session_number", "reason"):
        if reason == found.reason or numbers.get(session_id, number) in run:
            return []
    alert = Alert.objects.create(
        practice_id=client.practice_id,
        client=client,
        kind=kind,
        reason=found.reason,
        response=None,
        session=session,
        session_number=found.session,
        raised_at=timezone.now(),
    )
    _audit(
        by=by,
        action="measures.alert.raise",
        client=client,
        resource_type="Alert",
        resource_id=alert.pk,
        reason=f"{kind} alert at session {found.session}, raised by recording session "
        f"{session.pk} as attended",
        ip=ip,
    )
    return [alert]


def _link_make(
    *,
    client: Client,
    instrument_code: str,
    by,
    purpose: str,
    lifetime: datetime.timedelta,
    session: Session | None,
    action: str,
    reason: str,
    ip: str | None,
) -> tuple[OneTimeLink, str]:
    instrument = instrument_for(client.practice, instrument_code)
    if session is not None and session.client_id != client.pk:
        raise MeasuresError("That session is not one of this client's.", field="session")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    link = OneTimeLink.objects.create(
        practice_id=client.practice_id,
        client=client,
        instrument=instrument.code,
        session=session,
        purpose=purpose,
        token_hash=token_hash(token),
        created_by=by,
        created_at=now,
        expires_at=now + lifetime,
    )
    _audit(
        by=by,
        action=action,
        client=client,
        resource_type="OneTimeLink",
        resource_id=link.pk,
        reason=f"{instrument.code}, {reason}",
        ip=ip,
    )
    return link, token


@transaction.atomic
def link_create(
    *,
    client: Client,
    instrument_code: str,
    by,
    session: Session | None = None,
    days: int = LINK_DAYS,
    ip: str | None = None,
) -> tuple[OneTimeLink, str]:
    """A single-use link for one client and one questionnaire. The raw token is returned once,
    here, and never stored."""
    if not 1 <= days <= MAX_LINK_DAYS:
        raise MeasuresError(
            f"A link lasts from 1 to {MAX_LINK_DAYS} days; {days} is outside that.", field="days"
        )
    return _link_make(
        client=client,
        instrument_code=instrument_code,
        by=by,
        purpose=OneTimeLink.Purpose.LINK,
        lifetime=datetime.timedelta(days=days),
        session=session,
        action="measures.link.create",
        reason=f"valid {days} days",
        ip=ip,
    )


@transaction.atomic
def kiosk_start(
    *, client: Client, instrument_code: str, by, ip: str | None = None
) -> tuple[OneTimeLink, str]:
    """Hands the office tablet to the client for one questionnaire. The token opens only in the
    browser of the therapist who started it, once, for KIOSK_MINUTES."""
    return _link_make(
        client=client,
        instrument_code=instrument_code,
        by=by,
        purpose=OneTimeLink.Purpose.KIOSK,
        lifetime=datetime.timedelta(minutes=KIOSK_MINUTES),
        session=None,
        action="measures.kiosk.start",
        reason=f"office tablet, valid {KIOSK_MINUTES} minutes",
        ip=ip,
    )


def _redeem(
    *,
    token: str,
    purposes: tuple[str, ...],
    via: str,
    by,
    answers: Mapping[int, int | None],
    idempotency_key: str,
    free_text: str | None,
    action: str,
    ip: str | None,
) -> Response:
    link = (
        OneTimeLink.objects.select_for_update()
        .select_related("client__practice")
        .filter(token_hash=token_hash(token), purpose__in=purposes)
        # A restricted record takes no answers (GDPR Art. 18): the link is as good as unknown.
        .filter(~restricted("client_id"))
        .first()
    )
    if link is None:
        raise LinkUnusable()
    if link.purpose == OneTimeLink.Purpose.KIOSK and getattr(by, "pk", None) != link.created_by_id:
        raise LinkUnusable()
    if link.used_at is not None:
        # The same form sent twice (a double click) gets its own response back, not a refusal.
        if link.response_id and link.response.idempotency_key == str(idempotency_key):
            link.response.new_alerts = []
            return link.response
        raise LinkUnusable()
    if link.expires_at <= timezone.now():
        raise LinkUnusable()
    response = response_submit(
        client=link.client,
        instrument_code=link.instrument,
        answers=answers,
        by=by,
        via=via,
        session=link.session,
        idempotency_key=idempotency_key,
        free_text=free_text,
        ip=ip,
    )
    link.used_at = timezone.now()
    link.response = response
    link.save(update_fields=["used_at", "response"])
    _audit(
        by=by,
        action=action,
        client=link.client,
        resource_type="OneTimeLink",
        resource_id=link.pk,
        reason=f"used for response {response.pk}",
        ip=ip,
    )
    return response


@transaction.atomic
def link_redeem(
    *,
    token: str,
    answers: Mapping[int, int | None],
    idempotency_key: str,
    free_text: str | None = None,
    ip: str | None = None,
) -> Response:
    """Submits the link's questionnaire and uses the link up, in one transaction. The row lock
    makes two submissions at once take turns: the second finds the link used. A kiosk token is
    not a link: it is unknown here."""
    return _redeem(
        token=token,
        purposes=LINK_PURPOSES,
        via=Response.Via.LINK,
        by=None,
        answers=answers,
        idempotency_key=idempotency_key,
        free_text=free_text,
        action="measures.link.redeem",
        ip=ip,
    )


@transaction.atomic
def kiosk_submit(
    *,
    token: str,
    by,
    answers: Mapping[int, int | None],
    idempotency_key: str,
    free_text: str | None = None,
    ip: str | None = None,
) -> Response:
    """The client's answers on the office tablet, entered under the therapist who started the
    kiosk (``by``), and the kiosk token used up."""
    return _redeem(
        token=token,
        purposes=(OneTimeLink.Purpose.KIOSK,),
        via=Response.Via.OFFICE,
        by=by,
        answers=answers,
        idempotency_key=idempotency_key,
        free_text=free_text,
        action="measures.kiosk.submit",
        ip=ip,
    )


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by, note: str, ip: str | None = None) -> Alert:
    """A named person says they have seen the alert and what they did about it."""
    note = (note or "").strip()
    if not note:
        raise MeasuresError("Write a note: what you did or will do about this alert.", field="note")
    # The alert's row alone, "no key": the joined client row stays free for other writers.
    locked = (
        Alert.objects.select_for_update(of=("self",), no_key=True)
        .select_related("client")
        .get(pk=alert.pk)
    )
    if locked.acknowledged_at is not None:
        raise MeasuresError(
            f"This alert was already acknowledged by {locked.acknowledged_by.display_name}."
        )
    locked.acknowledged_by = by
    locked.acknowledged_at = timezone.now()
    locked.note = note
    locked.save(update_fields=["acknowledged_by", "acknowledged_at", "note"])
    _audit(
        by=by,
        action="measures.alert.acknowledge",
        client=locked.client,
        resource_type="Alert",
        resource_id=locked.pk,
        reason=f"{locked.kind} alert acknowledged",
        ip=ip,
    )
    return locked


@transaction.atomic
def fit_review_create(
    *,
    client: Client,
    by,
    feedback: str,
    tried: str = "",
    decision: str,
    opened_from: Alert | None = None,
    idempotency_key: str,
    ip: str | None = None,
) -> FitReview:
    """Records a fit review. "Refer" records the intent; the referral flow is a later issue."""
    _lock_client(client)
    key = str(idempotency_key)
    existing = FitReview.objects.filter(practice_id=client.practice_id, idempotency_key=key).first()
    if existing is not None:
        if existing.client_id != client.pk:
            raise FormAlreadyUsed()
        return existing
    feedback = (feedback or "").strip()
    if not feedback:
        raise MeasuresError("Say what the feedback says.", field="feedback")
    if decision not in FitReview.Decision.values:
        raise MeasuresError("Choose continue, adjust the approach or refer.", field="decision")
    if opened_from is not None and opened_from.client_id != client.pk:
        raise MeasuresError("That alert is not one of this client's.")
    review = FitReview.objects.create(
        practice_id=client.practice_id,
        client=client,
        episode_id=_open_episode_id(client),
        opened_from=opened_from,
        feedback=feedback,
        tried=(tried or "").strip(),
        decision=decision,
        by=by,
        at=timezone.now(),
        idempotency_key=key,
    )
    _audit(
        by=by,
        action="measures.fit_review.create",
        client=client,
        resource_type="FitReview",
        resource_id=review.pk,
        reason=f"decision {decision}" + (f", from alert {opened_from.pk}" if opened_from else ""),
        ip=ip,
    )
    return review
