"""Background jobs about accounts."""

from importlib import import_module

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="3", minute="17"))
def clear_expired_sessions() -> None:
    """Nightly: expired sessions are deleted, so a stolen cookie's row does not linger."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
