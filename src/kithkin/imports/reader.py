"""Reading a previous provider's FHIR Bundle into what the import stores. Nothing here writes.

Seed 004: "a client that a therapist begins with, just ended therapy with another therapist".
The file they send is read whole before anything is stored: either everything the import takes
is found and sound (:class:`Received`), or :class:`ImportRefused` lists every problem, each
naming the entry it is in, so whoever exported the file can fix it in one go. A half-read
history would be worse than none: a therapist would take the missing scores or goals for the
ones that were never there.

What is taken: the one Patient (names, birth date, email and phone), CarePlans, Goals, PHQ-9 and
GAD-7 totals (LOINC 44261-6, 70274-6), a summary (Composition, an inline text/plain
DocumentReference, or else the plans' descriptions), and the previous provider's name
(Organization, else Practitioner). Everything else is listed as not imported, never silently
dropped. A reference from a Goal, CarePlan, Observation, Composition or DocumentReference to a
resource the Bundle does not hold refuses the whole file: the history would point at things
nobody can read.

Problems never quote a value from the file: it may be the client's clinical text.
"""

import base64
import binascii
import datetime
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from pydantic import ValidationError

from kithkin.clients.forms import PHONE
from kithkin.core.instruments import shipped_instruments

MAX_BYTES = 5 * 1024 * 1024
BUNDLE_TYPES = ("collection", "document", "searchset", "transaction")
LOINC = "http://loinc.org"
# The totals the import takes, by LOINC code: Kithkin's own instruments, so a score from the
# previous provider means what the same score means here.
TOTALS = {"44261-6": "phq9", "70274-6": "gad7"}
# The resources whose references must all land inside the Bundle.
CHECKED = ("Goal", "CarePlan", "Observation", "Composition", "DocumentReference")
NAME_MAX = 100
PROVIDER_MAX = 200
ERRORS_PER_ENTRY = 3

# Relative "Type/id", optionally with a version ("Type/id/_history/2"), at the end of a reference.
TYPE_ID = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


class ImportRefused(ValueError):
    """The file cannot be imported; ``problems`` says why, each in plain words."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class ReceivedPatient:
    given_name: str
    family_name: str
    preferred_name: str = ""
    date_of_birth: datetime.date | None = None
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ReceivedGoal:
    key: str  # the entry's "Type/id" (or its index), for the plans that name it
    description: str
    lifecycle: str
    achievement: str = ""
    due_on: datetime.date | None = None


@dataclass(frozen=True)
class ReceivedPlan:
    title: str
    status: str
    description: str = ""
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    activities: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    goal_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReceivedScore:
    instrument: str  # "phq9" or "gad7"
    total: int
    measured_on: datetime.date


@dataclass(frozen=True)
class Received:
    """Everything the import takes from one Bundle."""

    patient: ReceivedPatient
    provider: str
    summary: str
    sha256: str
    bundle_type: str
    plans: tuple[ReceivedPlan, ...] = ()
    goals: tuple[ReceivedGoal, ...] = ()
    scores: tuple[ReceivedScore, ...] = ()
    # What the file held that is not imported, in plain words (never a value from the file).
    not_imported: tuple[str, ...] = field(default=())

    @property
    def counts(self) -> str:
        parts = [
            _count(len(self.plans), "plan"),
            _count(len(self.goals), "goal"),
            _count(len(self.scores), "score"),
            "a summary" if self.summary else "no summary",
        ]
        return ", ".join(parts)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass
class _Entry:
    index: int
    full_url: str
    data: dict
    # An entry its model refused is still found by references (so they are not reported as
    # broken as well), but nothing is read from it.
    valid: bool = True

    @property
    def type(self) -> str:
        return self.data["resourceType"]

    @property
    def key(self) -> str:
        ident = self.data.get("id")
        return f"{self.type}/{ident}" if ident else f"entry[{self.index}]"

    @property
    def label(self) -> str:
        ident = self.data.get("id")
        what = f"{self.type}/{ident}" if ident else self.type
        return f"entry[{self.index}] ({what})"


def read_bundle(text: str) -> Received:
    """The Bundle in ``text``, read, or :class:`ImportRefused` with every problem found."""
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise ImportRefused(
            [
                f"The file is {size / 1024 / 1024:.1f} MB; the import takes at most "
                f"{MAX_BYTES // 1024 // 1024} MB. Ask for the record without attachments "
                "or images."
            ]
        )
    try:
        data = json.loads(text)
    except ValueError as error:
        where = f" (line {error.lineno}, column {error.colno})" if hasattr(error, "lineno") else ""
        raise ImportRefused([f"The file is not valid JSON{where}."]) from None
    except RecursionError:
        raise ImportRefused(["The file is nested too deeply to be a FHIR record."]) from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        found = data.get("resourceType") if isinstance(data, dict) else None
        what = f"a {found} resource" if isinstance(found, str) else "not a FHIR resource"
        raise ImportRefused([f"The file must be a FHIR Bundle; it is {what}."])
    problems: list[str] = []
    entries = _entries(data, problems)
    reader = _Reader(entries, problems)
    received = reader.read(
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        bundle_type=data.get("type") or "",
    )
    if problems or received is None:
        raise ImportRefused(problems or ["The file holds no client to import."])
    return received


# --- The Bundle and its entries ---------------------------------------------------------------


def _summarise(error: ValidationError) -> list[str]:
    """Where and what for each error, never the value (it may be the client's words)."""
    found = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail["loc"]) or "the resource"
        message = detail["msg"].split("\n")[0].removeprefix("Value error, ").rstrip(".")
        found.append(f"{where}: {message}")
    return found


def _entries(data: dict, problems: list[str]) -> list[_Entry]:
    shell = {k: v for k, v in data.items() if k != "entry"}
    try:
        Bundle.model_validate(shell)
    except ValidationError as error:
        problems += [f"The Bundle is not valid FHIR R4: {p}." for p in _summarise(error)[:5]]
    kind = data.get("type")
    if isinstance(kind, str) and kind not in BUNDLE_TYPES:
        problems.append(
            f"A Bundle of type {kind!r} is not a record to import; the import takes a "
            f"{', '.join(BUNDLE_TYPES[:-1])} or {BUNDLE_TYPES[-1]} Bundle."
        )
    raw = data.get("entry") or []
    if not isinstance(raw, list):
        problems.append("The Bundle's entry must be a list.")
        return []
    entries = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            problems.append(f"entry[{index}] is not an object.")
            continue
        resource = entry.get("resource")
        try:
            BundleEntry.model_validate({k: v for k, v in entry.items() if k != "resource"})
        except ValidationError as error:
            problems += [f"entry[{index}]: {p}." for p in _summarise(error)[:ERRORS_PER_ENTRY]]
            continue
        if resource is None:
            continue  # a transaction's DELETE, say: nothing to read
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            problems.append(f"entry[{index}]: the resource has no resourceType.")
            continue
        resource_type = resource["resourceType"]
        try:
            model = get_fhir_model_class(resource_type)
        except (KeyError, ValueError):
            problems.append(f"entry[{index}]: {resource_type!r} is not a FHIR R4 resource type.")
            continue
        found = _Entry(index, entry.get("fullUrl") or "", resource)
        try:
            model.model_validate(resource)
        except ValidationError as error:
            errors = _summarise(error)
            more = len(errors) - ERRORS_PER_ENTRY
            shown = "; ".join(errors[:ERRORS_PER_ENTRY]) + (
                f"; and {more} more" if more > 0 else ""
            )
            problems.append(f"{found.label} is not a valid {resource_type}: {shown}.")
            found.valid = False
        entries.append(found)
    return entries


# --- Reading the resources --------------------------------------------------------------------


class _Reader:
    def __init__(self, entries: list[_Entry], problems: list[str]):
        self.entries = entries
        self.problems = problems
        self.by_key: dict[str, _Entry] = {}
        for entry in entries:
            for key in {entry.full_url, entry.key if entry.data.get("id") else ""} - {""}:
                other = self.by_key.get(key)
                if other is not None and other is not entry:
                    problems.append(f"{other.label} and {entry.label} are both {key}.")
                self.by_key[key] = entry
        self.patient: _Entry | None = None
        # Observations that are not a PHQ-9 or GAD-7 total, by what their code says.
        self.other_observations: Counter[str] = Counter()

    def of(self, resource_type: str) -> list[_Entry]:
        return [e for e in self.entries if e.type == resource_type and e.valid]

    def read(self, *, sha256: str, bundle_type: str) -> Received | None:
        patients = [e for e in self.entries if e.type == "Patient"]
        if not patients:
            self.problems.append("The Bundle holds no Patient: there is no client to import.")
        elif len(patients) > 1:
            labels = ", ".join(p.label for p in patients)
            self.problems.append(
                f"The Bundle holds {len(patients)} Patients ({labels}); the import takes the "
                "record of one client at a time."
            )
        else:
            self.patient = patients[0]
        for entry in self.entries:
            if entry.type in CHECKED and entry.valid:
                self.check_references(entry)
        not_imported: list[str] = []
        patient = None
        if self.patient is not None and self.patient.valid:
            patient = self.read_patient(not_imported)
        goals = [g for e in self.of("Goal") if (g := self.read_goal(e, not_imported))]
        plans = [p for e in self.of("CarePlan") if (p := self.read_plan(e, not_imported))]
        scores = [s for e in self.of("Observation") if (s := self.read_score(e, not_imported))]
        summary = self.read_summary(plans, not_imported)
        taken = {"Patient", "Goal", "CarePlan", "Observation", "Composition", "DocumentReference"}
        taken |= {"Organization", "Practitioner"}
        not_imported += [
            f"{n} Observation{'s' if n > 1 else ''} ({label}): not a PHQ-9 or GAD-7 total "
            "(not imported)"
            for label, n in sorted(self.other_observations.items())
        ]
        others = Counter(e.type for e in self.entries if e.type not in taken and e.valid)
        not_imported += [f"{n} {kind} (not imported)" for kind, n in sorted(others.items())]
        if self.problems or patient is None:
            return None
        return Received(
            patient=patient,
            provider=self.read_provider(),
            summary=summary,
            sha256=sha256,
            bundle_type=bundle_type,
            plans=tuple(plans),
            goals=tuple(goals),
            scores=tuple(scores),
            not_imported=tuple(not_imported),
        )

    # References

    def resolve(self, entry: _Entry, reference: str) -> _Entry | bool | None:
        """The entry ``reference`` points at, True for a contained resource, None if absent."""
        if reference.startswith("#"):
            contained = {c.get("id") for c in entry.data.get("contained") or []}
            return True if reference[1:] in contained else None
        if reference in self.by_key:
            return self.by_key[reference]
        if "://" in reference or reference.startswith("urn:"):
            return None  # an absolute reference names a fullUrl, and none matched
        found = TYPE_ID.search(reference)
        if found:
            return self.by_key.get(f"{found.group(1)}/{found.group(2)}")
        return None

    def check_references(self, entry: _Entry) -> None:
        for path, reference in _references(entry.data):
            if self.resolve(entry, reference) is None:
                self.problems.append(
                    f"{entry.label}: broken reference {path} -> {reference}: the Bundle does "
                    "not hold that resource."
                )
        subject = (entry.data.get("subject") or {}).get("reference")
        if subject and self.patient is not None:
            target = self.resolve(entry, subject)
            if target is not None and target is not self.patient:
                self.problems.append(
                    f"{entry.label}: its subject {subject} is not the Bundle's Patient "
                    f"({self.patient.key})."
                )

    # The client

    def read_patient(self, not_imported: list[str]) -> ReceivedPatient | None:
        data = self.patient.data
        label = self.patient.label
        names = [n for n in data.get("name") or [] if n.get("use") not in ("old", "maiden")]
        official = next((n for n in names if n.get("use") == "official"), None)
        name = official or (names[0] if names else None)
        given, family = _given_family(name) if name else ("", "")
        if not given or not family:
            self.problems.append(f"{label}: the Patient needs a given and a family name.")
        usual = next((n for n in names if n.get("use") == "usual" and n is not name), None)
        preferred = _given_family(usual)[0] if usual else ""
        preferred = "" if preferred == given else preferred
        for what, value in (("given", given), ("family", family), ("preferred", preferred)):
            if len(value) > NAME_MAX:
                self.problems.append(
                    f"{label}: the {what} name is longer than {NAME_MAX} characters."
                )
        born = None
        if data.get("birthDate"):
            born = _date(data["birthDate"])
            if born is None:
                not_imported.append("The birth date is not a full date (not imported).")
            elif born > datetime.date.today() or born.year < 1900:
                self.problems.append(f"{label}: the birth date is in the future or before 1900.")
        email = _telecom(data, "email")
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                not_imported.append("The email address is not a valid address (not imported).")
                email = ""
        phone = _telecom(data, "phone")
        if phone and not PHONE.match(phone):
            not_imported.append("The phone number is not in a form Kithkin takes (not imported).")
            phone = ""
        return ReceivedPatient(
            given_name=given[:NAME_MAX],
            family_name=family[:NAME_MAX],
            preferred_name=preferred[:NAME_MAX],
            date_of_birth=born,
            email=email,
            phone=phone,
        )

    def read_provider(self) -> str:
        """Who the history comes from: the Organization(s), else the Practitioner(s)."""
        names = [o.data.get("name", "").strip() for o in self.of("Organization")]
        if not any(names):
            names = [_person_name(p.data) for p in self.of("Practitioner")]
        names = list(dict.fromkeys(n for n in names if n))
        return ", ".join(names)[:PROVIDER_MAX]

    # The work

    def read_goal(self, entry: _Entry, not_imported: list[str]) -> ReceivedGoal | None:
        data = entry.data
        lifecycle = data.get("lifecycleStatus") or ""
        if lifecycle == "entered-in-error":
            not_imported.append(f"{entry.label}: entered in error (not imported).")
            return None
        description = _concept_text(data.get("description"))
        if not description:
            self.problems.append(f"{entry.label}: a Goal without a description.")
        if not lifecycle:
            self.problems.append(f"{entry.label}: a Goal without a lifecycleStatus.")
        due = None
        for target in data.get("target") or []:
            if target.get("dueDate"):
                due = _date(target["dueDate"])
                break
        return ReceivedGoal(
            key=entry.key,
            description=description,
            lifecycle=lifecycle,
            achievement=_concept_text(data.get("achievementStatus")),
            due_on=due,
        )

    def read_plan(self, entry: _Entry, not_imported: list[str]) -> ReceivedPlan | None:
        data = entry.data
        if data.get("status") == "entered-in-error":
            not_imported.append(f"{entry.label}: entered in error (not imported).")
            return None
        goal_keys = []
        for goal in data.get("goal") or []:
            target = self.resolve(entry, goal.get("reference") or "")
            if isinstance(target, _Entry) and target.type == "Goal":
                goal_keys.append(target.key)
        period = data.get("period") or {}
        return ReceivedPlan(
            title=data.get("title") or "",
            status=data.get("status") or "",
            description=data.get("description") or "",
            starts_on=_date(period.get("start")),
            ends_on=_date(period.get("end")),
            activities=tuple(a for a in map(_activity, data.get("activity") or []) if a),
            notes=tuple(n["text"] for n in data.get("note") or [] if n.get("text")),
            goal_keys=tuple(goal_keys),
        )

    def read_score(self, entry: _Entry, not_imported: list[str]) -> ReceivedScore | None:
        data = entry.data
        codes = [
            c.get("code")
            for c in (data.get("code") or {}).get("coding") or []
            if c.get("system") == LOINC
        ]
        instrument = next((TOTALS[c] for c in codes if c in TOTALS), None)
        if instrument is None:
            self.other_observations[_concept_text(data.get("code")) or "no code"] += 1
            return None
        if data.get("status") in ("entered-in-error", "cancelled"):
            not_imported.append(f"{entry.label}: {data['status']} (not imported).")
            return None
        spec = shipped_instruments()[instrument]
        if "valueInteger" in data:
            value = data["valueInteger"]
        elif "valueQuantity" in data and "value" in data["valueQuantity"]:
            value = data["valueQuantity"]["value"]
        elif any(k.startswith("value") for k in data):
            self.problems.append(
                f"{entry.label}: a {spec.short_title} total must be a valueInteger or a "
                "valueQuantity."
            )
            return None
        else:
            # An incomplete questionnaire has no total; a blank is not a 0.
            not_imported.append(
                f"{entry.label}: a {spec.short_title} without a total (not imported)."
            )
            return None
        if isinstance(value, bool) or Decimal(str(value)) % 1 != 0:
            self.problems.append(f"{entry.label}: a {spec.short_title} total is a whole number.")
            return None
        total = int(Decimal(str(value)))
        if not spec.low <= total <= spec.high:
            self.problems.append(
                f"{entry.label}: a {spec.short_title} total lies between {spec.low} and "
                f"{spec.high}."
            )
            return None
        when = (
            data.get("effectiveDateTime")
            or data.get("effectiveInstant")
            or (data.get("effectivePeriod") or {}).get("start")
        )
        measured_on = _date(when)
        if measured_on is None:
            self.problems.append(
                f"{entry.label}: a {spec.short_title} total needs the day it was measured "
                "(effectiveDateTime)."
            )
            return None
        return ReceivedScore(instrument=instrument, total=total, measured_on=measured_on)

    def read_summary(self, plans: list[ReceivedPlan], not_imported: list[str]) -> str:
        parts = [_composition_text(e.data) for e in self.of("Composition")]
        for entry in self.of("DocumentReference"):
            text = self.document_text(entry)
            if text is None:
                not_imported.append(
                    f"{entry.label}: no inline text/plain attachment (not imported)."
                )
            else:
                parts.append(text)
        parts = [p for p in parts if p.strip()]
        if not parts:
            # No letter came with the plan: its description is the summary it has.
            parts = [p.description for p in plans if p.description]
        return "\n\n".join(parts)

    def document_text(self, entry: _Entry) -> str | None:
        for content in entry.data.get("content") or []:
            attachment = content.get("attachment") or {}
            kind = (attachment.get("contentType") or "").split(";")[0].strip()
            if kind != "text/plain" or not attachment.get("data"):
                continue
            try:
                return base64.b64decode(attachment["data"], validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                self.problems.append(f"{entry.label}: its text/plain attachment is not UTF-8.")
                return ""
        return None


def _references(value, path: str = ""):
    """Every (path, reference) of a Reference inside ``value``; contained resources are their
    own and are not followed."""
    if isinstance(value, dict):
        reference = value.get("reference")
        if isinstance(reference, str):
            yield path or "reference", reference
        for key, inner in value.items():
            if key in ("contained", "reference"):
                continue
            yield from _references(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            yield from _references(inner, f"{path}[{n}]")


def _given_family(name: dict) -> tuple[str, str]:
    given = " ".join(g.strip() for g in name.get("given") or [] if g and g.strip())
    family = (name.get("family") or "").strip()
    if (not given or not family) and name.get("text"):
        words = name["text"].split()
        if len(words) >= 2:
            given, family = given or " ".join(words[:-1]), family or words[-1]
    return given, family


def _person_name(data: dict) -> str:
    for name in data.get("name") or []:
        if name.get("text"):
            return name["text"].strip()
        given, family = _given_family(name)
        if given or family:
            return f"{given} {family}".strip()
    return ""


def _telecom(data: dict, system: str) -> str:
    for telecom in data.get("telecom") or []:
        if telecom.get("system") == system and telecom.get("value"):
            return telecom["value"].strip()
    return ""


def _date(value) -> datetime.date | None:
    """The day of a FHIR date or dateTime; None for a partial date ("2024", "2024-03")."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _concept_text(concept) -> str:
    if not isinstance(concept, dict):
        return ""
    if concept.get("text"):
        return concept["text"].strip()
    for coding in concept.get("coding") or []:
        if coding.get("display") or coding.get("code"):
            return (coding.get("display") or coding["code"]).strip()
    return ""


def _activity(activity: dict) -> str:
    detail = activity.get("detail") or {}
    what = (
        detail.get("description")
        or _concept_text(detail.get("code"))
        or (activity.get("reference") or {}).get("display")
        or ""
    )
    when = detail.get("scheduledString") or _date(
        (detail.get("scheduledPeriod") or {}).get("start")
    )
    parts = [what, str(when) if when else "", detail.get("status") or ""]
    progress = [p["text"] for p in activity.get("progress") or [] if p.get("text")]
    line = ", ".join(p for p in parts if p)
    return "; ".join(part for part in (line, *progress) if part)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "br", "li", "div", "tr", "h1", "h2", "h3"):
            self.parts.append("\n")


def narrative_text(div: str) -> str:
    """The words of an XHTML narrative, without its markup (never rendered as HTML here)."""
    parser = _Text()
    parser.feed(div or "")
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)


def _composition_text(data: dict) -> str:
    parts = [data.get("title") or ""]

    def sections(items, depth=0):
        for section in items or []:
            title = section.get("title") or ""
            text = narrative_text((section.get("text") or {}).get("div") or "")
            parts.append(f"{title}\n{text}".strip() if title else text)
            sections(section.get("section"), depth + 1)

    sections(data.get("section"))
    return "\n\n".join(p for p in parts if p)
