from django import forms

from kithkin.core.vocabulary import TYPES
from kithkin.partners.models import TherapyPartner

TYPE_CHOICES = [(t.key, t.label) for t in TYPES.values()]


class PersonForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="A name or a label, such as 'her coworkers'.")
    role = forms.CharField(max_length=80, required=False, help_text="mother, roommate, employer...")
    kinds = forms.MultipleChoiceField(
        label="Relationship types",
        choices=TYPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class KindsForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label="Relationship types now",
        choices=TYPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    on = forms.DateField(label="Since", widget=forms.DateInput(attrs={"type": "date"}))


class PartnerForm(forms.Form):
    involvement = forms.ChoiceField(choices=TherapyPartner.Involvement.choices)
    knows_in_therapy = forms.BooleanField(label="Knows the client is in therapy", required=False)
    knows_discussed = forms.BooleanField(label="Knows they are discussed", required=False)
    may_contact = forms.BooleanField(label="The client allows us to contact them", required=False)
    contact_note = forms.CharField(
        label="How contact is allowed", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when someone stops being treated as unaware.",
    )

    def clean(self):
        data = super().clean()
        if data.get("involvement") == TherapyPartner.Involvement.UNAWARE and data.get(
            "knows_discussed"
        ):
            self.add_error(
                "knows_discussed", "Someone who must not know they are discussed cannot know it."
            )
        return data


class ActionForm(forms.Form):
    text = forms.CharField(
        label="What is planned",
        max_length=500,
        help_text="For example: Alexis will talk to her mother about a joint session",
    )
    window_start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    window_end = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    client_paced = forms.BooleanField(
        label="Or whenever the client feels ready",
        required=False,
        help_text="Never shown as overdue; it waits on the client.",
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("window_start"), data.get("window_end")
        if start and end and end < start:
            self.add_error("window_end", "The window cannot end before it starts.")
        return data
