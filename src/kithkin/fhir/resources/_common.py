"""Small pieces every builder uses."""

import datetime


def ref(resource_type: str, pk, display: str | None = None) -> dict:
    reference = {"reference": f"{resource_type}/{pk}"}
    if display:
        reference["display"] = display
    return reference


def instant(moment: datetime.datetime) -> str:
    # fhir.resources refuses a dateTime with a time but no zone (REFERENCE.md, pitfalls).
    if moment.tzinfo is None:
        raise ValueError("A FHIR dateTime with a time needs a timezone.")
    # UTC as the R4B models write it, so that the dict sent is the model's own dump.
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def day(date: datetime.date | None) -> str | None:
    return date.isoformat() if date else None


def coding(system: str, code: str, display: str | None = None) -> dict:
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    found = {"coding": [coding(system, code, display)]}
    if text:
        found["text"] = text
    return found


def prune(mapping: dict) -> dict:
    """Drops empty values: FHIR forbids empty elements, and fhir.resources would keep them."""
    return {key: value for key, value in mapping.items() if value not in (None, "", [], {})}
