"""Writes for API tokens. Each is atomic and audited; the audit reason names the token by id and
prefix, never its secret."""

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from kithkin.api.models import ApiToken
from kithkin.audit.services import audit_record

DEFAULT_DAYS = 90
# A token is a password that never changes; a year is the longest it may live unrotated.
MAX_DAYS = 365
PREFIX = "kk_"
# Shown in lists: "kk_" and the first six characters of the random part.
SHOWN = len(PREFIX) + 6


class TokenError(ValueError):
    """A token request refused, in words fit for the person who made it."""


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, user, name: str = "", days: int = DEFAULT_DAYS, by=None
) -> tuple[ApiToken, str]:
    """A new token for ``user`` and the secret, which is not stored and cannot be shown again."""
    if user.practice_id is None:
        raise TokenError("Only a member of a practice can hold an API token.")
    if not user.is_active:
        raise TokenError("The account is deactivated.")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"A token lives from 1 to {MAX_DAYS} days.")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        practice_id=user.practice_id,
        user=user,
        name=name.strip()[:80],
        token_hash=token_hash(secret),
        prefix=secret[:SHOWN],
        created_at=now,
        created_by=by,
        expires_at=now + datetime.timedelta(days=days),
    )
    audit_record(
        practice_id=user.practice_id,
        actor=by,
        action="api.token.create",
        resource_type="ApiToken",
        resource_id=token.pk,
        reason=f"token {token.pk} ({token.prefix}) for {user.username}, {days} days",
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, by=None) -> ApiToken:
    locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if locked.revoked_at is not None:
        raise TokenError(f"Token {locked.pk} was already revoked.")
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        practice_id=locked.practice_id,
        actor=by,
        action="api.token.revoke",
        resource_type="ApiToken",
        resource_id=locked.pk,
        reason=f"token {locked.pk} ({locked.prefix}) of {locked.user.username} revoked",
    )
    return locked
