"""Background jobs about feedback."""

from huey.contrib.djhuey import db_task

from kithkin.measures.reminders import reminder_send


@db_task(retries=3, retry_delay=300)
def session_reminder(session_id: int) -> None:
    """After an attended session: the alliance check-in link, emailed once (see reminders)."""
    reminder_send(session_id=session_id)
