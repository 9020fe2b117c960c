"""The public inquiry form and the queue's two small forms.

The public form asks for as little as it can: a name to use, one way to reach them, what they
want to work on, and preferences that are all optional. No date of birth, no address: nobody
needs them before a first conversation, and data never collected cannot leak.

Spam is kept out without a third-party service (no CAPTCHA that sends the visitor to another
company): a honeypot field people never see, and a signed token that says when the form was
served, so a submission faster than a person types or older than the form's life is refused.
The token also carries a one-time nonce, so the same form sent twice (a double click, a
resubmitted POST) is received once.
"""

import hashlib
import re
import secrets
import time
from zoneinfo import available_timezones

from django import forms
from django.core import signing

from kithkin.core.matching import FAITH, GENDERS, LANGUAGES, MODALITIES, SETTINGS, TIMES
from kithkin.inquiries.models import CLOSE_REASONS, RESPONSE_HOW

# The salt namespaces the signature (a token signed for another purpose is refused); not a secret.
SIGNING_NAMESPACE = "kithkin.inquiries.form"
# A person reading the form and writing even one line takes longer than this.
FASTEST_SECONDS = 3
# A form served more than two hours ago is sent again with a fresh token rather than accepted:
# a bot replays old tokens; a person who left the tab open keeps what they wrote.
OLDEST_SECONDS = 2 * 60 * 60
CONCERNS_MAX = 2000
PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,30}$")


def form_token(practice_id: int, *, issued: float | None = None) -> str:
    """A fresh token for one showing of the form: the practice, the time, and a nonce that
    makes this showing's submission single-use."""
    issued = time.time() if issued is None else issued
    payload = {"p": practice_id, "t": int(issued), "n": secrets.token_urlsafe(16)}
    return signing.dumps(payload, salt=SIGNING_NAMESPACE)


class Verdict:
    HUMAN = "human"
    BOT = "bot"  # honeypot filled, token forged or missing, or sent too fast
    # A genuine token, but the form was served too long ago (or before tokens had a nonce):
    # the form comes back with a fresh token.
    STALE = "stale"


def _payload(token: str) -> dict | None:
    try:
        payload = signing.loads(token or "", salt=SIGNING_NAMESPACE)
    except signing.BadSignature:
        return None
    return payload if isinstance(payload, dict) else None


def token_verdict(token: str, *, practice_id: int, now: float | None = None) -> str:
    now = time.time() if now is None else now
    payload = _payload(token)
    if payload is None or payload.get("p") != practice_id:
        return Verdict.BOT
    issued = payload.get("t")
    if not isinstance(issued, int):
        return Verdict.BOT
    age = now - issued
    if age < FASTEST_SECONDS:
        return Verdict.BOT
    if age > OLDEST_SECONDS or not isinstance(payload.get("n"), str):
        return Verdict.STALE
    return Verdict.HUMAN


def token_digest(token: str) -> str | None:
    """The SHA-256 of a genuine token's nonce, which the inquiry keeps so that the form is
    received once; None for a token without one (check :func:`token_verdict` first)."""
    payload = _payload(token)
    nonce = payload.get("n") if payload is not None else None
    if not isinstance(nonce, str) or not nonce:
        return None
    return hashlib.sha256(nonce.encode()).hexdigest()


def _choices(vocabulary: dict[str, str]) -> list[tuple[str, str]]:
    return list(vocabulary.items())


NO_PREFERENCE = [("", "No preference")]


class InquiryForm(forms.Form):
    name = forms.CharField(
        label="A name we can call you by",
        max_length=100,
        help_text="A first name is enough.",
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email = forms.EmailField(
        label="Email",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=30,
        help_text="Email or phone: one is enough.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    concerns = forms.CharField(
        label="What would you like to work on?",
        max_length=CONCERNS_MAX,
        help_text="In your own words, as much or as little as you like (up to 2000 characters).",
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": CONCERNS_MAX}),
    )
    modalities = forms.MultipleChoiceField(
        label="Ways of working you would like",
        required=False,
        choices=_choices(MODALITIES),
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label="Languages you would like to speak in",
        required=False,
        choices=_choices(LANGUAGES),
        widget=forms.CheckboxSelectMultiple,
    )
    therapist_gender = forms.ChoiceField(
        label="A therapist who is a",
        required=False,
        choices=NO_PREFERENCE + _choices(GENDERS),
    )
    therapist_background = forms.CharField(
        label="Anything about your therapist's background that matters to you",
        required=False,
        max_length=200,
        help_text="Only if you care: culture, faith, experience of something you have lived.",
    )
    faith = forms.ChoiceField(
        label="Faith in therapy",
        required=False,
        choices=NO_PREFERENCE + _choices(FAITH),
    )
    availability = forms.MultipleChoiceField(
        label="When you could come",
        required=False,
        choices=_choices(TIMES),
        widget=forms.CheckboxSelectMultiple,
    )
    setting = forms.ChoiceField(
        label="In person or by video",
        required=False,
        choices=NO_PREFERENCE + _choices(SETTINGS),
    )
    # The honeypot: inside a hidden block that people (and their screen readers) never see;
    # a bot filling every input fills it too.
    website = forms.CharField(
        label="Leave this empty",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=200, required=False)

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError("Write the number with digits, spaces and + ( ) - only.")
        return phone

    def clean(self):
        cleaned = super().clean()
        contact_errors = "email" in self.errors or "phone" in self.errors
        if not contact_errors and not (cleaned.get("email") or cleaned.get("phone")):
            raise forms.ValidationError("Give an email address or a phone number, so we can reply.")
        return cleaned


class RespondForm(forms.Form):
    how = forms.ChoiceField(label="How you responded", choices=RESPONSE_HOW)
    note = forms.CharField(
        label="A note for colleagues",
        required=False,
        max_length=1000,
        help_text="For example: left a voicemail, first call booked for Tuesday. Every member "
        "of staff reads it, so no clinical detail.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label="Why it is closed", choices=CLOSE_REASONS)


WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
# The IANA zones by place ("Europe/London"); the Etc/ zones' inverted signs (Etc/GMT+5 is five
# hours behind) and the old aliases would only invite a wrong choice.
_LEGACY = ("Etc/", "SystemV/", "US/", "posix", "right/")


def zone_choices(current: str = "") -> list[tuple[str, str]]:
    zones = {z for z in available_timezones() if "/" in z and not z.startswith(_LEGACY)}
    zones.add("UTC")
    if current:
        zones.add(current)  # a zone set before this list existed stays choosable
    return [(zone, zone.replace("_", " ")) for zone in sorted(zones)]


class WorkingHoursForm(forms.Form):
    """When the practice answers inquiries. Only this time counts towards the time to first
    response, so the hours should be those someone actually reads the queue."""

    weekdays = forms.TypedMultipleChoiceField(
        label="Days the practice answers",
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one day.",
            "invalid_choice": "Choose days from Monday to Sunday.",
        },
    )
    opens = forms.TimeField(
        label="Opens at",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Give the opening time.", "invalid": "Write a time: 09:00."},
    )
    closes = forms.TimeField(
        label="Closes at",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Give the closing time.", "invalid": "Write a time: 17:00."},
    )
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="The practice's own: the hours above are on its wall clock, and move with it "
        "when the clocks change.",
        error_messages={"invalid_choice": "Choose a time zone from the list."},
    )

    def __init__(self, *args, current_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = zone_choices(current_zone)

    def clean_opens(self):
        return self.cleaned_data["opens"].replace(second=0, microsecond=0)

    def clean_closes(self):
        return self.cleaned_data["closes"].replace(second=0, microsecond=0)

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens"), cleaned.get("closes")
        if opens is not None and closes is not None and closes <= opens:
            # One window a day: a practice open past midnight is not something Kithkin counts.
            self.add_error("closes", "The closing time must be after the opening time.")
        return cleaned
