"""What leaves the practice: resources pass through the disclosure guard on their way out.

``released_dicts`` is the one door, and every answer of the facade goes through it: reads,
searches, $everything and bulk $export. It asks ``kithkin.core.disclosure`` (never a rule of its
own) which people in the client's life the audience may see, drops the RelatedPerson of
everyone withheld and every resource labelled V (very restricted), removes every reference to
what was dropped (a care team member, a session attendee), and runs free text through the
core's ``redact``, the second line of defence for a name in a sentence. The label on a kept
resource stays: it tells the receiving system the same thing.

It takes the builders' validated dicts (``build.<resource>.data``, see ``kithkin.fhir.valid``)
and scrubs them as dicts; only a dict the scrub changed is validated again, to know it can
still stand. No model is built or dumped on the way: for a 300-session client (1,421
resources), building and dumping the models took nearly all of $everything's two seconds.
``outgoing`` is the same guard (``_released``) for callers that hold models.
"""

import json
from collections.abc import Iterable, Iterator

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from kithkin.core.disclosure import (
    Audience,
    PartnerView,
    could_name,
    guard,
    is_outbound,
    redact,
)
from kithkin.fhir import codes
from kithkin.fhir.valid import Valid, bundle_of, check_text, checking, valid

# Elements that carry free text a therapist or client wrote (or a name in it).
FREE_TEXT = frozenset({"text", "div", "description", "valueString", "detailString", "comment"})


class Dropped(Exception):
    """A reference to a dropped resource sat in an element the resource cannot do without."""


def model_class(resource_type: str) -> type[Resource]:
    return get_fhir_model_class(resource_type)


def is_very_restricted(data: dict) -> bool:
    security = (data.get("meta") or {}).get("security") or []
    return any(
        label.get("system") == codes.V3_CONFIDENTIALITY
        and label.get("code") == codes.VERY_RESTRICTED
        for label in security
    )


def _involvement(data: dict) -> str | None:
    for extension in data.get("extension") or []:
        if extension.get("url") == codes.EXT_PARTNER_INVOLVEMENT:
            return extension.get("valueCode")
    return None


def _first_text(data: dict, key: str) -> str:
    entries = data.get(key) or []
    return (entries[0].get("text") or "") if entries else ""


def _view(data: dict) -> PartnerView:
    return PartnerView(
        person_id=int(data["id"]),
        label=_first_text(data, "name"),
        involvement=_involvement(data),
        role=_first_text(data, "relationship"),
    )


def outgoing(
    resources: Iterable[Resource | dict], *, audience: Audience | str = Audience.FHIR_EXPORT
) -> list[Resource]:
    """The resources ``audience`` may receive, in the order given, as models.

    Pass the client's people (their RelatedPersons) with the rest: the guard can only name, and
    ``redact`` can only find in free text, the people it is shown. A reference to a person who
    is not among those released is removed all the same (fail closed).
    """
    models = [
        r if isinstance(r, Resource) else model_class(r["resourceType"]).model_validate(r)
        for r in resources
    ]
    if not is_outbound(audience):
        return models
    dicts = [as_json(model) for model in models]
    released = _released(
        dicts, audience, check=lambda data: model_class(data["resourceType"]).model_validate(data)
    )
    return [models[index] if model is None else model for index, _, model, _ in released]


def released_dicts(
    resources: Iterable[Resource | dict], *, audience: Audience | str = Audience.FHIR_EXPORT
) -> list[dict]:
    """What ``outgoing`` releases, as JSON dicts (``to_json`` writes them): for answers that go
    out as text. Give it the validated dicts of the builders (``build.<resource>.data``), or
    models, which are dumped first; any other dict is validated by its model first."""
    return [data for data, _ in released_json(resources, audience=audience)]


def released_json(
    resources: Iterable[Resource | dict], *, audience: Audience | str = Audience.FHIR_EXPORT
) -> list[tuple[dict, str]]:
    """``released_dicts``, each dict with its text (``to_json`` of it), written once: the guard
    reads the text to know whether a resource needs scrubbing at all, and an answer written as
    text ($everything, bulk $export) sends it as it is."""
    dicts = [_validated(r) for r in resources]
    if not is_outbound(audience):
        return [(data, data.text if isinstance(data, Valid) else to_json(data)) for data in dicts]
    released = _released(
        dicts, audience, check=lambda data: valid(model_class(data["resourceType"]), data)
    )
    return [(data, text) for _, data, _, text in released]


def _validated(resource: Resource | dict) -> dict:
    """A model's dump, or a dict its model has accepted: nothing leaves unvalidated, even a dict
    that did not come from a builder."""
    if isinstance(resource, Valid):
        return resource
    if isinstance(resource, dict):
        return valid(model_class(resource["resourceType"]), resource)
    return as_json(resource)


def as_json(resource: Resource) -> dict:
    """The resource as JSON-ready data, exactly as ``model_dump(mode="json")`` gives it.

    The model's own serializer, called directly: ``model_dump`` only sets (and resets) the
    comment and summary switches around this same call, and at their defaults they change
    nothing. A test holds its text byte for byte to ``model_dump_json``'s."""
    return type(resource).__pydantic_serializer__.to_python(
        resource, mode="json", by_alias=True, exclude_none=True
    )


def to_json(data: dict) -> str:
    """A released dict as text, byte for byte as pydantic's ``model_dump_json`` writes the
    model: compact, with non-ASCII characters as they are (never escaped)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def searchset_text(released: list[tuple[dict, str]], *, base: str) -> str:
    """A searchset Bundle of ``released_json``'s resources (as $everything answers), written from
    their texts: byte for byte ``to_json`` of the Bundle's dict (keys in the R4B model's order),
    without writing each resource a second time."""
    entries = []
    for data, text in released:
        url = to_json(f"{base}{data['resourceType']}/{data['id']}")
        entries.append(f'{{"fullUrl":{url},"resource":{text},"search":{{"mode":"match"}}}}')
    head = f'{{"resourceType":"Bundle","type":"searchset","total":{len(released)}'
    text = f'{head},"entry":[{",".join(entries)}]}}' if entries else f"{head}}}"
    if checking():
        # The test settings' check: the text is the Bundle's dict written whole, and the R4B
        # Bundle model accepts it.
        check_text(bundle_of(json.loads(text)), text)
    return text


def _released(dicts: list[dict], audience, *, check) -> Iterator[tuple[int, dict, object, str]]:
    """Each resource the outbound ``audience`` may receive: its index in ``dicts``, its released
    dict, what ``check`` made of that dict if the scrub changed it (else None), and its text.
    ``check`` validates a changed dict (raising pydantic's ``ValidationError`` if it cannot
    stand)."""
    people = [d for d in dicts if d["resourceType"] == "RelatedPerson"]
    guarded = guard((_view(d) for d in people), audience)
    withheld_ids = {str(view.person_id) for view in guarded.withheld}
    kept = [
        (index, data)
        for index, data in enumerate(dicts)
        if not is_very_restricted(data)
        and not (data["resourceType"] == "RelatedPerson" and data["id"] in withheld_ids)
    ]
    released_keys = {f"{data['resourceType']}/{data['id']}" for _, data in kept}
    dropped = {f"{d['resourceType']}/{d['id']}" for d in dicts} - released_keys
    names = could_name(guarded.withheld)

    def is_dropped(reference) -> bool:
        if not isinstance(reference, str):
            return False
        if reference in dropped:
            return True
        # A person the guard was never shown has not been cleared either.
        return reference.startswith("RelatedPerson/") and reference not in released_keys

    for index, data in kept:
        text = data.text if isinstance(data, Valid) else to_json(data)
        if not _may_need_scrub(text, dropped, names):
            yield index, data, None, text
            continue
        checked = None
        try:
            scrubbed = _scrub(data, is_dropped, guarded.withheld)
            if scrubbed is not data:
                # Something was removed or redacted: the model says whether what is left is
                # still a valid resource.
                checked = check(scrubbed)
                text = to_json(scrubbed)
        except (Dropped, ValidationError):
            # Fail closed: a resource that cannot stand without the withheld person stays home.
            continue
        yield index, scrubbed, checked, text


def _may_need_scrub(text: str, dropped: set[str], names) -> bool:
    """False only for a resource the scrub would give back unchanged, told from its text. The
    scrub removes a reference that is dropped (a key of ``dropped``, or a person's) and redacts
    free text naming someone withheld: a reference is written in the text as it is (ids and
    types need no escaping), and ``names`` (``could_name``) errs towards True. Most of a record
    (its scores, most sessions) names no one, and walking it cost $everything a third of its
    time."""
    return "RelatedPerson/" in text or any(key in text for key in dropped) or names(text)


def _scrub(value, is_dropped, withheld, key: str | None = None, *, in_entry: bool = False):
    """``value`` with what must stay home taken out; ``value`` itself (the same object) when
    nothing was, so the caller can tell a changed resource by identity. Raises ``Dropped`` for
    a reference to a dropped resource that no list entry around it goes with."""
    if isinstance(value, dict):
        if is_dropped(value.get("reference")):
            raise Dropped
        scrubbed = {
            k: _scrub(v, is_dropped, withheld, k, in_entry=in_entry) for k, v in value.items()
        }
        kept = {k: v for k, v in scrubbed.items() if v not in ([], {})}
        if len(kept) == len(value) and all(kept[k] is v for k, v in value.items()):
            return value
        return kept
    if isinstance(value, list):
        if in_entry:
            # Inside an entry of an outer list: a dropped reference here takes that whole
            # entry with it, so it travels up to the outer list.
            scrubbed = [_scrub(v, is_dropped, withheld, key, in_entry=True) for v in value]
        else:
            # A list entry that points at a dropped resource anywhere inside it (a participant,
            # an attendee) goes whole: an entry without its member would be meaningless, or
            # invalid. One pass: the entry is scrubbed, and dropped if that finds the reference.
            scrubbed = []
            for v in value:
                try:
                    scrubbed.append(_scrub(v, is_dropped, withheld, key, in_entry=True))
                except Dropped:
                    continue
        same = len(scrubbed) == len(value)
        if same and all(a is b for a, b in zip(scrubbed, value, strict=True)):
            return value
        return scrubbed
    if isinstance(value, str) and key in FREE_TEXT and withheld:
        redacted = redact(value, withheld)
        return value if redacted == value else redacted
    return value


def bundle_for_release(
    resources: Iterable[Resource],
    *,
    audience: Audience | str = Audience.FHIR_EXPORT,
    base: str | None = None,
) -> Bundle:
    """A collection Bundle of what ``audience`` may receive. ``base`` (the server's FHIR base
    URL) gives each entry its fullUrl."""
    entries = []
    for resource in outgoing(resources, audience=audience):
        entry = {"resource": resource}
        if base:
            entry["fullUrl"] = f"{base.rstrip('/')}/{resource.get_resource_type()}/{resource.id}"
        entries.append(entry)
    bundle = {"type": "collection"}
    if entries:
        bundle["entry"] = entries
    return Bundle.model_validate(bundle)
