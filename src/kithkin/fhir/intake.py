"""A QuestionnaireResponse sent by another app, read into what the measures service takes.

Nothing here writes: the view hands what is read to ``kithkin.measures.services.response_submit``,
the portal's and the REST API's one door, so a response from outside is checked, scored and
alerted on exactly as one from the portal. What this module refuses it refuses before anything
is stored, each with the status FHIR gives it: a body that is not a QuestionnaireResponse is 400,
one that is well formed but cannot be taken (an instrument not shipped, an answer the item does
not offer) is 422.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from kithkin.core.instruments import Instrument
from kithkin.fhir import codes
from kithkin.fhir import resources as build

# Relative (Patient/12) or absolute (https://host/fhir/R4/Patient/12) references.
PATIENT = re.compile(r"(?:^|/)Patient/(\d+)$")
ENCOUNTER = re.compile(r"(?:^|/)Encounter/(\d+)$")
QUESTIONNAIRE_ID = re.compile(r"(?:^|/)Questionnaire/([A-Za-z0-9.\-]+)$")
KEY_MAX = 64


class Refused(ValueError):
    """A submission the facade will not take: ``status`` and the FHIR issue ``code`` to answer."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code


def invalid(message: str) -> Refused:
    return Refused(422, "processing", message)


def parse(body: bytes) -> QuestionnaireResponse:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "structure", "The body is not JSON.") from None
    except RecursionError:
        # Nested deeper than Python's stack: no resource is, so it is refused, never a 500.
        raise Refused(400, "structure", "The body is nested too deeply.") from None
    if not isinstance(data, dict) or data.get("resourceType") != "QuestionnaireResponse":
        raise Refused(400, "structure", "The body must be a QuestionnaireResponse resource.")
    try:
        return QuestionnaireResponse.model_validate(data)
    except ValidationError as error:
        # Where and what, never the value: it may be the client's answer.
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the resource"
        message = first["msg"].split("\n")[0]
        raise Refused(
            400, "structure", f"Not a valid R4B QuestionnaireResponse at {where}: {message}"
        ) from None


def patient_id(resource: QuestionnaireResponse) -> int:
    reference = resource.subject.reference if resource.subject else None
    found = PATIENT.search(reference or "")
    if not found:
        raise invalid("subject must be the Patient the answers are about: Patient/{id}.")
    return int(found.group(1))


def encounter_id(resource: QuestionnaireResponse) -> int | None:
    if resource.encounter is None:
        return None
    found = ENCOUNTER.search(resource.encounter.reference or "")
    if not found:
        raise invalid("encounter must be Encounter/{id}, a session of the Patient's.")
    return int(found.group(1))


def instrument_of(resource: QuestionnaireResponse, shipped: Mapping[str, Instrument]):
    """The shipped instrument ``questionnaire`` names, by its canonical URL (with or without
    ``|version``) or as Questionnaire/{id}. Another version than the one shipped is refused: its
    items could differ."""
    named = str(resource.questionnaire or "")
    listed = ", ".join(sorted(build.questionnaire_id(i) for i in shipped.values()))
    for instrument in shipped.values():
        url = f"{codes.QUESTIONNAIRE}/{instrument.code}"
        if named == url or named.startswith(f"{url}|"):
            version = named.partition("|")[2]
            if version and version != instrument.version:
                raise invalid(
                    f"{instrument.short_title} is answered in version {instrument.version} here, "
                    f"not {version}."
                )
            return instrument
        found = QUESTIONNAIRE_ID.search(named)
        if found and found.group(1) == build.questionnaire_id(instrument):
            return instrument
    raise invalid(f"questionnaire must be one of the shipped questionnaires: {listed}.")


@dataclass(frozen=True)
class Answers:
    values: dict[int, int | None]
    free_text: str


def _value(instrument: Instrument, item, answer) -> int:
    if answer.valueCoding is not None:
        for option in item.options:
            offered = build.option_coding(instrument, item, option.value)
            coded = answer.valueCoding
            if coded.code == offered["code"] and coded.system in (None, offered["system"]):
                return option.value
        raise invalid(f"Item {item.number}: that coding is not one of its answer options.")
    if answer.valueInteger is not None:
        # The option's score itself; the instrument's check refuses one it does not offer.
        return answer.valueInteger
    raise invalid(
        f"Item {item.number} is answered with valueCoding (or its score as valueInteger)."
    )


def answers_of(resource: QuestionnaireResponse, instrument: Instrument) -> Answers:
    """Item number to value (None for an item sent without an answer, which is unanswered,
    never 0), and the answer in words if the instrument asks for one."""
    if resource.status != "completed":
        raise invalid("Only a completed QuestionnaireResponse is taken (status: completed).")
    items = {str(item.number): item for item in instrument.items}
    questions = {question.key for question in instrument.free_text}
    values: dict[int, int | None] = {}
    free_text = ""
    seen = set()
    for entry in resource.item or []:
        if entry.linkId in seen:
            raise invalid(f"Item {entry.linkId} is answered twice.")
        seen.add(entry.linkId)
        if entry.item:
            raise invalid(f"{instrument.short_title} has no nested items (item {entry.linkId}).")
        answers = entry.answer or []
        if len(answers) > 1:
            raise invalid(f"Item {entry.linkId} takes one answer.")
        if entry.linkId in questions:
            if answers and answers[0].valueString is None:
                raise invalid(f"{entry.linkId} is answered in words (valueString).")
            free_text = answers[0].valueString if answers else ""
            continue
        item = items.get(entry.linkId)
        if item is None:
            raise invalid(f"{instrument.short_title} has no item {entry.linkId}.")
        values[item.number] = _value(instrument, item, answers[0]) if answers else None
    if not any(value is not None for value in values.values()) and not free_text:
        raise invalid("The QuestionnaireResponse answers no item.")
    return Answers(values=values, free_text=free_text)


def idempotency_key(request, resource: QuestionnaireResponse) -> str | None:
    """The Idempotency-Key header, or the response's own identifier: sent twice, either gives
    back the first response instead of storing a second. None: the caller makes one up."""
    key = request.headers.get("Idempotency-Key")
    if not key and resource.identifier is not None and resource.identifier.value:
        key = f"fhir:{resource.identifier.system or ''}|{resource.identifier.value}"
    if key and len(key) > KEY_MAX:
        raise invalid(f"The Idempotency-Key (or identifier) is longer than {KEY_MAX} characters.")
    return key or None
