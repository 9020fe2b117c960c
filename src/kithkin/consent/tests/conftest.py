"""Helpers for the consent tests: carol's authorization for Dr Okafor, drafted and signed."""

import datetime

from django.utils import timezone

from kithkin.consent.services import authorization_draft, authorization_sign

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
