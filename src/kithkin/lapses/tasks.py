from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kithkin.lapses.services import lapses_scan


@db_periodic_task(crontab(hour="2", minute="23"))
def lapses_nightly_scan() -> None:
    """Every night: relationships gone quiet go on their therapist's worklist while an
    invitation to an ending session can still land (seed 004), and those whose client came
    back come off it."""
    lapses_scan()
