"""Forms of the matching pages. The vocabularies come from kithkin.core.matching, so the
profile and the inquiry speak the same codes."""

from django import forms

from kithkin.core import matching
from kithkin.matching.models import GENDER_CHOICES


def _choices(vocabulary: dict[str, str], *, capitalise: bool = False) -> list[tuple[str, str]]:
    return [
        (code, label[:1].upper() + label[1:] if capitalise else label)
        for code, label in vocabulary.items()
    ]


def _many(label: str, vocabulary: dict[str, str], help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=_choices(vocabulary, capitalise=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class ProfileForm(forms.Form):
    degree = forms.CharField(label="Degree", max_length=100, required=False)
    licence_number = forms.CharField(label="Licence number", max_length=60, required=False)
    licence_jurisdiction = forms.CharField(
        label="Licensed in", max_length=100, required=False, help_text="The state or country."
    )
    specialties = _many(
        "Specialties",
        matching.SPECIALTIES,
        "Matched against the words an inquiry uses about what they want to work on.",
    )
    populations = _many("Who you work with", matching.POPULATIONS)
    modalities = _many("Modalities", matching.MODALITIES)
    languages = _many("Languages you offer therapy in", matching.LANGUAGES)
    gender = forms.ChoiceField(
        label="Your gender",
        choices=GENDER_CHOICES,
        required=False,
        help_text="Optional: some clients ask for a woman or a man therapist.",
    )
    faith_integrated = forms.BooleanField(
        label="I integrate faith into therapy when a client wishes", required=False
    )
    times = _many("When you see clients", matching.TIMES)
    settings = _many("How you see clients", matching.OFFERED_SETTINGS)
    bio = forms.CharField(
        label="About you",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="A few sentences a colleague can read when matching a client to you.",
    )
    capacity = forms.IntegerField(
        label="How many clients you can see",
        min_value=0,
        max_value=500,
        help_text="Your open slots are this number minus your clients in an open episode.",
        error_messages={"required": "Say how many clients you can see (0 if none)."},
    )
    accepting_new = forms.BooleanField(label="I am accepting new clients", required=False)


class AcceptForm(forms.Form):
    therapist_id = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": "Choose the therapist to match this inquiry with."},
    )
