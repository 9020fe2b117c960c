"""The ending review's form: the parts the therapist writes with the client. The rules (what
signing needs, what a signed review refuses) live in the services, so a refusal comes back in
their words beside the field it concerns."""

from django import forms

from kithkin.endings.services import MAX_TEXT, ReviewTexts

TEXT = {"rows": 6}


class ReviewForm(forms.Form):
    themes = forms.CharField(
        label="Themes of the work",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs=TEXT),
        help_text="In your words, with the client's. Never copied from notes. A blank line "
        "starts a new paragraph.",
    )
    future_growth = forms.CharField(
        label="Plans for future growth, written with the client",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs=TEXT),
    )
    open_door = forms.CharField(
        label="The open door",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs=TEXT),
        help_text="How the client can come back. Left empty, the drafted paragraph is used.",
    )
    notes_for_client = forms.CharField(
        label="A note for the client (optional)",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def texts(self) -> ReviewTexts:
        return ReviewTexts(**self.cleaned_data)

    @classmethod
    def of(cls, review) -> "ReviewForm":
        return cls(
            initial={
                "themes": review.themes,
                "future_growth": review.future_growth,
                "open_door": review.open_door,
                "notes_for_client": review.notes_for_client,
            }
        )
