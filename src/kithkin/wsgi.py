import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kithkin.settings")
application = get_wsgi_application()

# Load every view now (and with them fhir.resources' hundreds of model classes), then move all
# that is loaded to the collector's permanent generation: it lives as long as the process, and a
# full collection no longer walks it. Measured on a 300-session $everything (tens of thousands
# of objects made per request): full collections had put 50 to 200 ms on some requests.
get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view it names
gc.freeze()
