import secrets

from django import forms

from kithkin.core.notes import FIELDS, LABELS, NoteText

# Long enough for any session, short enough that a runaway paste is refused, not stored.
MAX_CHARS = 20000

HELP = {
    "focus": "What the session was about, in the client's words where you can.",
    "interventions": "What you offered or did.",
    "response": "How the client took it up, in what they said and did.",
    "plan": "What comes next: between now and the next session, and in it.",
    "between_us": "The relational process: what was happening between you and the client, "
    "in the room, as the session went.",
}


def _text(name: str) -> forms.CharField:
    return forms.CharField(
        label=LABELS[name],
        required=False,
        max_length=MAX_CHARS,
        help_text=HELP[name],
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ProgressNoteForm(forms.Form):
    """The five headings of a progress note. Every heading may be blank in a draft; signing
    asks for the focus and the plan (kithkin.core.notes), so the rule is in one place."""

    focus = _text("focus")
    interventions = _text("interventions")
    response = _text("response")
    plan = _text("plan")
    between_us = _text("between_us")

    def note_text(self) -> NoteText:
        return NoteText(**{name: self.cleaned_data[name] for name in FIELDS})


def new_key() -> str:
    return secrets.token_urlsafe(24)


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum",
        max_length=MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept beside the signed note with your name and the time. The note itself "
        "stays as it was signed.",
        error_messages={"required": "Write the addendum before adding it."},
    )
    # A random token per form shown: sent twice, the same form adds one addendum.
    key = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{16,64}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": "The form was incomplete; reload the page and try again.",
            "invalid": "The form was incomplete; reload the page and try again.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("key", new_key())


class PsychotherapyNoteForm(forms.Form):
    text = forms.CharField(
        label="Your psychotherapy note",
        max_length=MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Your own analysis of the session. Medication, session times, modality, test "
        "results, diagnosis, functional status, the plan, symptoms, prognosis and progress "
        "belong in the progress note, not here.",
        error_messages={"required": "Write the note before saving it."},
    )
