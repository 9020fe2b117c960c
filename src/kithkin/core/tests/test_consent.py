"""The consent decision (HIPAA 45 CFR 164.508): table tests of permit and deny, then properties
over any authorizations and any request."""

import dataclasses
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.consent import (
    RECORD_PARTS,
    Authorization,
    Category,
    Party,
    ReleaseRequest,
    Signature,
    Statement,
    covered,
    decide,
    defects,
    standing,
)

UTC = datetime.UTC
SIGNED_AT = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TEXT = "a" * 64
DR_OKAFOR = Party("Dr Ngozi Okafor", "Riverside Counselling", "referrals@riverside.example")


def authorization(**changes) -> Authorization:
    """A valid authorization: the plan and measures to Dr Okafor, for continuity of care, until
    the end of 2026."""
    found = Authorization(
        authorization_id=1,
        categories=frozenset({Category.PLAN, Category.MEASURES}),
        discloser="Kithkin Demo Practice",
        recipient=DR_OKAFOR,
        purposes=frozenset({"Continuity of care"}),
        text_sha256=TEXT,
        statements=frozenset(Statement),
        signature=Signature("Carol Quill", SIGNED_AT, TEXT),
        expires_on=datetime.date(2026, 12, 31),
    )
    return dataclasses.replace(found, **changes)


def request(**changes) -> ReleaseRequest:
    found = ReleaseRequest(
        recipient=DR_OKAFOR,
        categories=frozenset({Category.PLAN}),
        purpose="continuity of  care",
        information_from=datetime.date(2026, 1, 1),
        information_to=datetime.date(2026, 6, 30),
        at=datetime.datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
    )
    return dataclasses.replace(found, **changes)


NOTES_ONLY = frozenset({Category.PSYCHOTHERAPY_NOTES})

# (case, the authorizations, the request, permitted, a phrase the reasons must hold)
TABLE = [
    ("the plan to the named recipient", [authorization()], request(), True, "allows plan"),
    (
        "the plan and measures together",
        [authorization()],
        request(categories=frozenset({Category.PLAN, Category.MEASURES})),
        True,
        "allows measures, plan",
    ),
    (
        "the full record covers every part",
        [authorization(categories=frozenset({Category.FULL_RECORD}))],
        request(categories=RECORD_PARTS),
        True,
        "allows",
    ),
    ("no authorization at all", [], request(), False, "no authorization from the client"),
    (
        "unsigned",
        [authorization(signature=None)],
        request(),
        False,
        "not signed",
    ),
    (
        "signed after the release",
        [authorization(signature=Signature("Carol Quill", request().at.replace(hour=10), TEXT))],
        request(),
        False,
        "signed after",
    ),
    (
        "a signature on changed text",
        [authorization(signature=Signature("Carol Quill", SIGNED_AT, "b" * 64))],
        request(),
        False,
        "different text",
    ),
    (
        "revoked before the release",
        [authorization(revoked_at=datetime.datetime(2026, 6, 1, tzinfo=UTC))],
        request(),
        False,
        "revoked on 2026-06-01",
    ),
    (
        "revoked this very minute",
        [authorization(revoked_at=request().at)],
        request(),
        False,
        "revoked",
    ),
    (
        "revoked only after the release",
        [authorization(revoked_at=request().at + datetime.timedelta(seconds=1))],
        request(),
        True,
        "allows",
    ),
    (
        "expired by date",
        [authorization(expires_on=datetime.date(2026, 6, 30))],
        request(),
        False,
        "expired on 2026-06-30",
    ),
    (
        "on its last day",
        [authorization(expires_on=datetime.date(2026, 7, 1))],
        request(),
        True,
        "allows",
    ),
    (
        "expired by its event",
        [
            authorization(
                expires_on=None,
                expiry_event="the end of treatment with the recipient",
                expiry_event_at=datetime.datetime(2026, 6, 15, tzinfo=UTC),
            )
        ],
        request(),
        False,
        "end of treatment",
    ),
    (
        "an event not yet happened",
        [authorization(expires_on=None, expiry_event="the end of treatment")],
        request(),
        True,
        "allows",
    ),
    (
        "no expiry at all",
        [authorization(expires_on=None)],
        request(),
        False,
        "no expiry date or event",
    ),
    (
        "a different recipient",
        [authorization()],
        request(recipient=Party("Dr Someone Else", "Riverside Counselling")),
        False,
        "different recipient",
    ),
    (
        "the same recipient at another address",
        [authorization()],
        request(recipient=dataclasses.replace(DR_OKAFOR, contact="fax 555 0100")),
        False,
        "different recipient",
    ),
    (
        "a wider category",
        [authorization()],
        request(categories=frozenset({Category.PLAN, Category.ENDING_REVIEW})),
        False,
        "does not cover: ending_review",
    ),
    (
        "another purpose",
        [authorization()],
        request(purpose="Legal proceedings"),
        False,
        "purpose 'Legal proceedings'",
    ),
    (
        "dates outside the range it covers",
        [authorization(information_from=datetime.date(2026, 3, 1))],
        request(),
        False,
        "from those dates",
    ),
    (
        "psychotherapy notes under their own authorization",
        [authorization(categories=NOTES_ONLY)],
        request(categories=NOTES_ONLY),
        True,
        "allows psychotherapy_notes",
    ),
    (
        "psychotherapy notes under a record authorization",
        [authorization(categories=frozenset({Category.FULL_RECORD}))],
        request(categories=NOTES_ONLY),
        False,
        "does not cover: psychotherapy_notes",
    ),
    (
        "psychotherapy notes combined in the authorization",
        [authorization(categories=frozenset({Category.PSYCHOTHERAPY_NOTES, Category.PLAN}))],
        request(categories=NOTES_ONLY),
        False,
        "authorization of their own",
    ),
    (
        "psychotherapy notes in a packet with the plan",
        [authorization(categories=NOTES_ONLY), authorization(authorization_id=2)],
        request(categories=frozenset({Category.PSYCHOTHERAPY_NOTES, Category.PLAN})),
        False,
        "on their own",
    ),
    (
        "a representative without stated authority",
        [authorization(signed_by_representative=True)],
        request(),
        False,
        "authority",
    ),
    (
        "a representative with their authority",
        [
            authorization(
                signed_by_representative=True,
                signature=Signature("Maria Quill", SIGNED_AT, TEXT, "court-appointed guardian"),
            )
        ],
        request(),
        True,
        "allows",
    ),
    (
        "a missing statement",
        [authorization(statements=frozenset({Statement.RIGHT_TO_REVOKE}))],
        request(),
        False,
        "conditioning, redisclosure",
    ),
    (
        "the newer of two covers it",
        [
            authorization(revoked_at=datetime.datetime(2026, 5, 1, tzinfo=UTC)),
            authorization(
                authorization_id=2,
                signature=Signature("Carol Quill", datetime.datetime(2026, 5, 2, tzinfo=UTC), TEXT),
            ),
        ],
        request(),
        True,
        "Authorization 2 allows",
    ),
    (
        "no purpose asked",
        [authorization()],
        request(purpose=" "),
        False,
        "states no purpose",
    ),
    (
        "dates the wrong way round",
        [authorization()],
        request(information_from=datetime.date(2026, 7, 1)),
        False,
        "wrong way round",
    ),
    (
        "nothing asked for",
        [authorization()],
        request(categories=frozenset()),
        False,
        "names no information",
    ),
]


@pytest.mark.parametrize(
    ("authorizations", "asked", "permitted", "phrase"),
    [case[1:] for case in TABLE],
    ids=[case[0] for case in TABLE],
)
def test_the_consent_decision(authorizations, asked, permitted, phrase):
    decision = decide(authorizations, asked)
    assert decision.permitted is permitted, decision.reasons
    assert any(phrase in reason for reason in decision.reasons), decision.reasons
    assert (decision.authorization_id is not None) is permitted


def test_a_valid_authorization_has_no_defects_and_every_missing_element_is_named():
    assert defects(authorization()) == []
    bare = authorization(
        categories=frozenset(),
        discloser=" ",
        recipient=Party(""),
        purposes=frozenset(),
        statements=frozenset(),
        signature=None,
        expires_on=None,
    )
    assert len(defects(bare)) == 7


# --- Properties ---------------------------------------------------------------------------

categories = st.frozensets(st.sampled_from(Category), max_size=4)
moments = st.datetimes(
    min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2027, 12, 31)
).map(lambda d: d.replace(tzinfo=UTC))
days = st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2027, 12, 31))
parties = st.sampled_from([DR_OKAFOR, Party("Dr Lee", "Hillside"), Party("dr ngozi  okafor")])
authorizations = st.builds(
    Authorization,
    authorization_id=st.integers(1, 9),
    categories=categories,
    discloser=st.sampled_from(["Kithkin Demo Practice", ""]),
    recipient=parties,
    purposes=st.frozensets(st.sampled_from(["Continuity of care", "Legal proceedings"])),
    text_sha256=st.sampled_from([TEXT, "b" * 64]),
    statements=st.frozensets(st.sampled_from(Statement)),
    signature=st.one_of(
        st.none(), st.builds(Signature, st.just("Carol"), moments, st.sampled_from([TEXT]))
    ),
    expires_on=st.one_of(st.none(), days),
    revoked_at=st.one_of(st.none(), moments),
)
requests = st.builds(
    ReleaseRequest,
    recipient=parties,
    categories=categories,
    purpose=st.sampled_from(["Continuity of care", "legal proceedings"]),
    information_from=days,
    information_to=days,
    at=moments,
)


# Distinct ids, as the database gives them.
authorization_lists = st.lists(authorizations, max_size=4).map(
    lambda found: [dataclasses.replace(a, authorization_id=i + 1) for i, a in enumerate(found)]
)


def _used(found, decision):
    return next(a for a in found if a.authorization_id == decision.authorization_id)


@given(authorization_lists, requests)
def test_a_permitted_release_is_within_one_valid_live_authorization(found, asked):
    decision = decide(found, asked)
    if not decision.permitted:
        assert decision.reasons and decision.authorization_id is None
        return
    used = _used(found, decision)
    assert defects(used) == []
    assert used.signature.at <= asked.at
    assert used.revoked_at is None or used.revoked_at > asked.at
    assert used.expires_on is None or asked.at.date() <= used.expires_on
    assert used.recipient.key() == asked.recipient.key()
    assert asked.categories <= covered(used.categories)
    assert asked.purpose.casefold() in {p.casefold() for p in used.purposes}


@given(authorization_lists, requests)
def test_notes_go_only_alone_and_only_under_an_authorization_of_their_own(found, asked):
    decision = decide(found, asked)
    if decision.permitted and Category.PSYCHOTHERAPY_NOTES in asked.categories:
        assert asked.categories == {Category.PSYCHOTHERAPY_NOTES}
        assert _used(found, decision).categories == {Category.PSYCHOTHERAPY_NOTES}


@given(authorization_lists, requests)
def test_once_every_authorization_is_revoked_nothing_is_released(found, asked):
    revoked = [dataclasses.replace(a, revoked_at=asked.at) for a in found]
    assert not decide(revoked, asked).permitted


@given(authorization_lists, requests, authorizations)
def test_another_authorization_never_takes_a_release_away(found, asked, extra):
    if decide(found, asked).permitted:
        extra = dataclasses.replace(extra, authorization_id=len(found) + 1)
        assert decide([*found, extra], asked).permitted


def test_an_authorization_stands_from_its_signature_until_revoked_or_expired():
    signed = authorization()
    assert standing(signed, SIGNED_AT) == []
    assert standing(signed, SIGNED_AT - datetime.timedelta(seconds=1)) == [
        "It was signed after the time of the release."
    ]
    revoked = authorization(revoked_at=SIGNED_AT + datetime.timedelta(days=1))
    assert standing(revoked, SIGNED_AT + datetime.timedelta(hours=1)) == []
    assert standing(revoked, SIGNED_AT + datetime.timedelta(days=2)) == [
        "It was revoked on 2026-03-03."
    ]
    dated = authorization(expires_on=datetime.date(2026, 4, 1))
    assert standing(dated, datetime.datetime(2026, 4, 1, 23, tzinfo=UTC)) == []
    assert standing(dated, datetime.datetime(2026, 4, 2, tzinfo=UTC)) == [
        "It expired on 2026-04-01."
    ]
    unsigned = authorization(signature=None)
    assert standing(unsigned, SIGNED_AT) == ["It is not signed."]
