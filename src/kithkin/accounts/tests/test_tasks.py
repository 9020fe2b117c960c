import datetime

from django.contrib.sessions.models import Session
from django.utils import timezone

from kithkin.accounts.tasks import clear_expired_sessions


def test_the_nightly_job_deletes_expired_sessions_and_keeps_live_ones(db):
    now = timezone.now()
    Session.objects.create(
        session_key="old", session_data="", expire_date=now - datetime.timedelta(hours=1)
    )
    Session.objects.create(
        session_key="live", session_data="", expire_date=now + datetime.timedelta(hours=1)
    )
    clear_expired_sessions.call_local()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_the_job_is_scheduled_nightly():
    from kithkin.accounts.tasks import clear_expired_sessions as task

    # huey's periodic tasks carry their crontab as validate_datetime.
    at_3_17 = datetime.datetime(2026, 11, 23, 3, 17)
    assert task.task_class().validate_datetime(at_3_17)
    assert not task.task_class().validate_datetime(at_3_17.replace(hour=14))
