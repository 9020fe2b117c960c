from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kithkin.web.maintenance import optimize_database


@db_periodic_task(crontab(hour="3", minute="41"))
def nightly_optimize() -> None:
    """Nightly: refresh the planner's statistics so page queries keep using their indexes."""
    optimize_database()
