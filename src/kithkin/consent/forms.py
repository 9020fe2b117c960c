"""Forms of the consent pages. They collect and type what is asked; the rules (what an
authorization must hold, what a release may carry) live in the core and the services, whose
refusals come back beside the form in their own words."""

from django import forms

from kithkin.consent.text import CATEGORY_LABELS
from kithkin.core.consent import Category

DATE = {"type": "date"}
TEXT = {"rows": 3}

CATEGORY_CHOICES = [
    (str(c), CATEGORY_LABELS[c][:1].upper() + CATEGORY_LABELS[c][1:]) for c in Category
]
# What a packet can carry: never psychotherapy notes (kithkin.consent.services.NOTES_STAY).
RELEASE_CHOICES = [
    (value, label) for value, label in CATEGORY_CHOICES if value != "psychotherapy_notes"
]


class DraftForm(forms.Form):
    categories = forms.MultipleChoiceField(
        label="Information it covers",
        choices=CATEGORY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Psychotherapy notes need an authorization of their own.",
    )
    recipient_name = forms.CharField(label="Who receives it", max_length=200)
    recipient_organisation = forms.CharField(
        label="Their organisation", max_length=200, required=False
    )
    recipient_contact = forms.CharField(
        label="Where it is sent",
        max_length=300,
        required=False,
        help_text="An address, a secure email or a fax number.",
    )
    purposes = forms.CharField(
        label="Purpose",
        max_length=300,
        help_text="For example: continuity of care. One purpose per line.",
        widget=forms.Textarea(attrs=TEXT),
    )
    expires_on = forms.DateField(
        label="It expires on", required=False, widget=forms.DateInput(attrs=DATE)
    )
    expiry_event = forms.CharField(
        label="Or it expires when",
        max_length=200,
        required=False,
        help_text="For example: the end of my treatment with the recipient.",
    )
    information_from = forms.DateField(
        label="Information from", required=False, widget=forms.DateInput(attrs=DATE)
    )
    information_to = forms.DateField(
        label="Information up to", required=False, widget=forms.DateInput(attrs=DATE)
    )

    def clean_purposes(self):
        return [line.strip() for line in self.cleaned_data["purposes"].splitlines() if line.strip()]


class SignForm(forms.Form):
    """The signature: the typed name, and the fingerprint of the text the signer was shown."""

    shown = forms.CharField(widget=forms.HiddenInput, max_length=64)
    typed_name = forms.CharField(
        label="Type your full name to sign", max_length=200, help_text="As on the text above."
    )


class OfficeSignForm(SignForm):
    typed_name = forms.CharField(label="The signer's full name, as they typed it", max_length=200)
    read_aloud = forms.BooleanField(
        label="The signer read this exact text, on this screen or on paper, before signing"
    )
    representative_authority = forms.CharField(
        label="If a representative signs: their authority to act for the client",
        max_length=200,
        required=False,
        help_text="For example: parent of a minor; court-appointed guardian; power of attorney.",
    )


class RevokeForm(forms.Form):
    note = forms.CharField(
        label="The client's written request",
        max_length=2000,
        widget=forms.Textarea(attrs=TEXT),
        help_text="What was received and when: a signed letter dated 3 May, say.",
    )


class PortalRevokeForm(forms.Form):
    confirm = forms.BooleanField(label="I want to revoke this authorization")


class ReleaseForm(forms.Form):
    recipient_name = forms.CharField(label="Recipient", max_length=200)
    recipient_organisation = forms.CharField(label="Organisation", max_length=200, required=False)
    recipient_contact = forms.CharField(label="Sent to", max_length=300, required=False)
    categories = forms.MultipleChoiceField(
        label="Information to release",
        choices=RELEASE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    purpose = forms.CharField(label="Purpose", max_length=300)
    information_from = forms.DateField(label="From", widget=forms.DateInput(attrs=DATE))
    information_to = forms.DateField(label="To", widget=forms.DateInput(attrs=DATE))
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @classmethod
    def for_authorization(cls, authorization, *, since, today):
        """A release under ``authorization``, as it allows: the therapist narrows it. Without
        dates on the authorization, the dates run from ``since`` (the record's start)."""
        return cls(
            initial={
                "recipient_name": authorization.recipient_name,
                "recipient_organisation": authorization.recipient_organisation,
                "recipient_contact": authorization.recipient_contact,
                "categories": [c for c in authorization.categories if c != "psychotherapy_notes"],
                "purpose": authorization.purposes[0] if authorization.purposes else "",
                "information_from": authorization.information_from or since,
                "information_to": min(authorization.information_to or today, today),
            }
        )
