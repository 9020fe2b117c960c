"""Forms of the measures pages. A questionnaire form is built from the instrument's definition;
its answers are checked by the core's own scoring, so a refused answer comes back in the core's
words beside the item it concerns."""

import uuid

from django import forms

from kithkin.core.instruments import Instrument, InstrumentError, score
from kithkin.measures.library import MAX_DEFINITION_BYTES
from kithkin.measures.models import FitReview, Response
from kithkin.measures.services import LINK_DAYS, MAX_LINK_DAYS

OUT_OF_DATE = "This form is out of date. Reload the page and try again."
TEXT = {"rows": 3}


class KeyedForm(forms.Form):
    """A form that creates something carries a fresh random token, so sending it twice
    creates it once (the services store the token under a unique constraint)."""

    key = forms.UUIDField(widget=forms.HiddenInput, error_messages={"required": OUT_OF_DATE})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4())


class QuestionnaireForm(KeyedForm):
    """One field per item, none required: a client may leave an item blank, and the score then
    says "incomplete" rather than counting the blank as 0."""

    def __init__(self, *args, instrument: Instrument, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            self.fields[f"item_{item.number}"] = forms.IntegerField(
                label=f"{item.number}. {item.text}",
                required=False,
                widget=forms.RadioSelect(
                    choices=[(option.value, option.label) for option in item.options]
                ),
            )
        for question in instrument.free_text:
            self.fields["free_text"] = forms.CharField(
                label=question.text,
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs=TEXT),
            )

    def clean(self):
        cleaned = super().clean()
        answers = {
            item.number: cleaned.get(f"item_{item.number}") for item in self.instrument.items
        }
        try:
            score(self.instrument, answers)
        except InstrumentError as refused:
            name = f"item_{refused.item}"
            self.add_error(name if name in self.fields else None, str(refused))
        cleaned["answers"] = answers
        return cleaned


class OfficeForm(QuestionnaireForm):
    """A response entered by the therapist: the client's answers given in the office, or, for
    the alliance check-in, the therapist's own rating of the same items after the session."""

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"] = forms.TypedChoiceField(
            label="About the session",
            required=False,
            coerce=int,
            empty_value=None,
            choices=[("", "The latest session before now")]
            + [(s.pk, f"{s.starts_at:%d %b %Y %H:%M}") for s in reversed(sessions)],
        )
        if self.instrument.code == "alliance":
            self.fields["respondent"] = forms.ChoiceField(
                label="Whose view is this?",
                choices=[
                    (Response.Respondent.CLIENT, "The client's answers, given in the office"),
                    (Response.Respondent.THERAPIST, "My own rating, as the therapist"),
                ],
                initial=Response.Respondent.CLIENT,
                widget=forms.RadioSelect,
            )


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="Note",
        max_length=4000,
        widget=forms.Textarea(attrs=TEXT),
        help_text="What you did or will do about it. Kept with the alert, under your name.",
        error_messages={"required": "Write a note: what you did or will do about this alert."},
    )


class FitReviewForm(KeyedForm):
    feedback = forms.CharField(
        label="What the feedback says",
        max_length=8000,
        widget=forms.Textarea(attrs=TEXT),
        error_messages={"required": "Say what the feedback says."},
    )
    tried = forms.CharField(
        label="What has been tried",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs=TEXT),
    )
    decision = forms.ChoiceField(
        label="Decision",
        choices=FitReview.Decision.choices,
        widget=forms.RadioSelect,
        help_text="Refer records the intent; the referral itself is made elsewhere for now.",
    )
    opened_from = forms.IntegerField(widget=forms.HiddenInput, required=False)


class LinkForm(forms.Form):
    instrument = forms.ChoiceField(label="Questionnaire")
    days = forms.IntegerField(
        label="The link works for (days)",
        min_value=1,
        max_value=MAX_LINK_DAYS,
        initial=LINK_DAYS,
        help_text=f"From 1 to {MAX_LINK_DAYS} days. It works once.",
    )

    def __init__(self, *args, instruments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [
            (code, instrument.short_title) for code, instrument in instruments.items()
        ]


class KioskForm(forms.Form):
    instrument = forms.ChoiceField(label="Questionnaire")

    def __init__(self, *args, instruments, **kwargs):
        # Its own element ids: the link form on the same page has an "instrument" field too,
        # and two elements with one id leave a label pointing at the wrong select.
        kwargs.setdefault("auto_id", "id_kiosk_%s")
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [
            (code, instrument.short_title) for code, instrument in instruments.items()
        ]


class InstrumentLoadForm(forms.Form):
    """A licensed instrument's definition file and the licence the practice holds for it. No
    idempotency key: a practice loads a code and version once, so the same file sent twice is
    refused the second time and stored once."""

    definition = forms.FileField(
        label="Definition file",
        help_text=f"A JSON file in Kithkin's definition format, at most "
        f"{MAX_DEFINITION_BYTES // 1024} KB.",
        widget=forms.FileInput(attrs={"accept": ".json,application/json"}),
        error_messages={
            "required": "Choose the definition file to load.",
            "empty": "The file is empty.",
        },
    )
    licence = forms.CharField(
        label="The practice's licence",
        max_length=2000,
        widget=forms.Textarea(attrs=TEXT),
        help_text="Who granted it, its number, and until when. Kept with the definition.",
        error_messages={
            "required": "Say what licence the practice holds for this instrument: who granted "
            "it, its number, and until when."
        },
    )

    def clean_definition(self) -> bytes:
        # One byte past the limit is enough for the service to refuse a file as too large,
        # without reading the rest of it into memory.
        return self.cleaned_data["definition"].read(MAX_DEFINITION_BYTES + 1)
