"""Therapist profiles: what each clinician offers, so an inquiry can be matched to the right
person (issue 9). A profile is the clinician's own description of their work; it holds no client
data, and the open slots are never stored: they are counted from the open episodes."""

from django.conf import settings
from django.db import models

from kithkin.core import matching
from kithkin.practices.models import PracticeScoped

GENDER_CHOICES = [("", "Not said"), *matching.GENDERS.items()]


class TherapistProfile(PracticeScoped):
    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="therapist_profile"
    )
    degree = models.CharField(max_length=100, blank=True)
    # The licence a client or a payer can check: its number and who issued it.
    licence_number = models.CharField(max_length=60, blank=True)
    licence_jurisdiction = models.CharField(max_length=100, blank=True)
    # Lists of codes from kithkin.core.matching (SPECIALTIES, POPULATIONS, MODALITIES,
    # LANGUAGES, TIMES, OFFERED_SETTINGS).
    specialties = models.JSONField(default=list, blank=True)
    populations = models.JSONField(default=list, blank=True)
    modalities = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    # Self-described, and optional: only the therapist says it, and only if they wish to,
    # because some clients ask for a woman or a man therapist.
    gender = models.CharField(max_length=20, choices=GENDER_CHOICES, blank=True)
    faith_integrated = models.BooleanField(default=False)
    times = models.JSONField(default=list, blank=True)
    settings = models.JSONField(default=list, blank=True)
    bio = models.TextField(blank=True)
    # How many clients in an open episode the therapist can hold; the open slots are this minus
    # the clients they see now, counted when asked.
    capacity = models.PositiveSmallIntegerField(default=0)
    accepting_new = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.therapist}"
