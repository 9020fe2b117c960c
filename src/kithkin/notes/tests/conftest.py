import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.core.notes import NoteText
from kithkin.schedule.models import Session

WRITTEN = NoteText(
    focus="Asking Diane to share the bills",
    interventions="Rehearsed the first sentence together",
    response="Laughed, then tried it twice",
    plan="Try it at home before Sunday",
    between_us="She checked my face after each try; I said so, and she softened",
)
# A psychotherapy note's words, looked for on every page that must not show them.
PRIVATE = "My own pull to rescue her from the silence at home"


@pytest.fixture
def session(world):
    """Carol's attended session with alice, yesterday."""
    return Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        status=Session.Status.ATTENDED,
    )


@pytest.fixture
def urls(world, session):
    def url(name, client_record=None, the_session=None):
        client_record = client_record or world.carol
        the_session = the_session or session
        return reverse(name, args=[client_record.pk, the_session.pk])

    return url


def form_data(text: NoteText = WRITTEN) -> dict:
    return {
        "focus": text.focus,
        "interventions": text.interventions,
        "response": text.response,
        "plan": text.plan,
        "between_us": text.between_us,
    }
