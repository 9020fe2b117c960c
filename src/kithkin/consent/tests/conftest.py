"""Helpers for the consent tests: carol's authorization for Dr Okafor, drafted and signed."""

import datetime

import pytest
from django.utils import timezone

from kithkin.consent.services import authorization_draft, authorization_sign
from kithkin.core.notes import NoteText
from kithkin.fhir.tests.conftest import carols_record, partners, record  # noqa: F401
from kithkin.notes import services as notes
from kithkin.plans import services as plans

OKAFOR = {
    "recipient_name": "Dr Ngozi Okafor",
    "recipient_organisation": "Riverside Counselling",
    "recipient_contact": "referrals@riverside.example",
}


def draft(world, **changes):
    """Carol's plan and scores for Dr Okafor, for continuity of care, for 90 days."""
    fields = {
        "client": world.carol,
        "by": world.alice,
        "categories": ["plan", "measures"],
        "purposes": ["Continuity of care"],
        "expires_on": timezone.localdate() + datetime.timedelta(days=90),
        **OKAFOR,
        **changes,
    }
    return authorization_draft(**fields)


def sign(world, authorization, **changes):
    """Carol signs the text she was shown, in the portal."""
    fields = {
        "authorization": authorization,
        "by": world.carol_login,
        "typed_name": "Carol Quill",
        "shown_sha256": authorization.text_sha256,
        "via": "portal",
        **changes,
    }
    return authorization_sign(**fields)


def signed(world, **changes):
    return sign(world, draft(world, **changes))


@pytest.fixture
def released(request, db):
    """carol's record (fhir conftest: Diane unaware, Maria joint, a PHQ-9, a psychotherapy
    note) with the plan signed and a signed progress note that names Diane."""
    world = request.getfixturevalue("record")
    plans.version_sign(version=world.version, by=world.alice)
    notes.progress_note_sign(
        session=world.session,
        by=world.alice,
        text=NoteText(
            focus="Rent arguments with Diane",
            interventions="Role-played asking Diane for the money",
            response="Carol felt able to say no to her roommate",
            plan="Keep a note of what she says to Diane",
            between_us="Carol tested whether I would side with Diane",
        ),
    )
    return world


def carols_release(world):
    """Carol's signed authorization for Dr Okafor and one release under it (for the
    authorization matrix and the tenancy test)."""
    from kithkin.consent.services import release_make
    from kithkin.core.consent import Category, Party, ReleaseRequest

    authorization = signed(world)
    disclosure = release_make(
        client=world.carol,
        by=world.alice,
        request=ReleaseRequest(
            recipient=Party(**{k.removeprefix("recipient_"): v for k, v in OKAFOR.items()}),
            categories=frozenset({Category.MEASURES}),
            purpose="Continuity of care",
            information_from=timezone.localdate() - datetime.timedelta(days=30),
            information_to=timezone.localdate(),
            at=timezone.now(),
        ),
    )
    return authorization, disclosure
