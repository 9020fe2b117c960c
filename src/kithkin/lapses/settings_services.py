"""The practice's own lapse thresholds (issue 9: "no attended session for a configurable number
of days"), set by its admin. Kept apart from the lapse record's writes in services.py.

The bounds: under a week of quiet is an ordinary gap between weekly sessions, not a silence; a
wait under a week after the invitation gives the client no time to answer it; and past a year
either number stops meaning anything for a relationship still called open.
"""

from django.db import transaction

from kithkin.audit.services import audit_record
from kithkin.core.lapses import LapseRule
from kithkin.lapses import selectors
from kithkin.lapses.models import LapseSettings
from kithkin.practices.models import Practice

DAYS_MIN = 7
DAYS_MAX = 365


class LapseSettingsError(ValueError):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def _in_bounds(days: int, field: str) -> None:
    if not DAYS_MIN <= days <= DAYS_MAX:
        raise LapseSettingsError(
            f"Give a number of days from {DAYS_MIN} to {DAYS_MAX}.", field=field
        )


@transaction.atomic
def lapse_settings_set(
    *,
    practice: Practice,
    by,
    quiet_days: int,
    close_after_days: int,
    ip: str | None = None,
) -> LapseRule:
    """Sets the practice's two numbers. The nightly scan reads them from its next run; a
    relationship already on a worklist stays until the scan finds it no longer lapsing, and
    closing as lapsed is judged by the numbers of the day. Setting the numbers they already are
    writes nothing."""
    _in_bounds(quiet_days, "quiet_days")
    _in_bounds(close_after_days, "close_after_days")
    rule = LapseRule(quiet_days=quiet_days, close_after_days=close_after_days)
    # The practice row is the lock: two admins saving at once take turns, and the first save
    # creates the one LapseSettings row.
    Practice.objects.select_for_update().filter(pk=practice.pk).first()
    before = selectors.rules_for([practice.pk])[practice.pk]
    if rule == before:
        return rule
    LapseSettings.objects.update_or_create(
        practice_id=practice.pk,
        defaults={"quiet_days": quiet_days, "close_after_days": close_after_days},
    )
    audit_record(
        practice_id=practice.pk,
        actor=by,
        action="lapse_settings.set",
        resource_type="Practice",
        resource_id=practice.pk,
        reason=f"lapsing after {quiet_days} days without an attended session, closable "
        f"{close_after_days} days after it is found; were {before.quiet_days} and "
        f"{before.close_after_days}",
        ip=ip,
    )
    return rule
