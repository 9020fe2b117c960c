"""What leaves the practice: resources pass through the disclosure guard on their way out.

``outgoing`` is the one door. It asks ``kithkin.core.disclosure`` (never a rule of its own)
which people in the client's life the audience may see, drops the RelatedPerson of everyone
withheld and every resource labelled V (very restricted), removes every reference to what was
dropped (a care team member, a session attendee), and runs free text through the core's
``redact``, the second line of defence for a name in a sentence. The label on a kept resource
stays: it tells the receiving system the same thing.
"""

from collections.abc import Iterable

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from kithkin.core.disclosure import Audience, PartnerView, guard, is_outbound, redact
from kithkin.fhir import codes

# Elements that carry free text a therapist or client wrote (or a name in it).
FREE_TEXT = frozenset({"text", "div", "description", "valueString", "detailString", "comment"})


class Dropped(Exception):
    """A reference to a dropped resource sat in an element the resource cannot do without."""


def is_very_restricted(resource: Resource) -> bool:
    security = (resource.meta.security or []) if resource.meta else []
    return any(
        label.system == codes.V3_CONFIDENTIALITY and label.code == codes.VERY_RESTRICTED
        for label in security
    )


def _involvement(resource) -> str | None:
    for extension in resource.extension or []:
        if extension.url == codes.EXT_PARTNER_INVOLVEMENT:
            return extension.valueCode
    return None


def _view(resource) -> PartnerView:
    name = resource.name[0].text if resource.name else ""
    role = resource.relationship[0].text if resource.relationship else ""
    return PartnerView(
        person_id=int(resource.id),
        label=name or "",
        involvement=_involvement(resource),
        role=role or "",
    )


def outgoing(
    resources: Iterable[Resource], *, audience: Audience | str = Audience.FHIR_EXPORT
) -> list[Resource]:
    """The resources ``audience`` may receive, in the order given.

    Pass the client's people (their RelatedPersons) with the rest: the guard can only name, and
    ``redact`` can only find in free text, the people it is shown. A reference to a person who
    is not among those released is removed all the same (fail closed).
    """
    resources = list(resources)
    if not is_outbound(audience):
        return resources
    people = [r for r in resources if r.get_resource_type() == "RelatedPerson"]
    guarded = guard((_view(r) for r in people), audience)
    withheld_ids = {str(view.person_id) for view in guarded.withheld}
    kept = [
        resource
        for resource in resources
        if not is_very_restricted(resource)
        and not (resource.get_resource_type() == "RelatedPerson" and resource.id in withheld_ids)
    ]
    released_keys = {f"{r.get_resource_type()}/{r.id}" for r in kept}
    dropped = {f"{r.get_resource_type()}/{r.id}" for r in resources} - released_keys

    def is_dropped(reference) -> bool:
        if not isinstance(reference, str):
            return False
        if reference in dropped:
            return True
        # A person the guard was never shown has not been cleared either.
        return reference.startswith("RelatedPerson/") and reference not in released_keys

    released = []
    for resource in kept:
        data = resource.model_dump(mode="json")
        try:
            data = _scrub(data, is_dropped, guarded.withheld)
            released.append(type(resource).model_validate(data))
        except (Dropped, ValidationError):
            # Fail closed: a resource that cannot stand without the withheld person stays home.
            continue
    return released


def _refers(value, is_dropped) -> bool:
    if isinstance(value, dict):
        if is_dropped(value.get("reference")):
            return True
        return any(_refers(v, is_dropped) for v in value.values())
    if isinstance(value, list):
        return any(_refers(v, is_dropped) for v in value)
    return False


def _scrub(value, is_dropped, withheld, key: str | None = None):
    if isinstance(value, dict):
        if is_dropped(value.get("reference")):
            raise Dropped
        scrubbed = {k: _scrub(v, is_dropped, withheld, k) for k, v in value.items()}
        return {k: v for k, v in scrubbed.items() if v not in ([], {})}
    if isinstance(value, list):
        # A list entry that points at a dropped resource (a participant, an attendee) goes
        # whole: an entry without its member would be meaningless, or invalid.
        return [_scrub(v, is_dropped, withheld, key) for v in value if not _refers(v, is_dropped)]
    if isinstance(value, str) and key in FREE_TEXT and withheld:
        return redact(value, withheld)
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
