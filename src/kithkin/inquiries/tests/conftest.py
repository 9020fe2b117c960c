"""Helpers for the inquiry tests: a prospective client, Robin, reaching out to riverside.

Robin writes about her grief; those words must reach the practice's clinicians and nobody else
(not the admin, not the audit trail, not the public side, not another practice).
"""

import time

import pytest

from kithkin.inquiries import services
from kithkin.inquiries.forms import form_token

CONCERNS = "Since my father died I cannot sleep, and I argue with my sister about his house."


def robin(**changes) -> dict:
    return {
        "name": "Robin",
        "email": "robin@example.net",
        "phone": "",
        "concerns": CONCERNS,
        "modalities": ["relational"],
        "languages": ["en", "es"],
        "therapist_gender": "woman",
        "therapist_background": "",
        "faith": "",
        "availability": ["weekday_evening"],
        "setting": "video",
        **changes,
    }


def robins_inquiry(world, **changes):
    """Robin's inquiry to riverside, received through the service (the URL tests' id)."""
    return services.inquiry_receive(practice=world.practice, data=robin(**changes), ip="192.0.2.7")


def posted(world, *, seconds_ago: float = 30, **changes) -> dict:
    """What the browser sends: Robin's answers and a token served ``seconds_ago``; the honeypot
    (``website``) only if a change fills it. Empty answers are left out, as a browser does."""
    data = robin(**changes)
    data["token"] = form_token(world.practice.pk, issued=time.time() - seconds_ago)
    return {k: v for k, v in data.items() if v not in ("", [])}


@pytest.fixture(autouse=True)
def empty_cache():
    """The rate limits count in Django's cache (LocMemCache), which outlives a test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
