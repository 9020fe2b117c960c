"""Forms of the lapse pages. They type what is asked; the rule (when an episode may close as
lapsed) lives in kithkin.core.lapses, whose reasons come back beside the form."""

from django import forms
from django.utils import timezone

from kithkin.lapses.settings_services import DAYS_MAX, DAYS_MIN


class LetterSentForm(forms.Form):
    sent_on = forms.DateField(label="Sent on", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label="How it was sent",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="By post, from the practice's email, with a voicemail too.",
    )

    def clean_sent_on(self):
        sent_on = self.cleaned_data["sent_on"]
        if sent_on > timezone.localdate():
            raise forms.ValidationError("A letter cannot have been sent in the future.")
        return sent_on


class CloseForm(forms.Form):
    short_review = forms.CharField(
        label="A short review",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            "Even without the client: what the work was, where it stood when it went quiet, and "
            "what it might have needed. If the client returns, this is where you start."
        ),
    )


def _days(label: str, help_text: str) -> forms.IntegerField:
    bounds = f"Give a number of days from {DAYS_MIN} to {DAYS_MAX}."
    return forms.IntegerField(
        label=label,
        min_value=DAYS_MIN,
        max_value=DAYS_MAX,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": DAYS_MIN, "max": DAYS_MAX, "step": 1}),
        error_messages={
            "required": bounds,
            "invalid": bounds,
            "min_value": bounds,
            "max_value": bounds,
        },
    )


class LapseSettingsForm(forms.Form):
    quiet_days = _days(
        "Days without an attended session",
        "With nothing booked, a relationship this long without a session attended goes on its "
        "therapist's lapse worklist. Six weeks (42) suits weekly therapy; a practice seeing "
        "clients monthly needs more.",
    )
    close_after_days = _days(
        "Further days before it may close as lapsed",
        "Counted from the day it was found: the time the client has to answer the invitation "
        "to an ending session.",
    )
