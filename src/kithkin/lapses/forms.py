"""Forms of the lapse pages. They type what is asked; the rule (when an episode may close as
lapsed) lives in kithkin.core.lapses, whose reasons come back beside the form."""

from django import forms
from django.utils import timezone


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
