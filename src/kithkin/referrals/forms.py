"""Forms of the referral pages. They collect and type the request; the rules (whom the
authorization names, which moves a status takes) live in the core and the services, so a refusal
comes back in their words."""

from django import forms

from kithkin.core.referrals import Status
from kithkin.plans.forms import KeyedForm
from kithkin.referrals.models import KIND_CHOICES, REASON_CHOICES, STATUS_CHOICES


class _Named(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class _Authorization(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        signed = obj.signed_at.date().isoformat() if obj.signed_at else "unsigned"
        to = ", ".join(p for p in (obj.recipient_name, obj.recipient_organisation) if p)
        return f"Authorization {obj.pk}: to {to}, signed {signed}"


class _FitReview(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"Fit review of {obj.at.date().isoformat()}"


class ReferralForm(KeyedForm):
    kind = forms.ChoiceField(label="Refer to", choices=KIND_CHOICES, widget=forms.RadioSelect)
    reason = forms.ChoiceField(label="Why", choices=REASON_CHOICES)
    fit_review = _FitReview(
        label="The fit review that decided to refer",
        queryset=None,
        required=False,
        help_text="Only when the reason is a fit review.",
    )
    to_therapist = _Named(
        label="The therapist who takes the client on",
        queryset=None,
        required=False,
        help_text="For a transfer within the practice.",
    )
    recipient_name = forms.CharField(
        label="Provider's name", required=False, max_length=200, help_text="For a referral out."
    )
    recipient_organisation = forms.CharField(
        label="Provider's organisation", required=False, max_length=200
    )
    recipient_contact = forms.CharField(
        label="Where the referral goes", required=False, max_length=300
    )
    handoff_summary = forms.CharField(
        label="Handoff summary",
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Written with the client: what the work has been, and what the next "
        "therapist needs to know.",
    )
    written_with_client = forms.BooleanField(
        label="The client and I wrote this summary together", required=False
    )
    authorization = _Authorization(
        label="The client's authorization to release information",
        queryset=None,
        help_text="It must name the recipient and be in force when the referral is sent.",
        error_messages={
            "required": "Choose the client's signed authorization for this referral.",
            "invalid_choice": "Choose one of the client's signed authorizations.",
        },
    )

    def __init__(self, *args, therapists, authorizations, fit_reviews, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_therapist"].queryset = therapists
        self.fields["authorization"].queryset = authorizations
        self.fields["fit_review"].queryset = fit_reviews


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=STATUS_CHOICES, widget=forms.HiddenInput)
    # The status the therapist saw: a page out of date is refused rather than applied.
    seen = forms.ChoiceField(choices=STATUS_CHOICES, widget=forms.HiddenInput)
    decline_reason = forms.CharField(
        label="Why it was declined",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("to") == Status.DECLINED and not (data.get("decline_reason") or "").strip():
            self.add_error("decline_reason", "Say why the referral was declined.")
        return data
