"""Bearer tokens for the REST API (and the FHIR facade): ``Authorization: Bearer <token>``.

Only the header authenticates. A session cookie never does: the API takes no CSRF token, so a
cookie would let any page the user visits make requests in their name.
"""

import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from kithkin.api.models import ApiToken
from kithkin.api.services import token_hash

# Writing last_used_at on every request would turn each read into a write; a minute's
# resolution says as much about when a token was last used.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
# The channel marker the access helper adds to audit reasons ("[via api]").
CHANNEL = "api"


def user_for_bearer(request: HttpRequest, *, channel: str = CHANNEL):
    """The active user whose unexpired, unrevoked token the request carries, or None.

    On success ``request.user`` is that user (so ``kithkin.accounts.access`` works as for a
    page), ``request.api_token`` the token, and ``request.kithkin_channel`` marks the audit
    events as coming through ``channel`` (the FHIR facade passes its own)."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return _user_for_secret(request, secret.strip(), channel)


def _user_for_secret(request: HttpRequest, secret: str, channel: str = CHANNEL):
    # get(), not first(): the hash is unique, and first()'s ORDER BY costs as much again to
    # compile over the token's and the user's columns.
    try:
        token = ApiToken.objects.select_related("user").get(token_hash=token_hash(secret))
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    if token.revoked_at is not None or token.expires_at <= now:
        return None
    user = token.user
    # A deactivated user, or one moved to another practice, loses every token at once.
    if not user.is_active or user.practice_id != token.practice_id:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    request.user = user
    request.api_token = token
    request.kithkin_channel = channel
    return user


class BearerToken(HttpBearer):
    """django-ninja's view of :func:`user_for_bearer`: a missing, unknown, expired or revoked
    token, or a deactivated user, all answer 401 with the same body."""

    def authenticate(self, request: HttpRequest, token: str):
        return _user_for_secret(request, token.strip()) if token.strip() else None
