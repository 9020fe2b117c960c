"""Background jobs of the FHIR facade. ``run_huey`` finds this module by autodiscovery (it
imports ``tasks`` from every app in INSTALLED_APPS)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kithkin.fhir.export import export_run, exports_sweep


@db_task()
def export_job(job_id: int) -> None:
    """A bulk $export. No retries: a failed job says so at its status URL, and the receiving
    system starts another when it is ready."""
    export_run(job_id)


@db_periodic_task(crontab(minute="*/15"))
def export_expiry() -> None:
    """Deletes the files of exports past their 24 hours (the status URL also does, when
    polled)."""
    exports_sweep()
