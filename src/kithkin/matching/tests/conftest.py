"""Helpers for the matching tests: profiles for the practice's clinicians, and an inquiry.

bob specialises in depression and sees clients on weekday evenings by video; sam integrates
faith and speaks Spanish; alice has room but offers neither. Robin Hale reached out about
feeling depressed, in the evening, by video.
"""

import uuid

from kithkin.inquiries.models import Inquiry
from kithkin.matching.services import profile_save
from kithkin.measures.services import fit_review_create

BASE = {
    "degree": "",
    "licence_number": "",
    "licence_jurisdiction": "",
    "specialties": [],
    "populations": ["adults"],
    "modalities": [],
    "languages": ["en"],
    "gender": "",
    "faith_integrated": False,
    "times": ["weekday_daytime"],
    "settings": ["in_person"],
    "bio": "",
    "capacity": 5,
    "accepting_new": True,
}


def profile(therapist, **changes):
    return profile_save(therapist=therapist, **{**BASE, **changes})


def profiles(world):
    """The three Riverside clinicians' profiles (mallory's practice has one too)."""
    return {
        "bob": profile(
            world.bob,
            degree="MSW",
            specialties=["depression"],
            times=["weekday_evening"],
            settings=["video"],
            capacity=4,
        ),
        "sam": profile(world.sam, faith_integrated=True, languages=["en", "es"], capacity=3),
        "alice": profile(world.alice, capacity=10),
        "mallory": profile(world.mallory, specialties=["depression"], capacity=9),
    }


def inquiry(world, *, practice=None, **changes):
    fields = {
        "practice": practice or world.practice,
        "concerns": "I have felt depressed since the winter.",
        "availability": ["weekday_evening"],
        "setting": "video",
        "name": "Robin Hale",
        "email": "robin@example.org",
        **changes,
    }
    return Inquiry.objects.create(**fields)


def refer(world, client=None, by=None, decision="refer"):
    """A fit review of carol's (by default) that decided to refer."""
    return fit_review_create(
        client=client or world.carol,
        by=by or world.alice,
        feedback="The alliance scores keep falling; we agreed the fit is not right.",
        decision=decision,
        idempotency_key=str(uuid.uuid4()),
    )
