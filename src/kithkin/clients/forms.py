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
