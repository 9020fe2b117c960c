import re

from django import forms

from kithkin.assessments import icd10
from kithkin.assessments.models import RISK_CHOICES, AssessmentVersion
from kithkin.core.assessments import (
    LEVELS,
    TEXTS,
    AssessmentRefused,
    Findings,
    check,
    level_fields,
    normalise_code,
)

LONG = 10_000


def _text(label: str, help_text: str = "", rows: int = 3, required: bool = False):
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=LONG,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class CodesField(forms.Field):
    """The codes ticked in the picker: any number of values under one name."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return [str(v) for v in value or [] if str(v).strip()]


class AssessmentForm(forms.Form):
    """The assessment of an episode. The rules (a note for moderate or high risk, real codes)
    live in the core and the code list; the form asks them so a refusal shows beside its field.
    """

    # The version the therapist's page was built on, so a form from a stale tab is refused.
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    presenting_concerns = _text(
        "Presenting concerns, in the client's own words",
        "What brings them, as they put it. Quote their words rather than translating them "
        "into clinical terms.",
        rows=4,
        required=True,
    )
    symptoms = _text(
        "Symptoms",
        "What they experience and what you notice: mood, sleep, appetite, energy, "
        "concentration, and since when.",
    )
    risk_to_self = _text("Risk to self", "Thoughts of self-harm or suicide, past or present.")
    risk_to_others = _text("Risk to others")
    safeguarding = _text(
        "Safeguarding",
        "Children or adults at risk around the client, abuse or neglect, any duty to report.",
    )
    risk_level = forms.ChoiceField(
        label="Risk level",
        choices=RISK_CHOICES,
        widget=forms.RadioSelect,
        help_text="As far as this assessment found. None known is not the same as none.",
        error_messages={"required": "Choose a risk level: none known, low, moderate or high."},
    )
    risk_note = _text(
        "Risk note",
        "Needed for a moderate or high risk: what the risk is, what raises and lowers it, and "
        "the plan for safety.",
    )
    formulation = _text(
        "Formulation",
        "How the concerns make sense in the client's relationships and life: what keeps them "
        "going, and what already helps.",
        rows=6,
    )
    codes = CodesField(required=False, label="Chosen codes")
    add_codes = forms.CharField(
        label="Add codes by code",
        required=False,
        max_length=200,
        help_text="Separate codes with commas, for example F32.1, Z63.8.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for level in LEVELS:
            resources, challenges = level_fields(level)
            self.fields[resources] = _text(
                f"{level.label} resources",
                "Strengths, supports and what is going well.",
            )
            self.fields[challenges] = _text(f"{level.label} challenges")

    @classmethod
    def from_version(cls, version: AssessmentVersion | None) -> "AssessmentForm":
        if version is None:
            return cls(initial={"version": 0})
        initial = {name: getattr(version, name) for name in TEXTS}
        initial.update(
            version=version.number,
            risk_level=version.risk_level,
            codes=[code for code, _ in version.codes],
        )
        form = cls(initial=initial)
        form.chosen = version.code_list
        return form

    def levels(self):
        """Each level with its two bound fields, for one fieldset a level."""
        return [(level, *(self[name] for name in level_fields(level))) for level in LEVELS]

    def clean(self):
        data = super().clean()
        ticked = data.get("codes") or []
        typed = [c for c in re.split(r"[\s,;]+", data.get("add_codes") or "") if c]
        for name, codes in (("codes", ticked), ("add_codes", typed)):
            for code in codes:
                refused = icd10.refusal(code)
                if refused:
                    self.add_error(name, refused)
        data["codes"] = [normalise_code(c) for c in [*ticked, *typed]]
        if self.errors:
            return data
        try:
            check(self.findings())
        except AssessmentRefused as refused:
            self.add_error(refused.field, str(refused))
        return data

    def findings(self) -> Findings:
        data = self.cleaned_data
        return Findings(
            **{name: data.get(name, "") for name in TEXTS},
            risk_level=data["risk_level"],
            codes=tuple(data["codes"]),
        )

    @property
    def chosen(self) -> list[dict]:
        """The codes to show as ticked: as recorded, or as sent back with a refused form (the
        ones that exist; an unknown one stays in the text box with its reason)."""
        if hasattr(self, "_chosen"):
            return self._chosen
        if not self.is_bound:
            return []
        typed = re.split(r"[\s,;]+", self.data.get("add_codes", ""))
        found = icd10.recordable([*self.data.getlist("codes"), *typed])
        return [{"code": c.code, "title": c.title} for c in found]

    @chosen.setter
    def chosen(self, value: list[dict]) -> None:
        self._chosen = value
