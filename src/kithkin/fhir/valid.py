"""Validation by the R4B models, paid once for each distinct resource.

Every resource Kithkin sends is a dict its builder wrote and its fhir.resources model accepted.
The model costs a few hundred microseconds to build and as much again to dump (its serializer
walks every element in Python), which made a 300-session record take seconds. So:

- a resource goes out as the dict the model accepted, not as the model's dump. The builders write
  exactly what the model would dump (zone ``Z`` for UTC, the model's key order); with
  ``FHIR_CHECK_DUMP`` on (the test settings), every validation also dumps the model and refuses a
  dict that differs, so each builder is held to it, byte for byte, by the whole suite;
- a dict this process has validated before is not validated again. The memo holds only a digest
  of each dict's text, never the text itself: no client's record is kept in memory by it. Two
  dicts with the same text are the same resource to the model, so the answer cannot go stale.
"""

import contextlib
import contextvars
import functools
import hashlib
import json

from django.conf import settings
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource

# About 80 bytes each: at the limit the memo holds some 8 MB, and starts again when full (a
# miss only costs the validation it saves).
LIMIT = 100_000
_seen: set[bytes] = set()
_remembering = contextvars.ContextVar("kithkin_fhir_remembering", default=True)


class NotAsDumped(ValueError):
    """A builder wrote a dict that its model dumps differently (a check of the test settings)."""


class Valid(dict):
    """A resource's dict that its model accepted, with ``text``, the JSON it was validated as:
    what the release guard reads and sends when it changes nothing (it never writes the same
    resource twice). Nothing may change it afterwards; the guard's scrub makes a new dict."""

    __slots__ = ("text",)


class Element(dict):
    """A part that many resources share word for word (a session's class, a participant's
    type), validated once by its element model. It goes into a resource's dict like any other
    dict; when the resource is validated, ``model`` stands in for it, and pydantic takes a
    validated instance of the field's own type as it is. Every session's Encounter repeats
    six such elements: validating them once halved the Encounter's validation. Never change
    one: it is shared."""

    __slots__ = ("model",)


def element(model: type, data: dict) -> Element:
    """``data`` as an Element, validated by ``model`` (a Coding, a CodeableConcept) now."""
    found = Element(data)
    found.model = model.model_validate(data)
    return found


def _for_validation(value):
    """``value`` with each Element replaced by its validated model (only dicts and lists are
    walked: a resource holds thousands of strings)."""
    if isinstance(value, dict):
        if type(value) is Element:
            return value.model
        return {
            key: _for_validation(item) if isinstance(item, dict | list) else item
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_for_validation(item) if isinstance(item, dict | list) else item for item in value]
    return value


def valid(model: type[Resource], data: dict) -> Valid:
    """``data`` with its ``resourceType`` first, once ``model`` accepts it (raises pydantic's
    ``ValidationError`` if not)."""
    data = Valid(_typed(model, data))
    text = data.text = _text(data)
    digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
    if digest in _seen:
        return data
    _checked(model.model_validate(_for_validation(data)), text)
    if _remembering.get():
        if len(_seen) >= LIMIT:
            _seen.clear()
        _seen.add(digest)
    return data


def model_of(model: type[Resource], data: dict) -> Resource:
    """The validated model of ``data``, for an answer that needs the model itself."""
    data = _typed(model, data)
    resource = model.model_validate(_for_validation(data))
    return _checked(resource, None if not checking() else _text(data))


def builds(model: type[Resource]):
    """Turns a function that writes a resource's dict into its builder. Called, the builder gives
    the validated model, as before; ``builder.data(...)`` gives the validated dict, which goes out
    as it is (``valid``)."""

    def decorate(write):
        @functools.wraps(write)
        def builder(*args, **kwargs) -> Resource:
            return model_of(model, write(*args, **kwargs))

        def data(*args, **kwargs) -> dict:
            return valid(model, write(*args, **kwargs))

        builder.data = data
        builder.model = model
        return builder

    return decorate


def bundle_of(data: dict) -> dict:
    """A Bundle of resources that are valid already, as a dict with its ``resourceType`` first.
    Only under the check is the whole Bundle validated again: each entry's resource was, and
    the Bundle around them (a type, a total, links, full URLs) is written by one function."""
    data = _typed(Bundle, data)
    if checking():
        _checked(Bundle.model_validate(data), _text(data))
    return data


@contextlib.contextmanager
def unremembered():
    """Within it the memo is consulted but not added to: for a pass over the whole practice
    (bulk $export), which would fill it with what it never asks for again, and would make the
    job's memory grow with the practice."""
    token = _remembering.set(False)
    try:
        yield
    finally:
        _remembering.reset(token)


def forget() -> None:
    """Empties the memo (for tests that count validations)."""
    _seen.clear()


def _typed(model, data: dict) -> dict:
    return {"resourceType": model.get_resource_type(), **data}


def _text(data: dict) -> str:
    # As pydantic's model_dump_json writes: compact, non-ASCII as it is.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def check_text(data: dict, text: str) -> None:
    """Refuses ``text`` unless it is ``data`` as the facade writes it."""
    if _text(data) != text:
        raise NotAsDumped(f"written: {text}\nexpected: {_text(data)}")


def checking() -> bool:
    """Whether the test settings' check (``FHIR_CHECK_DUMP``) is on."""
    return getattr(settings, "FHIR_CHECK_DUMP", False)


def _checked(resource: Resource, text: str | None) -> Resource:
    if text is not None and checking():
        dumped = resource.model_dump_json()
        if dumped != text:
            raise NotAsDumped(f"built:  {text}\ndumped: {dumped}")
    return resource
