"""The forms of the at-home exercise, one per step. Each person gets their own fields, so each
can sit in a fieldset named for them; the core checks every value again when it is saved."""

from django import forms

from kithkin.core.spheres import RATING_WORDS, RING_CLOSEST, RING_FURTHEST
from kithkin.core.vocabulary import COMPONENTS, TYPES

RINGS = [
    (ring, {RING_CLOSEST: "1, closest and safest", RING_FURTHEST: "5, furthest"}.get(ring, ring))
    for ring in range(RING_CLOSEST, RING_FURTHEST + 1)
]
OFF_THE_MAP = ("", "Not on this map")
RATINGS = list(RATING_WORDS.items())
GO = [("back", "Back"), ("stay", "Save"), ("next", "Next"), ("later", "Save and finish later")]


class StepForm(forms.Form):
    """Every step's buttons say where to go once the page is saved."""

    go = forms.ChoiceField(
        choices=GO,
        error_messages={
            "required": "Choose Back, Next or Save and finish later.",
            "invalid_choice": "Choose Back, Next or Save and finish later.",
        },
    )


class PersonForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        label="Name",
        help_text="A name or a label, such as 'my coworkers'.",
        error_messages={"required": "Give the person a name or a label."},
    )
    role = forms.CharField(
        max_length=80,
        required=False,
        label="Who they are to you",
        help_text="For example: mother, roommate, friend from school.",
    )


class PlaceForm(StepForm):
    """Step 2: a ring for each person, or none to leave them off this map."""

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = list(people)
        for person in self.people:
            self.fields[f"ring_{person.pk}"] = forms.TypedChoiceField(
                choices=[OFF_THE_MAP, *RINGS],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                label=person.name,
                error_messages={
                    "invalid_choice": (
                        f"Choose a ring for {person.name} from 1 (closest) to 5 (furthest), or "
                        "leave them off this map."
                    )
                },
            )

    def rows(self):
        return [(person, self[f"ring_{person.pk}"]) for person in self.people]

    def rings(self) -> dict[int, int | None]:
        return {person.pk: self.cleaned_data[f"ring_{person.pk}"] for person in self.people}


class TypesForm(StepForm):
    """Step 3: the kinds of relationship, as many as fit, for each person on the map."""

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = list(people)
        for person in self.people:
            self.fields[f"types_{person.pk}"] = forms.MultipleChoiceField(
                choices=[(t.key, t.label) for t in TYPES.values()],
                required=False,
                widget=forms.CheckboxSelectMultiple,
                label=person.name,
                error_messages={
                    "invalid_choice": "%(value)s is not one of the 13 kinds of relationship."
                },
            )

    def rows(self):
        return [(person, self[f"types_{person.pk}"]) for person in self.people]

    def types(self) -> dict[int, list[str]]:
        return {person.pk: self.cleaned_data[f"types_{person.pk}"] for person in self.people}


class RatingsForm(StepForm):
    """Step 4: the 14 components for one person, each absent, partly or clearly there."""

    person = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for component in COMPONENTS.values():
            self.fields[f"c_{component.key}"] = forms.TypedChoiceField(
                choices=RATINGS,
                coerce=int,
                empty_value=0,
                required=False,
                initial=0,
                widget=forms.RadioSelect,
                label=component.label,
                help_text=component.description,
                error_messages={
                    "invalid_choice": (
                        f"For {component.label.lower()}, choose absent, partly or clearly."
                    )
                },
            )

    def rows(self):
        return [self[f"c_{key}"] for key in COMPONENTS]

    def ratings(self) -> dict[str, int]:
        # Stored like the therapist's maps: only what is at least partly there.
        return {key: v for key in COMPONENTS if (v := self.cleaned_data[f"c_{key}"])}


def _reflection() -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        label="Your reflection",
        help_text=(
            "What do you notice? What surprised you? Anything you would like to talk about with "
            "your therapist."
        ),
    )


class ReflectForm(StepForm):
    """Step 5: the reflection, kept as a draft until the client finishes."""

    reflection = _reflection()


class FinishForm(forms.Form):
    """Finishing needs no destination: it always goes to the finished map."""

    reflection = _reflection()
