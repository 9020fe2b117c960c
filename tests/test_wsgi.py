"""The WSGI application any server loads (``kithkin serve`` runs gunicorn on it)."""

import os
import subprocess
import sys


def test_it_loads_every_view_and_freezes_what_it_loaded():
    code = (
        "import gc, sys; import kithkin.wsgi; "
        "print(gc.get_freeze_count(), 'kithkin.fhir.views' in sys.modules, "
        "callable(kithkin.wsgi.application))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kithkin.test_settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    frozen, views_loaded, callable_app = done.stdout.split()
    # Tens of thousands of objects: Django, the views and fhir.resources' models.
    assert int(frozen) > 10_000
    assert views_loaded == "True" and callable_app == "True"
