"""Helpers for the referral tests: carol's authorizations and referrals.

Carol is referred out to Dr Okafor (the consent tests' recipient), or transferred within the
practice to bob, under an authorization that names him and covers her full record.
"""

import uuid

from kithkin.consent.tests.conftest import (  # noqa: F401 - fixtures for the referral tests
    OKAFOR,
    carols_record,
    partners,
    record,
    released,
    signed,
)
from kithkin.referrals import services
from kithkin.relationships.models import Episode
from kithkin.relationships.services import episode_open

SUMMARY = "We worked on sleep and on the arguments at home. Carol wants a specialist in trauma."


def for_okafor(world, **changes):
    """Carol's signed authorization for Dr Okafor, covering summaries of the therapy."""
    return signed(world, **{"categories": ["progress_summaries", "plan"], **changes})


def for_bob(world, **changes):
    """Carol's signed authorization for bob, as the practice knows him, for her whole record."""
    fields = {
        "categories": ["full_record"],
        "recipient_name": world.bob.display_name,
        "recipient_organisation": world.practice.name,
        "recipient_contact": "",
        **changes,
    }
    return signed(world, **fields)


def carols_episode(world) -> Episode:
    """Carol's open episode with alice (opened if there is none)."""
    relationship = world.carol.therapy_relationships.get(therapist=world.alice)
    found = relationship.episodes.exclude(phase="closed").first()
    return found or episode_open(relationship=relationship, by=world.alice)


def external(world, authorization=None, **changes):
    fields = {
        "client": world.carol,
        "by": world.alice,
        "kind": "external",
        "reason": "specialty",
        "handoff_summary": SUMMARY,
        "written_with_client": True,
        "authorization": authorization or for_okafor(world),
        **OKAFOR,
        **changes,
    }
    return services.referral_draft(**fields)


def internal(world, authorization=None, **changes):
    carols_episode(world)
    fields = {
        "client": world.carol,
        "by": world.alice,
        "kind": "internal",
        "reason": "capacity",
        "handoff_summary": SUMMARY,
        "written_with_client": True,
        "authorization": authorization or for_bob(world),
        "to_therapist": world.bob,
        **changes,
    }
    return services.referral_draft(**fields)


def carols_referral(world):
    """One drafted external referral of carol's, made once per world (the URL tests' id)."""
    found = getattr(world, "carols_referral", None)
    if found is None:
        found = world.carols_referral = external(world, key=uuid.uuid4())
    return found
