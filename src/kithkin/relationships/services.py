"""Writes about episodes of therapy. Each service is atomic and writes its audit event in the
same transaction; a refused request raises before anything is written."""

import datetime

from django.db import transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.core.episodes import EndingType, Phase, transition
from kithkin.endings.models import EndingReview
from kithkin.endings.services import review_start
from kithkin.relationships.models import Episode, EpisodeTransition, TherapyRelationship

NEEDS_REVIEW = (
    "A planned ending needs its ending review, signed: finish the review of the road "
    "travelled with the client, sign it, then close the episode."
)


class EpisodeError(ValueError):
    """A request about episodes the record cannot take, with a message fit for the therapist.

    ``field`` names the form field the message belongs beside, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _audit(by, action: str, episode: Episode, client_id: int, ip: str | None, reason: str):
    # The audit reason is stored in clear, so it carries the phases and a pointer to the
    # transition row, never the therapist's free-text reason (encrypted there).
    audit_record(
        practice_id=episode.practice_id,
        actor=by,
        action=action,
        resource_type="Episode",
        resource_id=episode.pk,
        client_id=client_id,
        reason=reason,
        ip=ip,
    )


@transaction.atomic
def episode_open(
    *,
    relationship: TherapyRelationship,
    by,
    on: datetime.date | None = None,
    ip: str | None = None,
) -> Episode:
    """Opens an episode at reaching out. Seed 004: a client who ended may return, and the
    return is a new episode, so the earlier ones keep their history and their ending."""
    # Locking the relationship makes two simultaneous openings take turns; the partial unique
    # index would refuse the second anyway, but with a database error instead of a sentence.
    relationship = TherapyRelationship.objects.select_for_update().get(pk=relationship.pk)
    today = timezone.localdate()
    on = on or today
    if relationship.ended_on is not None:
        raise EpisodeError(
            f"This therapy relationship ended on {_day(relationship.ended_on)}; "
            "it has to be resumed before a new episode can open."
        )
    if on > today:
        raise EpisodeError("An episode cannot open in the future.", field="opened_on")
    episodes = list(relationship.episodes.order_by("-opened_on", "-pk"))
    current = next((e for e in episodes if e.is_open), None)
    if current is not None:
        raise EpisodeError(
            f"An episode is already open, in {Phase(current.phase).label.lower()}. Close it "
            "before opening a new one."
        )
    last_closed = max((e.closed_on for e in episodes if e.closed_on), default=None)
    if last_closed and on < last_closed:
        raise EpisodeError(
            f"The new episode cannot open before the last one closed ({_day(last_closed)}).",
            field="opened_on",
        )
    episode = Episode.objects.create(
        practice_id=relationship.practice_id,
        relationship=relationship,
        phase=Phase.REACHING_OUT,
        opened_on=on,
        opened_by=by,
    )
    EpisodeTransition.objects.create(
        practice_id=relationship.practice_id,
        episode=episode,
        from_phase="",
        to_phase=Phase.REACHING_OUT,
        by=by,
        at=timezone.now(),
    )
    _audit(by, "episode.open", episode, relationship.client_id, ip, reason=f"opened on {on}")
    return episode


@transaction.atomic
def episode_transition(
    *,
    episode: Episode,
    by,
    to: Phase | str,
    reason: str = "",
    ending_type: EndingType | str | None = None,
    expected_phase: Phase | str | None = None,
    ip: str | None = None,
) -> Episode:
    """Moves the episode to ``to`` if the phase rules allow it, and records who, when and why.

    ``expected_phase`` is the phase the therapist saw: if the episode has moved since (another
    tab, a form sent twice), the request is refused rather than applied to a state nobody saw.
    Refusals raise :class:`kithkin.core.episodes.TransitionRefused` or :class:`EpisodeError`,
    both ValueErrors, and write nothing.
    """
    locked = Episode.objects.select_for_update().select_related("relationship").get(pk=episode.pk)
    if expected_phase and locked.phase != expected_phase:
        raise EpisodeError(
            f"This episode is now in {Phase(locked.phase).label.lower()}; the page you used was "
            "out of date. Look again before moving it."
        )
    reason = reason.strip()
    before = locked.phase
    after = transition(locked.state, to, reason=reason, ending_type=ending_type)
    # Issue 9: an ending is planned when it was reviewed together, so the signed review is
    # the proof, not the therapist's choice in a list.
    if after.ending_type == EndingType.PLANNED and not _review_signed(locked):
        raise EpisodeError(NEEDS_REVIEW, field="ending_type")
    now = timezone.now()
    locked.phase = after.phase
    locked.ending_type = after.ending_type or ""
    locked.closed_on = timezone.localdate(now) if after.is_closed else None
    locked.save(update_fields=["phase", "ending_type", "closed_on", "updated_at"])
    row = EpisodeTransition.objects.create(
        practice_id=locked.practice_id,
        episode=locked,
        from_phase=before,
        to_phase=after.phase,
        ending_type=after.ending_type or "",
        reason=reason,
        by=by,
        at=now,
    )
    summary = f"{before} -> {after.phase}"
    if after.ending_type:
        summary += f" ({after.ending_type})"
    _audit(
        by,
        "episode.transition",
        locked,
        locked.relationship.client_id,
        ip,
        reason=f"{summary}; transition {row.pk}",
    )
    if after.phase == Phase.ENDING:
        # Seed 003: the ending stage is for reviewing the road travelled, so its draft is
        # there from the first day of it, made from the record (started once; a return to
        # ending finds the same review).
        review_start(episode=locked, by=by, come_back=locked.practice.name, ip=ip)
    return locked


def _review_signed(episode: Episode) -> bool:
    return EndingReview.objects.filter(episode=episode, signed_at__isnull=False).exists()


# --- Who the client is with: starting, resuming and ending relationships -----------------------


def _relationship_audit(by, relationship: TherapyRelationship, action: str, reason: str, ip):
    audit_record(
        practice_id=relationship.practice_id,
        actor=by,
        action=action,
        resource_type="TherapyRelationship",
        resource_id=relationship.pk,
        client_id=relationship.client_id,
        reason=reason,
        ip=ip,
    )


def relationship_take_up(
    *, client, therapist, by, on: datetime.date, reason: str, ip: str | None = None
) -> TherapyRelationship:
    """The therapist's relationship with the client, started on ``on``, or resumed if they
    worked together before (one relationship per pair, so the earlier episodes stay in it).
    Inside the caller's transaction; ``reason`` is the audit event's, in clear."""
    relationship, created = TherapyRelationship.objects.select_for_update().get_or_create(
        client=client,
        therapist=therapist,
        defaults={"practice_id": client.practice_id, "started_on": on},
    )
    if created:
        _relationship_audit(by, relationship, "relationship.start", reason, ip)
    elif relationship.ended_on is not None:
        relationship.ended_on = None
        relationship.save(update_fields=["ended_on"])
        _relationship_audit(by, relationship, "relationship.resume", reason, ip)
    return relationship


def relationship_hand_over(
    *,
    client,
    to,
    previous: TherapyRelationship | None,
    by,
    on: datetime.date,
    reason: str,
    ip: str | None = None,
) -> Episode:
    """The client goes on with ``to``: their relationship starts or resumes, a new episode
    opens in it, and ``previous`` ends once it has no open episode, so the client is now the
    new therapist's (and the record theirs to read). Shared by an internal transfer and a
    return to another therapist; inside the caller's transaction, so a refusal on the way
    (an :class:`EpisodeError`) undoes every step before it."""
    relationship = relationship_take_up(
        client=client, therapist=to, by=by, on=on, reason=reason, ip=ip
    )
    # A return is a new episode (seed 004), and the client's record (sessions, plans, maps) is
    # client-scoped, so the new therapist sees the road travelled so far.
    episode = episode_open(relationship=relationship, by=by, on=on, ip=ip)
    if previous is not None and previous.pk != relationship.pk:
        previous = TherapyRelationship.objects.select_for_update().get(pk=previous.pk)
        still_open = previous.episodes.exclude(phase=Phase.CLOSED).exists()
        if previous.ended_on is None and not still_open:
            previous.ended_on = on
            previous.save(update_fields=["ended_on"])
            _relationship_audit(by, previous, "relationship.end", reason, ip)
    return episode


@transaction.atomic
def episode_return(
    *,
    relationship: TherapyRelationship,
    therapist,
    by,
    on: datetime.date | None = None,
    ip: str | None = None,
) -> Episode:
    """A client who comes back starts a new episode (seed 004), with the therapist of
    ``relationship`` (the one they were with) or with another clinician of the practice.

    With another, that therapist's relationship starts or resumes, the episode opens in it, and
    ``relationship`` ends: the client is now with the new therapist, as after a transfer. The
    refusals raise :class:`EpisodeError` and write nothing."""
    if therapist.pk == relationship.therapist_id:
        return episode_open(relationship=relationship, by=by, on=on, ip=ip)
    previous = (
        TherapyRelationship.objects.select_for_update()
        .select_related("therapist", "client")
        .get(pk=relationship.pk)
    )
    today = timezone.localdate()
    on = on or today
    name = therapist.display_name
    if therapist.practice_id != previous.practice_id or not therapist.is_clinician:
        raise EpisodeError("Choose a therapist of this practice.", field="therapist")
    if not therapist.is_active:
        raise EpisodeError(f"{name}'s account is deactivated.", field="therapist")
    if previous.ended_on is not None:
        raise EpisodeError(
            f"This therapy relationship ended on {_day(previous.ended_on)}; the client is no "
            "longer with its therapist."
        )
    if on > today:
        raise EpisodeError("An episode cannot open in the future.", field="opened_on")
    episodes = list(previous.episodes.all())
    current = next((e for e in episodes if e.is_open), None)
    if current is not None:
        # Handing over work in progress is a transfer, made with the client's consent.
        raise EpisodeError(
            f"An episode with {previous.therapist.display_name} is open, in "
            f"{Phase(current.phase).label.lower()}. Close it before the client starts again "
            "with someone else, or refer them on the Referrals page."
        )
    last_closed = max((e.closed_on for e in episodes if e.closed_on), default=None)
    if last_closed and on < last_closed:
        raise EpisodeError(
            f"The new episode cannot open before the last one closed ({_day(last_closed)}).",
            field="opened_on",
        )
    if on < previous.started_on:
        raise EpisodeError(
            f"The new episode cannot open before the client started with "
            f"{previous.therapist.display_name} ({_day(previous.started_on)}).",
            field="opened_on",
        )
    theirs = Episode.objects.filter(
        relationship__client_id=previous.client_id, relationship__therapist=therapist
    ).exclude(phase=Phase.CLOSED)
    if theirs.exists():
        raise EpisodeError(
            f"{name} already has an episode open with this client.", field="therapist"
        )
    return relationship_hand_over(
        client=previous.client,
        to=therapist,
        previous=previous,
        by=by,
        on=on,
        reason=f"return, from relationship {previous.pk}",
        ip=ip,
    )
