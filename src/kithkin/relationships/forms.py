from django import forms
from django.utils import timezone

from kithkin.core.episodes import Move, Option, Phase, options
from kithkin.relationships.models import ENDING_CHOICES, PHASE_CHOICES

NEEDS = {
    Move.FORWARD: "next",
    Move.SKIP: "skipping ahead: give a reason",
    Move.BACK: "moving back: give a reason",
    Move.CLOSE: "say how it ended",
}


def option_label(option: Option) -> str:
    return f"{option.phase.label} ({NEEDS[option.move]})"


class TransitionForm(forms.Form):
    """Moves an open episode to another phase. The phase rules live in the core; this form only
    collects the request, so a refusal comes back in the rules' own words."""

    # The phase the therapist saw, so a form sent twice or from a stale tab is refused.
    from_phase = forms.ChoiceField(choices=PHASE_CHOICES, widget=forms.HiddenInput)
    to_phase = forms.ChoiceField(label="Move to")
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when skipping ahead or moving back. Everyone who may read the "
        "record sees it on the timeline.",
    )
    ending_type = forms.ChoiceField(
        label="How the episode ended",
        required=False,
        choices=[("", "Not closing"), *ENDING_CHOICES],
        help_text="Only when closing. A planned ending comes from the ending phase.",
    )

    def __init__(self, *args, phase: Phase | str, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("from_phase", str(phase))
        to_phase = self.fields["to_phase"]
        # Any phase is accepted here and the rules decide, so a refused move is explained in
        # their words; the list offers only the moves open from where the episode stands.
        to_phase.choices = [("", "Choose a phase"), *PHASE_CHOICES]
        to_phase.widget.choices = [
            ("", "Choose a phase"),
            *((o.phase.value, option_label(o)) for o in options(phase)),
        ]


class OpenEpisodeForm(forms.Form):
    opened_on = forms.DateField(
        label="First contact on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The new episode starts at reaching out.",
    )
    # Left out, the episode opens with the current therapist, as it did before a client could
    # return to someone else.
    therapist = forms.TypedChoiceField(
        label="With whom",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="A client who returns may start again with you or with a colleague. With a "
        "colleague, the client becomes theirs: your relationship with the client ends, and "
        "with it your access to the record.",
    )

    def __init__(self, *args, choices=(), **kwargs):
        """``choices`` are ``returns.TherapistChoice`` rows, the current therapist first."""
        super().__init__(*args, **kwargs)
        self.initial.setdefault("opened_on", timezone.localdate())
        self._users = {choice.user.pk: choice.user for choice in choices}
        self._default = choices[0].user if choices else None
        self.fields["therapist"].choices = [(c.user.pk, c.label) for c in choices]
        if choices:
            self.initial.setdefault("therapist", choices[0].user.pk)

    @property
    def chosen(self):
        """The clinician chosen, once the form is valid: the current therapist by default."""
        chosen = self.cleaned_data.get("therapist")
        return self._default if chosen is None else self._users[chosen]
