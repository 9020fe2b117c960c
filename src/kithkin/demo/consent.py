"""Alexis's authorizations: one signed, for her doctor, with one release of her scores under
it (so her accounting of disclosures has a row), and one drafted, waiting in her portal for her
to read and sign. The recipients are made up, at example addresses."""

import datetime

from django.utils import timezone

from kithkin.consent.services import authorization_draft, authorization_sign, release_make
from kithkin.core.consent import Category, Party, ReleaseRequest

DOCTOR = {
    "recipient_name": "Dr Imani Hollis",
    "recipient_organisation": "Springfield Family Medicine",
    "recipient_contact": "records@springfield-family.example",
}
GROUP = {
    "recipient_name": "Jordan Pike, LCSW",
    "recipient_organisation": "Lakeside Group Practice",
    "recipient_contact": "intake@lakeside.example",
}
FOR_THE_DOCTOR = "Coordination of care with my doctor"


def alexis_consents(practice, alexis, alice, login, today: datetime.date) -> None:
    signed = authorization_draft(
        client=alexis,
        by=alice,
        categories=[Category.MEASURES],
        purposes=[FOR_THE_DOCTOR],
        expires_on=today + datetime.timedelta(days=180),
        **DOCTOR,
    )
    authorization_sign(
        authorization=signed,
        by=login,
        typed_name="Alexis Rowan",
        shown_sha256=signed.text_sha256,
        via="portal",
    )
    release_make(
        client=alexis,
        by=alice,
        request=ReleaseRequest(
            recipient=Party(**{k.removeprefix("recipient_"): v for k, v in DOCTOR.items()}),
            categories=frozenset({Category.MEASURES}),
            purpose=FOR_THE_DOCTOR,
            information_from=today - datetime.timedelta(weeks=10),
            information_to=today,
            at=timezone.now(),
        ),
    )
    # A group she may join alongside individual therapy: drafted with her, not yet signed.
    authorization_draft(
        client=alexis,
        by=alice,
        categories=[Category.PLAN, Category.PROGRESS_SUMMARIES],
        purposes=["Joining a group alongside individual therapy"],
        expiry_event="the end of my time in the group",
        **GROUP,
    )
