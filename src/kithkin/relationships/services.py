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

