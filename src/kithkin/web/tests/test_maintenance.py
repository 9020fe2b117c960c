from unittest import mock

from django.db import connection

from kithkin.web.maintenance import optimize_database
from kithkin.web.tasks import nightly_optimize


def test_it_refreshes_the_planners_statistics(db):
    optimize_database()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone()[0] == 1


def test_the_nightly_job_runs_it(db):
    with mock.patch("kithkin.web.tasks.optimize_database") as optimize:
        nightly_optimize.call_local()
    optimize.assert_called_once()
