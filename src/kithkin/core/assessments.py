"""The assessment with relational context, as plain data: its five levels, the risk levels, and
the rules a record must meet before it is kept.

Seed 004: "Assessment expands to include both individual experiences and their broader contexts
... This allows us to develop a richer understanding of both challenges and resources", at the
levels where wellbeing "emerges through healthy relationships": personal, familial, social,
ecological and spiritual. So each level records resources and challenges separately, and an
empty resources box is visible as such rather than folded into a list of problems.

Diagnosis is "a starting point from which to understand a client's struggles" (seed 004): the
codes are optional and carry no weight in these rules beyond being real codes.
"""

import re
from dataclasses import dataclass, fields
from enum import StrEnum


class AssessmentRefused(ValueError):
    """An assessment the record cannot keep, in words fit for the therapist.

    ``field`` names the form field the message belongs beside, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Level:
    key: str
    label: str
    about: str


LEVELS = (
    Level(
        "personal",
        "Personal",
        "Their relationship with themselves: body and health, history, sense of self, ways of "
        "coping.",
    ),
    Level(
        "familial",
        "Familial",
        "Family of origin and chosen family: parents, siblings, partners, children.",
    ),
    Level(
        "social",
        "Social",
        "Friends, roommates, neighbours, work or school, communities they belong to.",
    ),
    Level(
        "ecological",
        "Ecological",
        "The places and conditions they live in: home, money, work conditions, neighbourhood, "
        "the natural world, culture.",
    ),
    Level(
        "spiritual",
        "Spiritual",
        "Meaning, purpose, values, faith or practice, and what they feel part of beyond "
        "themselves.",
    ),
)


class RiskLevel(StrEnum):
    # "None known", never "no risk": an assessment can only say what it found (a risk that was
    # not disclosed is not absent).
    NONE_KNOWN = "none_known"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"

    @property
    def label(self) -> str:
        return RISK_LABELS[self]

    @property
    def needs_note(self) -> bool:
        return self in (RiskLevel.MODERATE, RiskLevel.HIGH)


RISK_LABELS = {
    RiskLevel.NONE_KNOWN: "None known",
    RiskLevel.LOW: "Low",
    RiskLevel.MODERATE: "Moderate",
    RiskLevel.HIGH: "High",
}

# More than this many codes is no longer a starting point.
MAX_CODES = 12

_CODE = re.compile(r"^([A-Z][0-9][0-9A-Z])\.?([0-9A-Z]{0,4})$")


def normalise_code(text: str) -> str:
    """An ICD-10-CM code as the tabular list writes it: upper case, a dot after the category.
    "f321", "F32.1" and " f32.1 " are all "F32.1". Text that is no code comes back stripped
    and upper-cased, for the caller to refuse by name."""
    text = text.strip().upper()
    match = _CODE.match(text)
    if not match:
        return text
    category, rest = match.groups()
    return f"{category}.{rest}" if rest else category


def looks_like_code(text: str) -> bool:
    """Whether a search word is (the start of) a code rather than a word of its title."""
    return bool(re.match(r"^[A-Za-z][0-9]", text.strip()))


@dataclass(frozen=True)
class Findings:
    """What an assessment records. Every text is the therapist's free text (encrypted at rest);
    the codes are ICD-10-CM codes, already normalised."""

    presenting_concerns: str = ""
    personal_resources: str = ""
    personal_challenges: str = ""
    familial_resources: str = ""
    familial_challenges: str = ""
    social_resources: str = ""
    social_challenges: str = ""
    ecological_resources: str = ""
    ecological_challenges: str = ""
    spiritual_resources: str = ""
    spiritual_challenges: str = ""
    symptoms: str = ""
    risk_to_self: str = ""
    risk_to_others: str = ""
    safeguarding: str = ""
    risk_level: RiskLevel = RiskLevel.NONE_KNOWN
    risk_note: str = ""
    formulation: str = ""
    codes: tuple[str, ...] = ()


TEXTS = tuple(f.name for f in fields(Findings) if f.name not in ("risk_level", "codes"))


def level_fields(level: Level) -> tuple[str, str]:
    return f"{level.key}_resources", f"{level.key}_challenges"


def check(findings: Findings) -> Findings:
    """The findings as the record keeps them (texts stripped, codes normalised and each once),
    or :class:`AssessmentRefused` with the first rule they break."""
    texts = {name: getattr(findings, name).strip() for name in TEXTS}
    try:
        risk = RiskLevel(findings.risk_level)
    except ValueError:
        raise AssessmentRefused(
            f"'{findings.risk_level}' is not a risk level: choose none known, low, moderate or "
            "high.",
            field="risk_level",
        ) from None
    if risk.needs_note and not texts["risk_note"]:
        # A moderate or high rating with nothing behind it helps nobody who reads it later:
        # the colleague covering a holiday needs to know what the risk is and what the plan is.
        raise AssessmentRefused(
            f"A {risk.label.lower()} risk needs a note: what the risk is, what raises and "
            "lowers it, and the plan for safety.",
            field="risk_note",
        )
    codes = tuple(dict.fromkeys(normalise_code(code) for code in findings.codes if code.strip()))
    if len(codes) > MAX_CODES:
        raise AssessmentRefused(
            f"{len(codes)} codes is more than a starting point; keep at most {MAX_CODES}.",
            field="codes",
        )
    return Findings(**texts, risk_level=risk, codes=codes)
