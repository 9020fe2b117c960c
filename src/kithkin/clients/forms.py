import datetime
import re

from django import forms

from kithkin.clients.models import Client
from kithkin.clients.services import CLIENT_FIELDS

PHONE = re.compile(r"^\+?[0-9 ()./-]{6,30}$")


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = CLIENT_FIELDS
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "address": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"given_name": "Given name", "family_name": "Family name"}
        help_texts = {
            "preferred_name": "The name the client wants to be called, if different.",
            "pronouns": "For example she/her, he/him, they/them.",
        }

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born is None:
            return born
        if born > datetime.date.today():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if born.year < 1900:
            raise forms.ValidationError("Enter a date of birth after 1900.")
        return born

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(
                "Enter a phone number using digits, spaces and + ( ) - . / only."
            )
        return phone


class CaseloadFilter(forms.Form):
    """The caseload dashboard's filters and order, from the query string. Bad values are reported
    beside the field and the unfiltered caseload is shown."""

    q = forms.CharField(required=False, max_length=80, label="Name contains")
    stage = forms.ChoiceField(
        required=False,
        label="Stage",
        choices=[
            ("", "Any stage"),
            ("beginning", "Beginning"),
            ("middle", "Middle"),
            ("ending", "Ending"),
            ("none", "No open episode"),
        ],
    )
    attention = forms.BooleanField(required=False, label="Only clients who need attention")
    sort = forms.ChoiceField(
        required=False,
        label="Order by",
        choices=[
            ("name", "Name"),
            ("attention", "Needs attention first"),
            ("next", "Next session, soonest first"),
            ("last", "Last session, longest ago first"),
            ("phase", "Phase"),
        ],
    )


class ClientFinderForm(forms.Form):
    """The admin names the client who asked, by full name and date of birth: never a list to
    browse, as for emergency access."""

    full_name = forms.CharField(
        label="Client's full name",
        max_length=200,
        help_text="Given and family name, as on the record.",
    )
    date_of_birth = forms.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )


class RestrictionForm(forms.Form):
    request = forms.CharField(
        label="What did the client ask for?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text="Their words, or where their letter or email is kept. Stored encrypted.",
    )
    requested_on = forms.DateField(
        label="Date of the request", widget=forms.DateInput(attrs={"type": "date"})
    )
    confirm = forms.BooleanField(
        label="I have told the client what a restriction does and that the record is kept.",
    )


class RestrictionLiftForm(forms.Form):
    reason = forms.CharField(
        label="Why is the restriction lifted?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="For example: the client withdrew their request in writing on a given date.",
    )
    confirm = forms.BooleanField(
        label="The record goes back on its therapists' caseloads, reminders and exports.",
    )
