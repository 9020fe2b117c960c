"""Reads from a PostgreSQL read replica, when one is configured (KITHKIN_REPLICA_DATABASE_URL).

Every read goes to the primary unless a code path says it is safe to read a few seconds stale:
the practice's reports, the FHIR searches and the bulk $export worker, which are the heavy
reads. Even then a user who wrote recently reads from the primary, so a therapist never saves a
note and then misses it in the next search because the replica has not caught up. Writes, and
every read inside a transaction, always go to the primary.

Without a replica nothing here is installed (settings add the router and the middleware only
then), and :func:`replica_reads` changes nothing.
"""

import contextlib
import contextvars
import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
PIN_CACHE = "replica_pins"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# A contextvar, not a thread-local: it is reset on the way out even when the view raises, and it
# follows the request through sync_to_async, so one request's choice never leaks into the next
# request on the same gunicorn thread.
_reading_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "kithkin_replica_reads", default=False
)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _pins():
    # Pins must be shared by every process that serves the user (the gunicorn workers and the
    # job workers): settings point this alias at Redis, or at files under var/ on one machine.
    return caches[PIN_CACHE if PIN_CACHE in settings.CACHES else "default"]


def _pin_seconds() -> int:
    return getattr(settings, "KITHKIN_REPLICA_PIN_SECONDS", 10)


def _now() -> float:
    return time.time()


def _pin_key(user_id: int) -> str:
    return f"kithkin:replica-pin:{user_id}"


def pin_to_primary(user_id: int) -> None:
    """Records that this user just wrote: their reads stay on the primary for a while."""
    _pins().set(_pin_key(user_id), _now(), timeout=_pin_seconds())


def wrote_recently(user_id: int) -> bool:
    # The time is compared here too, and not left to the cache's expiry alone, so that the
    # window is exactly KITHKIN_REPLICA_PIN_SECONDS whatever the cache backend's resolution.
    wrote_at = _pins().get(_pin_key(user_id))
    return wrote_at is not None and _now() - wrote_at < _pin_seconds()


@contextlib.contextmanager
def replica_reads(*, user=None):
    """Reads inside the block may come from the replica, unless ``user`` wrote recently."""
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    use = replica_configured() and not (user_id is not None and wrote_recently(user_id))
    token = _reading_replica.set(use)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def replica_safe(view):
    """Marks a view whose GETs may read from the replica. Put it under the decorator that
    authenticates, so the user is known; the authentication itself (the session, the token, its
    revocation) has already been read from the primary by then. A POST or DELETE through the
    same view reads from the primary throughout, because what it reads it may write back."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in SAFE_METHODS:
            return view(request, *args, **kwargs)
        with replica_reads(user=request.user):
            return view(request, *args, **kwargs)

    return wrapped


# The facts the access policy decides on: who the user is, whose caseload a client is on, an
# emergency grant, an API token, an authorization to release. Read a few seconds stale, a
# relationship ended or a grant revoked a moment ago would still open the record, so they are
# read from the primary even inside replica_reads().
ACCESS_FACTS = frozenset(
    {
        "accounts.User",
        "accounts.EmergencyAccess",
        "api.ApiToken",
        "relationships.TherapyRelationship",
        "consent.Authorization",
    }
)


class ReplicaRouter:
    """Django's router for the two databases. The primary is ``default``."""

    def db_for_read(self, model, **hints):
        # Inside a transaction the reads must see the transaction's own writes and hold its
        # locks (audit_record reads the chain head FOR UPDATE), so they stay on the primary.
        if (
            _reading_replica.get()
            and model._meta.label not in ACCESS_FACTS
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: an object read from one may point at
        # an object read from the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica gets the schema by replication from the primary.
        return db == DEFAULT_DB_ALIAS


class ReplicaPinMiddleware:
    """After any request that may have written (not GET, HEAD or OPTIONS), its user reads from
    the primary for KITHKIN_REPLICA_PIN_SECONDS. Runs after the view, so a user authenticated by
    an API token in the view is known here too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                pin_to_primary(user.pk)
        return response
