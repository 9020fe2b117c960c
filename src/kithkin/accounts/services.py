"""Writes about accounts and access."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kithkin.accounts.models import EmergencyAccess, User
from kithkin.api.models import ApiToken
from kithkin.audit.services import audit_record
from kithkin.schedule.models import CalendarFeed


@transaction.atomic
def emergency_access_grant(*, by, client, reason: str, ip: str | None = None) -> EmergencyAccess:
    now = timezone.now()
    grant = EmergencyAccess.objects.create(
        practice_id=client.practice_id,
        user=by,
        client=client,
        reason=reason,
        started_at=now,
        expires_at=now + datetime.timedelta(minutes=settings.KITHKIN_EMERGENCY_ACCESS_MINUTES),
    )
    audit_record(
        practice_id=client.practice_id,
        actor=by,
        action="client.break_glass",
        resource_type="Client",
        resource_id=client.pk,
        client_id=client.pk,
        # The reason may hold clinical detail; it stays encrypted on the grant, and the
        # immutable trail points to it.
        reason=f"emergency access grant {grant.pk}",
        ip=ip,
        emergency=True,
    )
    return grant


def _audit_user(*, by, user, action: str, ip: str | None, reason: str = "") -> None:
    audit_record(
        practice_id=user.practice_id,
        actor=by,
        action=action,
        resource_type="User",
        resource_id=user.pk,
        reason=reason,
        ip=ip,
    )


@transaction.atomic
def user_end_sessions(*, user, by, ip: str | None = None, reason: str = "") -> None:
    """Ends every session of ``user`` on every device, at once."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    if user.practice_id:
        _audit_user(by=by, user=user, action="user.end_sessions", ip=ip, reason=reason)


@transaction.atomic
def user_deactivate(*, user, by, ip: str | None = None) -> None:
    """Deactivates an account (never deletes it: the audit trail refers to it), ends its
    sessions, and revokes its API tokens and calendar feed for good: an account reactivated
    later starts with none, rather than finding old secrets (in scripts, in calendar apps)
    working again."""
    User.objects.filter(pk=user.pk).update(is_active=False, session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["is_active", "session_epoch"])
    now = timezone.now()
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=by
    )
    feeds = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    revoked = f"{tokens} API token(s) and {feeds} calendar feed(s) revoked"
    _audit_user(by=by, user=user, action="user.deactivate", ip=ip, reason=revoked)


@transaction.atomic
def two_factor_confirm(*, device, by, ip: str | None = None) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    if by.practice_id:
        _audit_user(by=by, user=by, action="user.two_factor_enrol", ip=ip)


@transaction.atomic
def password_changed(*, user, ip: str | None = None) -> None:
    _audit_user(by=user, user=user, action="user.password_change", ip=ip)


def user_login_recorded(*, user, allowed: bool, ip: str | None) -> None:
    audit_record(
        practice_id=user.practice_id,
        actor=user,
        action="user.login",
        resource_type="User",
        resource_id=user.pk,
        allowed=allowed,
        reason="" if allowed else "wrong password or locked out",
        ip=ip,
    )
