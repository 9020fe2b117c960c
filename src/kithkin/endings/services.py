"""Writes of the ending review: start, save the therapist's texts, sign, share with the client.
Each is atomic and writes its audit event in the same transaction. The events name the review,
never its text: the texts are clinical and stay encrypted in their own table."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.core.ending_review import open_door
from kithkin.core.episodes import Phase
from kithkin.endings.models import EndingReview
from kithkin.relationships.models import Episode

NOT_ENDING = (
    "The ending review is written in the ending stage: move the episode to ending first "
    "(it is in {phase} now)."
)
SIGNED = "This review is signed, so its texts can no longer change."
NEEDS_THEMES = "Write the themes of the work before signing."
NEEDS_GROWTH = "Write the plans for future growth with the client before signing."
NOT_SIGNED = "A review cannot be shared before the therapist signs it."

MAX_TEXT = 20_000


class ReviewError(ValueError):
    """A request the review cannot take, in words fit for the therapist. ``field`` names the
    form field the message belongs beside, when there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ReviewTexts:
    themes: str = ""
    future_growth: str = ""
    open_door: str = ""
    notes_for_client: str = ""


def _audit(*, review: EndingReview, by, action: str, ip: str | None) -> None:
    audit_record(
        practice_id=review.practice_id,
        actor=by,
        action=action,
        resource_type="EndingReview",
        resource_id=review.pk,
        client_id=review.episode.relationship.client_id,
        ip=ip,
    )


@transaction.atomic
def review_start(
    *, episode: Episode, by, come_back: str = "", ip: str | None = None
) -> EndingReview:
    """The review of ``episode``, started now if it was not already. Seed 003: the review is
    the work of the ending stage, so an episode still in its beginning or middle has none; a
    closed episode may still get one (the client ended by message, then came for a last
    session)."""
    if episode.phase not in (Phase.ENDING, Phase.CLOSED):
        raise ReviewError(NOT_ENDING.format(phase=Phase(episode.phase).label.lower()))
    existing = EndingReview.objects.select_for_update().filter(episode=episode).first()
    if existing is not None:
        return existing
    review = EndingReview.objects.create(
        practice_id=episode.practice_id,
        episode=episode,
        drafted_at=timezone.now(),
        drafted_by=by,
        open_door=open_door(come_back),
    )
    _audit(review=review, by=by, action="ending_review.start", ip=ip)
    return review


def _locked(review: EndingReview) -> EndingReview:
    return (
        EndingReview.objects.select_for_update()
        .select_related("episode__relationship")
        .get(pk=review.pk)
    )


@transaction.atomic
def review_save(
    *, review: EndingReview, by, texts: ReviewTexts, ip: str | None = None
) -> EndingReview:
    """Saves the therapist's texts. A signed review is what the client was given or will be:
    it no longer changes."""
    current = _locked(review)
    if current.is_signed:
        raise ReviewError(SIGNED)
    for name in ("themes", "future_growth", "open_door", "notes_for_client"):
        value = (getattr(texts, name) or "").strip()
        if len(value) > MAX_TEXT:
            raise ReviewError(f"Keep this under {MAX_TEXT} characters.", field=name)
        setattr(current, name, value)
    current.save()
    _audit(review=current, by=by, action="ending_review.save", ip=ip)
    return current


@transaction.atomic
def review_sign(
    *, review: EndingReview, by, at: datetime.datetime | None = None, ip: str | None = None
) -> EndingReview:
    """Signs the review. The themes and the plans for future growth are the parts only the
    therapist and client can write (the draft leaves them empty on purpose), so a review
    without them is not finished."""
    current = _locked(review)
    if current.is_signed:
        raise ReviewError(SIGNED)
    if not current.themes.strip():
        raise ReviewError(NEEDS_THEMES, field="themes")
    if not current.future_growth.strip():
        raise ReviewError(NEEDS_GROWTH, field="future_growth")
    current.signed_at = at or timezone.now()
    current.signed_by = by
    current.save(update_fields=["signed_at", "signed_by", "updated_at"])
    _audit(review=current, by=by, action="ending_review.sign", ip=ip)
    return current


@transaction.atomic
def review_share(
    *, review: EndingReview, by, at: datetime.datetime | None = None, ip: str | None = None
) -> EndingReview:
    """Shares the signed review with the client in the portal. Sharing again changes nothing."""
    current = _locked(review)
    if not current.is_signed:
        raise ReviewError(NOT_SIGNED)
    if current.is_shared:
        return current
    current.shared_at = at or timezone.now()
    current.shared_by = by
    current.save(update_fields=["shared_at", "shared_by", "updated_at"])
    _audit(review=current, by=by, action="ending_review.share", ip=ip)
    return current
