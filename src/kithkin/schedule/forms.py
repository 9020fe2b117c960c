import secrets

from django import forms

from kithkin.partners.models import TherapyPartner
from kithkin.schedule.models import Session

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def _when(**attrs) -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local", **attrs}, format=DATETIME_INPUT)


def _involvement(person) -> str:
    partner = getattr(person, "partner", None)
    return partner.involvement if partner is not None else ""


def person_label(person) -> str:
    return f"{person.name} ({person.role})" if person.role else person.name


class SessionForm(forms.Form):
    """Schedules a session, or changes one. The rules (who may attend, the open episode) are the
    service's, so a refusal comes back in its words beside the field it concerns."""

    # A random token made when the form is shown: the same form sent twice schedules once.
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput,
        min_length=16,
        max_length=64,
        error_messages={
            key: "This form is incomplete: open “Schedule a session” again and send it anew."
            for key in ("required", "min_length", "max_length")
        },
    )
    starts_at = forms.DateTimeField(
        label="Starts at", widget=_when(), input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"]
    )
    duration_minutes = forms.IntegerField(
        label="Length in minutes", min_value=5, max_value=480, initial=50
    )
    modality = forms.ChoiceField(
        label="Modality", choices=Session.Modality.choices, initial=Session.Modality.IN_PERSON
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=Session.Kind.choices,
        initial=Session.Kind.INDIVIDUAL,
        help_text="A joint, couple or family session has at least one attendee besides the "
        "client; an individual session has none.",
    )
    attendees = forms.TypedMultipleChoiceField(
        label="Who else attends",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, people, new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if new:
            self.initial.setdefault("idempotency_key", secrets.token_urlsafe(24))
        else:
            del self.fields["idempotency_key"]
        field = self.fields["attendees"]
        # Every one of the client's people is accepted here so that the service can refuse an
        # unaware partner in plain words; the list offers only those who may attend.
        field.choices = [(p.pk, person_label(p)) for p in people]
        unaware = [p for p in people if _involvement(p) == TherapyPartner.Involvement.UNAWARE]
        field.widget.choices = [(p.pk, person_label(p)) for p in people if p not in unaware]
        if not people:
            field.help_text = "No one from the client's life is recorded yet."
        elif unaware:
            names = ", ".join(p.name for p in unaware)
            field.help_text = (
                f"Not offered: {names}, who must not know they are discussed (unaware)."
            )


class OutcomeForm(forms.Form):
    """Records what happened at a session and who came."""

    # The status the therapist saw, so an outcome recorded meanwhile in another tab is not
    # overwritten unseen.
    expected_status = forms.ChoiceField(choices=Session.Status.choices, widget=forms.HiddenInput)
    status = forms.ChoiceField(label="What happened", widget=forms.RadioSelect)
    notice_at = forms.DateTimeField(
        label="Notice given at",
        required=False,
        widget=_when(),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"],
        help_text="For a cancellation: when the client or therapist gave notice. Left empty, "
        "it is now. Less than 24 hours before the start makes it a late cancellation.",
    )
    attended = forms.TypedMultipleChoiceField(
        label="Who else came",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Those not ticked are recorded as not attending.",
    )

    OFFERED = [
        (Session.Status.ATTENDED, "Attended"),
        (Session.Status.CANCELLED, "Cancelled (late if less than 24 hours' notice)"),
        (Session.Status.NO_SHOW, "No-show: the client did not come and gave no notice"),
        (Session.Status.SCHEDULED, "Still scheduled: it has not happened yet"),
    ]

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("expected_status", session.status)
        status = self.fields["status"]
        # Any status is accepted and the rules decide (late-cancelled is derived from the
        # notice); the list offers the outcomes a therapist chooses between.
        status.choices = Session.Status.choices
        status.widget.choices = self.OFFERED
        # Nothing is chosen for a session still scheduled: the therapist says what happened.
        if session.status != Session.Status.SCHEDULED:
            late = session.status == Session.Status.LATE_CANCELLED
            self.initial.setdefault("status", Session.Status.CANCELLED if late else session.status)
        people = getattr(session, "people", None) or []
        if people:
            self.fields["attended"].choices = [
                (a.person_id, person_label(a.person)) for a in people
            ]
            # A planned attendee is ticked: they usually come, and the therapist unticks who did
            # not.
            self.initial.setdefault(
                "attended", [a.person_id for a in people if a.attendance != "absent"]
            )
        else:
            del self.fields["attended"]
