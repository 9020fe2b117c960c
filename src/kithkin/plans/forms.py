"""Forms of the plan pages. They collect and type the request; the rules (target dates, the
cadence, whose people a goal may involve) live in the core and the services, so a refusal
comes back in their words beside the field it concerns."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from kithkin.core.plans import PlanError, check_cadence_every
from kithkin.plans.models import (
    ACHIEVEMENT_CHOICES,
    CADENCE_CHOICES,
    LIFECYCLE_CHOICES,
    MEASURE_CHOICES,
)

TEXT = {"rows": 4}
DATE = {"type": "date"}
OUT_OF_DATE = "This form is out of date. Reload the page and try again."


class KeyedForm(forms.Form):
    """A form that creates something carries a fresh random token, so sending it twice
    creates it once (the services store the token under a unique constraint)."""

    key = forms.UUIDField(widget=forms.HiddenInput, error_messages={"required": OUT_OF_DATE})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4())


class StartForm(KeyedForm):
    starts_on = forms.DateField(
        label="The plan starts on",
        widget=forms.DateInput(attrs=DATE),
        help_text="Goals' target dates fall on or after this day.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("starts_on", timezone.localdate())


class RevisionForm(KeyedForm):
    pass


class SectionsForm(forms.Form):
    starts_on = forms.DateField(label="The plan starts on", widget=forms.DateInput(attrs=DATE))
    concerns = forms.CharField(
        label="Concerns, in the client's words",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs=TEXT),
    )
    relational_context = forms.CharField(
        label="Relational context",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs=TEXT),
        help_text="The relationships and systems around the client: resources as well as "
        "challenges.",
    )
    objectives = forms.CharField(
        label="Objectives and interventions",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs=TEXT),
    )
    recommendations = forms.CharField(
        label="Recommendations", required=False, max_length=8000, widget=forms.Textarea(attrs=TEXT)
    )
    cadence_every = forms.IntegerField(
        label="Check in every",
        widget=forms.NumberInput(attrs={"min": 1, "max": 52}),
        help_text="A number from 1 to 52.",
    )
    cadence_unit = forms.ChoiceField(label="Weeks or sessions", choices=CADENCE_CHOICES)

    def clean_cadence_every(self):
        every = self.cleaned_data["cadence_every"]
        try:
            return check_cadence_every(every)
        except PlanError as refused:
            raise ValidationError(str(refused)) from None

    @classmethod
    def of(cls, version, data=None):
        initial = {
            name: getattr(version, name)
            for name in (
                "starts_on",
                "concerns",
                "relational_context",
                "objectives",
                "recommendations",
                "cadence_every",
                "cadence_unit",
            )
        }
        return cls(data, initial=initial, prefix="plan")


def partner_choices(people) -> list[tuple[int, str]]:
    """The client's people as choices for a goal, read once for every goal form on a page."""
    choices = []
    for person in people:
        label = f"{person.name} ({person.role})" if person.role else person.name
        partner = getattr(person, "partner", None)
        if partner is not None and partner.involvement == "unaware":
            # Seed 000's roommate: the plan may be about her, but she is never contacted.
            label += ", unaware: never contacted"
        choices.append((person.pk, label))
    return choices


class GoalForm(forms.Form):
    description = forms.CharField(
        label="The goal, in the client's own words",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    criterion = forms.CharField(
        label="How you will both know it is reached",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    target_date = forms.DateField(label="Target date", widget=forms.DateInput(attrs=DATE))
    lifecycle = forms.ChoiceField(label="Status", choices=LIFECYCLE_CHOICES, initial="proposed")
    achievement = forms.ChoiceField(
        label="Progress", choices=ACHIEVEMENT_CHOICES, initial="in_progress"
    )
    measure = forms.ChoiceField(
        label="Measure", choices=MEASURE_CHOICES, required=False, initial=""
    )
    partners = forms.TypedMultipleChoiceField(
        label="Therapy partners it involves",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this client's people are offered or accepted: another client's person is "not
        # one of the available choices".
        self.fields["partners"].choices = partner_choices(people)

    @classmethod
    def of(cls, goal, *, people, data=None):
        initial = {
            "description": goal.description,
            "criterion": goal.criterion,
            "target_date": goal.target_date,
            "lifecycle": goal.lifecycle,
            "achievement": goal.achievement,
            "measure": goal.measure,
            "partners": [p.pk for p in getattr(goal, "people", [])],
        }
        return cls(data, initial=initial, people=people, prefix=f"g{goal.number}")


class NewGoalForm(KeyedForm, GoalForm):
    pass


class CheckInForm(KeyedForm):
    held_on = forms.DateField(label="Held on", widget=forms.DateInput(attrs=DATE))
    note = forms.CharField(
        label="Notes on the check-in",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    revise = forms.BooleanField(
        label="Revise the plan: start a new draft with this progress",
        required=False,
        help_text="The signed plan stays as it is; the draft is signed when it is ready.",
    )

    def __init__(self, *args, goals, latest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("held_on", timezone.localdate())
        self.goals = goals
        latest = latest or {}
        for goal in goals:
            known = latest.get(goal.number)
            self.fields[f"a{goal.pk}"] = forms.ChoiceField(
                label="Progress",
                choices=ACHIEVEMENT_CHOICES,
                initial=known.achievement if known else goal.achievement,
            )
            self.fields[f"n{goal.pk}"] = forms.CharField(
                label="A short note", required=False, max_length=500
            )

    def goal_rows(self):
        return [(goal, self[f"a{goal.pk}"], self[f"n{goal.pk}"]) for goal in self.goals]

    def progress(self) -> dict[int, tuple[str, str]]:
        return {
            goal.pk: (self.cleaned_data[f"a{goal.pk}"], self.cleaned_data[f"n{goal.pk}"])
            for goal in self.goals
        }


class AcknowledgeForm(forms.Form):
    # The version the client read, so a plan revised meanwhile is not agreed to unseen.
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": OUT_OF_DATE})
