"""Questionnaires as data, a client's answers, and the score: Questionnaire,
QuestionnaireResponse and Observation. Everything is derived from the core's Instrument, so the
codes in FHIR are the ones the definition file carries (PHQ-9 and GAD-7: LOINC)."""

import re

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kithkin.core.instruments import RISK, SHIPPED, Instrument, Item
from kithkin.fhir import codes
from kithkin.fhir.resources._common import coding, concept, instant, prune, ref
from kithkin.fhir.valid import builds


def questionnaire_id(instrument: Instrument) -> str:
    """A FHIR id ([A-Za-z0-9.-], at most 64) from the code and version. A code may hold "_",
    which an id may not: it becomes ".", which no code holds, so the first "-" still ends the
    code and no two definitions share an id."""
    code = instrument.code.replace("_", ".")
    version = re.sub(r"[^A-Za-z0-9.\-]", ".", instrument.version)
    return f"{code}-{version}"[:64]


def canonical(instrument: Instrument) -> str:
    return f"{codes.QUESTIONNAIRE}/{instrument.code}|{instrument.version}"


def shares_wording(instrument: Instrument) -> bool:
    """Whether the items' words may leave the practice. Kithkin ships only instruments free to
    use (PHQ-9, GAD-7) or its own (the alliance check-in); a practice-loaded one is licensed to
    that practice, and its definition format has no term that allows passing its wording on, so
    its questions, options and instructions stay home (docs/fhir/mapping.md). A practice cannot
    load a shipped code, so the code says which kind it is."""
    return instrument.code in SHIPPED


def _text(instrument: Instrument, text: str) -> str | None:
    return text if shares_wording(instrument) else None


def option_coding(instrument: Instrument, item: Item, value: int) -> dict:
    option = item.option(value)
    label = _text(instrument, option.label)
    if option.code and instrument.code_system:
        return coding(instrument.code_system, option.code, label)
    return coding(codes.answer_system(instrument.code, item.answer_set), str(value), label)


def _item_code(instrument: Instrument, code: str | None) -> list | None:
    if code and instrument.code_system:
        return [coding(instrument.code_system, code)]
    return None


@builds(Questionnaire)
def questionnaire(instrument: Instrument) -> dict:
    """The instrument as a Questionnaire: each item a choice, each option with its score as an
    ordinalValue, and the standard codes the definition gives. A licensed instrument a practice
    loaded keeps its structure, codes and scores but none of its wording (``shares_wording``)."""
    items = [
        prune(
            {
                "linkId": str(item.number),
                "code": _item_code(instrument, item.code),
                "prefix": f"{item.number}.",
                "text": _text(instrument, item.text),
                "type": "choice",
                "required": item.required,
                "answerOption": [
                    {
                        "extension": [{"url": codes.ORDINAL_VALUE, "valueDecimal": option.value}],
                        "valueCoding": option_coding(instrument, item, option.value),
                    }
                    for option in item.options
                ],
            }
        )
        for item in instrument.items
    ]
    items += [
        prune(
            {
                "linkId": question.key,
                "text": _text(instrument, question.text),
                "type": "text",
                "required": False,
            }
        )
        for question in instrument.free_text
    ]
    return prune(
        {
            "id": questionnaire_id(instrument),
            "url": f"{codes.QUESTIONNAIRE}/{instrument.code}",
            "version": instrument.version,
            "name": instrument.code.upper(),
            "title": instrument.title,
            "status": "active",
            "subjectType": ["Patient"],
            # An unvalidated form (the alliance check-in) says so wherever it is named.
            "description": instrument.label_note,
            "purpose": _text(instrument, instrument.instructions) or None,
            "copyright": instrument.licence or None,
            "code": _item_code(instrument, instrument.panel_code),
            "item": items,
        }
    )


def _author(response):
    if response.respondent == "therapist" and response.entered_by_id:
        return ref("Practitioner", response.entered_by_id)
    return ref("Patient", response.client_id)


@builds(QuestionnaireResponse)
def questionnaire_response(response, instrument: Instrument, *, answers) -> dict:
    """A response with its Answer rows. A blank item has no row and no answer here: it was not
    answered, which is not the same as a 0."""
    given = {answer.item: answer.value for answer in answers}
    items = [
        prune(
            {
                "linkId": str(item.number),
                "text": _text(instrument, item.text),
                "answer": [{"valueCoding": option_coding(instrument, item, given[item.number])}]
                if item.number in given
                else None,
            }
        )
        for item in instrument.items
    ]
    if response.free_text and instrument.free_text:
        question = instrument.free_text[0]
        items.append(
            prune(
                {
                    "linkId": question.key,
                    "text": _text(instrument, question.text),
                    "answer": [{"valueString": response.free_text}],
                }
            )
        )
    return prune(
        {
            "id": str(response.pk),
            # A response is never changed once given: its submission is its last update.
            "meta": {"lastUpdated": instant(response.submitted_at)},
            "questionnaire": canonical(instrument),
            "status": "completed",
            "subject": ref("Patient", response.client_id),
            "encounter": ref("Encounter", response.session_id) if response.session_id else None,
            "authored": instant(response.submitted_at),
            "author": _author(response),
            "source": _author(response),
            "item": items,
        }
    )


SURVEY = concept(codes.OBSERVATION_CATEGORY, "survey", "Survey")


def observation_code(instrument: Instrument) -> dict:
    """Observation.code of the instrument's total: its LOINC code where it has one."""
    if instrument.total_code and instrument.code_system:
        return concept(
            instrument.code_system, instrument.total_code, text=f"{instrument.short_title} total"
        )
    return concept(
        codes.CS_INSTRUMENT_TOTAL, instrument.code, text=f"{instrument.short_title} total"
    )


def _unknown(text: str) -> dict:
    return concept(codes.DATA_ABSENT, "unknown", "Unknown", text=text)


def _risk_component(instrument: Instrument, given: dict) -> dict | None:
    """The self-harm item (PHQ-9 item 9) travels with the total as its own component, because
    any answer of 1 or more asks for a same-day review whatever the total (Kroenke 2001). A
    blank is sent as unknown, never as 0; and a 0 is the client's answer, not "no risk"."""
    rule = next((rule for rule in instrument.alert_rules if rule.code == RISK), None)
    if rule is None:
        return None
    item = instrument.item(rule.item)
    text = _text(instrument, item.text) or f"Item {item.number}"
    code = concept(instrument.code_system, item.code, text=text) if item.code else None
    code = code or {"text": text}
    if rule.item not in given:
        return {"code": code, "dataAbsentReason": _unknown("Not answered: risk unknown")}
    component = {"code": code, "valueInteger": given[rule.item]}
    if rule.raised_by(given[rule.item]):
        component["interpretation"] = [{"text": rule.label}]
    return component


@builds(Observation)
def observation(response, instrument: Instrument, *, answers) -> dict:
    """The score of a response. An incomplete response has no total (a blank is not a 0), so
    its Observation carries a data-absent reason saying how many items were answered."""
    given = {answer.item: answer.value for answer in answers}
    required = sum(1 for item in instrument.items if item.required)
    value = {}
    if response.complete:
        value["valueInteger"] = response.total
        if response.band:
            value["interpretation"] = [{"text": response.band}]
    else:
        value["dataAbsentReason"] = _unknown(
            f"Incomplete: {response.answered} of {required} items answered"
        )
    risk = _risk_component(instrument, given)
    return prune(
        {
            "id": str(response.pk),
            "meta": {"lastUpdated": instant(response.submitted_at)},
            "status": "final",
            "category": [SURVEY],
            "code": observation_code(instrument),
            "subject": ref("Patient", response.client_id),
            "encounter": ref("Encounter", response.session_id) if response.session_id else None,
            "effectiveDateTime": instant(response.submitted_at),
            **value,
            "derivedFrom": [ref("QuestionnaireResponse", response.pk)],
            "component": [risk] if risk else None,
        }
    )
