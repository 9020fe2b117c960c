"""Writes about accounts and access."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kithkin.accounts.models import EmergencyAccess
from kithkin.audit.services import audit_record


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
        reason=reason,
        ip=ip,
        emergency=True,
    )
    return grant
