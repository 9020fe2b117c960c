from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kithkin.inquiries.services import inquiries_mark_overdue


@db_periodic_task(crontab(minute="*/15"))
def inquiries_overdue_scan() -> None:
    """Every quarter hour: an inquiry that has waited more than one working day for a first
    response raises the alert (seed 004: the first contact already matters)."""
    inquiries_mark_overdue()
