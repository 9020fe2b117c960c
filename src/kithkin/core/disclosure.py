"""The disclosure guard: who from a client's life may be named in what leaves the practice.

Some of the people a client talks about must never learn that they are discussed (the seed's
roommate, "she doesn't want Diane to ... even know that she may be a topic of conversation").
Every path that sends or shows a client's people to anyone else (letters, referral and release
packets, FHIR exports, messages, another client's portal) passes them through :func:`guard`, and
runs any free text it carries through :func:`redact`. Keeping the rule in this one place means a
new outbound path cannot forget it; the tests of each path check that it calls the guard.

The guard fails closed. Only involvements known to be safe to name are kept (an allow-list), so
``unaware``, a missing involvement, a misspelt one or one added later are all withheld; and an
audience it does not recognise is treated as outbound.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class Involvement(StrEnum):
    JOINT_SESSIONS = "joint_sessions"  # invited to sessions
    INFORMED = "informed"  # knows, and supports
    UNAWARE = "unaware"  # must not know they are discussed
    INDIRECT = "indirect"  # helps without knowing, like an employer asked for time off


class Audience(StrEnum):
    LETTER = "letter"
    REFERRAL_PACKET = "referral_packet"
    RELEASE_PACKET = "release_packet"
    FHIR_EXPORT = "fhir_export"  # to a third party; the client's own access request is their own
    MESSAGE = "message"
    OTHER_CLIENT_PORTAL = "other_client_portal"  # e.g. a mother who is also a client
    OWN_PORTAL_OF_CLIENT = "own_portal_of_client"
    INTERNAL = "internal"  # the treating therapist's own pages, within the practice


# Audiences that learn nothing new from the list. The client named these people themselves, so
# their own portal may show them (a guardian or anyone else reading it is OTHER_CLIENT_PORTAL or
# MESSAGE, not this). The therapist's own pages must show everyone to do the work.
INSIDE = frozenset({Audience.INTERNAL, Audience.OWN_PORTAL_OF_CLIENT})

# Involvements that may be named outside. A person who is not a therapy partner (involvement
# None) has no recorded awareness at all, so they are withheld too: nobody has decided they may
# be named, and minimum necessary disclosure says leave them out.
DISCLOSABLE = frozenset({Involvement.JOINT_SESSIONS, Involvement.INFORMED, Involvement.INDIRECT})

PLACEHOLDER = "[a person in the client's life]"
POSSESSIVE_PLACEHOLDER = PLACEHOLDER + "'s"


@dataclass(frozen=True)
class PartnerView:
    """A person in the client's life, as much of them as an outbound path needs."""

    person_id: int
    label: str
    involvement: Involvement | None  # None: not a therapy partner
    role: str = ""  # mother, roommate, supervisor


@dataclass(frozen=True)
class Guarded:
    audience: str
    kept: tuple[PartnerView, ...]
    withheld: tuple[PartnerView, ...]
    # For the person preparing the output (beside the preview), not for the recipient: telling a
    # recipient that someone was left out would itself say something about the client.
    notice: str


def _audience(value: object) -> Audience | None:
    try:
        return Audience(value)
    except (ValueError, TypeError):
        return None


def _involvement(value: object) -> Involvement | None:
    try:
        return Involvement(value)
    except (ValueError, TypeError):
        return None


def is_outbound(audience: object) -> bool:
    """True unless ``audience`` is known to be inside; an unrecognised audience is outbound."""
    return _audience(audience) not in INSIDE


def may_name(person: PartnerView, audience: object) -> bool:
    if not is_outbound(audience):
        return True
    return _involvement(getattr(person, "involvement", None)) in DISCLOSABLE


_NOUNS = {
    Audience.MESSAGE: "message",
    Audience.OTHER_CLIENT_PORTAL: "page",
}


def _notice(withheld: int, audience: object) -> str:
    if not withheld:
        return ""
    noun = _NOUNS.get(_audience(audience), "document")
    if withheld == 1:
        who = "1 person in the client's life is"
    else:
        who = f"{withheld} people in the client's life are"
    return f"{who} withheld from this {noun} to protect their privacy."


def guard(people: Iterable[PartnerView], audience: Audience | str) -> Guarded:
    """Splits ``people`` into those who may appear for ``audience`` and those withheld.

    Every person comes back in exactly one of ``kept`` or ``withheld``, in the order given.
    """
    kept: list[PartnerView] = []
    withheld: list[PartnerView] = []
    for person in people:
        (kept if may_name(person, audience) else withheld).append(person)
    return Guarded(str(audience), tuple(kept), tuple(withheld), _notice(len(withheld), audience))


_EDGE = re.compile(r"^\W+|\W+$")


def _pattern(words: str) -> str:
    # "Mary  Ann" in the label still finds "Mary Ann" in the text.
    return r"\s+".join(re.escape(word) for word in words.split())


def _names(withheld: Iterable[PartnerView], roles: bool) -> set[str]:
    names = set()
    for person in withheld:
        for name in (person.label, person.role if roles else ""):
            # Edges that are not letters ("(Mum)", "Jones.") cannot be matched as whole words.
            core = _EDGE.sub("", name or "")
            if core:
                names.add(core)
    return names


# What JSON writes other than as itself (a quote, a backslash, a control character): a word
# holding one may be in a document's strings without being in its JSON text as written.
_ESCAPED_IN_JSON = re.compile(r'["\\\x00-\x1f]')


def could_name(withheld: Iterable[PartnerView], *, roles: bool = True) -> Callable[[str], bool]:
    """A quick test of a text, or of a JSON document written with ``ensure_ascii=False``: False
    only if ``redact`` (with the same ``withheld`` and ``roles``) could change none of the strings
    in it, so that a caller may skip redacting them one by one. It errs towards True: it looks for
    each word of each name on its own, in any case, and where it cannot tell, says True."""
    words = {word for name in _names(withheld, roles) for word in name.split()}
    if not words:
        return lambda text: False
    if any(_ESCAPED_IN_JSON.search(word) for word in words):
        return lambda text: True
    # Every match of redact's pattern holds each word of a name as it is, in any case; the
    # same engine and flag decide "in any case" here.
    pattern = re.compile("|".join(re.escape(word) for word in sorted(words)), re.IGNORECASE)
    return lambda text: pattern.search(text) is not None


def redact(text: str, withheld: Iterable[PartnerView], *, roles: bool = True) -> str:
    """Replaces each withheld person's label, as a whole word in any case, with a placeholder.

    The second line of defence for free text in letters and packets: the guard keeps withheld
    people out of the structured parts, but a therapist's sentence can still name them. "Diane's"
    becomes "[a person in the client's life]'s". With ``roles`` the person's role ("roommate") is
    replaced too, because a role can identify someone as surely as a name; that may also hide a
    mention of someone else with the same role, which errs on the side of privacy. The output is
    still for the therapist to read before it is sent: no pattern catches a nickname.
    """
    names = _names(withheld, roles)
    if not names:
        return text
    # Longest first, so "Diane Smith" is replaced whole rather than leaving "Smith" behind; one
    # pass, so the placeholder's own words are never replaced in turn.
    alternatives = sorted(names, key=lambda n: (-len(n), n))
    pattern = re.compile(
        r"(?<!\w)(?:"
        + "|".join(_pattern(n) for n in alternatives)
        + r")(?P<possessive>['\u2019][sS])?(?!\w)",
        re.IGNORECASE,
    )

    def replace(match: re.Match[str]) -> str:
        return POSSESSIVE_PLACEHOLDER if match.group("possessive") else PLACEHOLDER

    return pattern.sub(replace, text)
