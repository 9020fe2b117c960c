from django import forms


class EmergencyAccessForm(forms.Form):
    full_name = forms.CharField(
        label="Client's full name",
        max_length=200,
        help_text="Given and family name, as on the record.",
    )
    date_of_birth = forms.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label="Why do you need this record now?",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=20,
        max_length=1000,
        help_text="Your reason is recorded, shown to the practice admin and to the client.",
    )
