import datetime

import pytest

from kithkin.core.access import Action, Actor, ReferralRecord, Role, can
from kithkin.core.consent import Authorization, Category, Party, Signature, Statement
from kithkin.core.referrals import (
    Kind,
    ReferralRefused,
    Side,
    Status,
    completes_transfer,
    move,
    moves,
    send_refusals,
)

D, S, A, F, X = (
    Status.DRAFTED,
    Status.SENT,
    Status.ACKNOWLEDGED,
    Status.FIRST_SESSION_HELD,
    Status.DECLINED,
)
ORDER = (D, S, A, F, X)
R, V = Side.REFERRER, Side.RECEIVER

# Who may make each move, read as: from the row's status to the column's status.
#   r  the referrer alone    v  the receiver alone    b  either side    .  nobody
#                         to: drafted sent acknowledged first_session declined
INTERNAL = {
    D: ". r . . r",
    S: ". . v . b",
    A: ". . . v b",
    F: ". . . . .",
    X: ". . . . .",
}
# An external provider answers outside Kithkin: the referrer records every step.
EXTERNAL = {
    D: ". r . . r",
    S: ". . r . r",
    A: ". . . r r",
    F: ". . . . .",
    X: ". . . . .",
}
ALLOWS = {".": set(), "r": {R}, "v": {V}, "b": {R, V}}


def _cases(kind, table):
    for current, row in table.items():
        for target, code in zip(ORDER, row.split(), strict=True):
            for side in (R, V):
                yield kind, current, target, side, side in ALLOWS[code]


CASES = [*_cases(Kind.INTERNAL, INTERNAL), *_cases(Kind.EXTERNAL, EXTERNAL)]


@pytest.mark.parametrize(("kind", "current", "target", "side", "allowed"), CASES)
def test_each_move_is_allowed_exactly_as_the_table_says(kind, current, target, side, allowed):
    if allowed:
        assert move(current, target, kind=kind, side=side) is target
        assert target in [m.status for m in moves(current, kind, side)]
    else:
        with pytest.raises(ReferralRefused):
            move(current, target, kind=kind, side=side)
        assert target not in [m.status for m in moves(current, kind, side)]


def test_a_final_referral_says_to_draft_a_new_one():
    with pytest.raises(ReferralRefused, match="Draft a new one"):
        move(X, S, kind=Kind.EXTERNAL, side=R)


def test_the_first_session_comes_after_the_acknowledgement():
    with pytest.raises(ReferralRefused, match="it can become acknowledged or declined"):
        move(S, F, kind=Kind.EXTERNAL, side=R)


def test_the_referrer_is_told_the_receiver_answers_a_transfer():
    with pytest.raises(ReferralRefused, match="receiving therapist answers"):
        move(S, A, kind=Kind.INTERNAL, side=R)
    with pytest.raises(ReferralRefused, match="referring therapist sends"):
        move(D, S, kind=Kind.INTERNAL, side=V)


def test_an_unknown_status_is_refused_in_words():
    with pytest.raises(ReferralRefused, match="no referral status called 'lost'"):
        move(D, "lost", kind=Kind.EXTERNAL, side=R)


def test_only_a_transfers_first_session_hands_the_client_over():
    assert completes_transfer(Kind.INTERNAL, F)
    assert not completes_transfer(Kind.EXTERNAL, F)
    assert not completes_transfer(Kind.INTERNAL, A)


# --- Whether the authorization lets a referral go --------------------------------------------

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
OKAFOR = Party("Dr Ngozi Okafor", "Riverside Counselling", "referrals@riverside.example")


def authorization(recipient=OKAFOR, categories=(Category.PROGRESS_SUMMARIES,), **changes):
    fields = {
        "authorization_id": 7,
        "categories": frozenset(categories),
        "discloser": "Riverside",
        "recipient": recipient,
        "purposes": frozenset({"Continuity of care"}),
        "text_sha256": "abc",
        "statements": frozenset(Statement),
        "signature": Signature("Carol Quill", NOW - datetime.timedelta(days=1), "abc"),
        "expires_on": datetime.date(2026, 9, 1),
        **changes,
    }
    return Authorization(**fields)


def refusals(auth, kind=Kind.EXTERNAL, recipient=OKAFOR):
    return send_refusals(auth, kind=kind, recipient=recipient, practice_name="Riverside", at=NOW)


def test_an_external_referral_goes_to_the_recipient_named_however_typed():
    typed = Party("dr ngozi  OKAFOR", "riverside counselling", "Referrals@Riverside.example")
    assert refusals(authorization(recipient=typed)) == []


def test_an_external_referral_to_another_address_is_refused():
    elsewhere = Party(OKAFOR.name, OKAFOR.organisation, "fax 0123")
    [reason] = refusals(authorization(), recipient=elsewhere)
    assert reason.startswith("It names a different recipient (Dr Ngozi Okafor")


def test_a_revoked_or_expired_authorization_refuses_with_its_reasons():
    revoked = authorization(revoked_at=NOW - datetime.timedelta(hours=1))
    assert refusals(revoked) == ["It was revoked on 2026-06-01."]
    expired = authorization(expires_on=datetime.date(2026, 5, 31))
    assert refusals(expired) == ["It expired on 2026-05-31."]
    assert refusals(authorization(signature=None)) == ["It is not signed."]


def test_an_external_handoff_needs_summaries_of_the_therapy_in_the_authorization():
    [reason] = refusals(authorization(categories=(Category.PLAN,)))
    assert "progress summaries" in reason
    assert refusals(authorization(categories=(Category.FULL_RECORD,))) == []


BOB = Party("Bob Example", "Riverside")


@pytest.mark.parametrize(
    ("named", "ok"),
    [
        (Party("Bob Example"), True),
        (Party(" bob  example ", "RIVERSIDE", "anything"), True),
        (Party("Bob Example", "Another Clinic"), False),
        (Party("Robert Example", "Riverside"), False),
    ],
)
def test_a_transfer_goes_to_the_therapist_by_their_name_in_this_practice(named, ok):
    found = refusals(
        authorization(recipient=named, categories=(Category.FULL_RECORD,)), Kind.INTERNAL, BOB
    )
    assert (found == []) is ok


def test_a_transfer_needs_the_full_record_in_the_authorization():
    [reason] = refusals(authorization(recipient=BOB), Kind.INTERNAL, BOB)
    assert "must cover the full record" in reason


# --- The receiving therapist's door -------------------------------------------------------

BOB_ACTOR = Actor(user_id=2, role=Role.THERAPIST, practice_id=1)


def record(**changes):
    fields = {
        "referral_id": 9,
        "practice_id": 1,
        "client_id": 5,
        "receiver_id": 2,
        "awaiting": True,
        "authorized": True,
        **changes,
    }
    return ReferralRecord(**fields)


def test_the_receiver_answers_a_transfer_under_way():
    assert can(BOB_ACTOR, Action.RECEIVE_REFERRAL, record())


@pytest.mark.parametrize(
    ("actor", "changes", "why"),
    [
        (Actor(user_id=3, role=Role.THERAPIST, practice_id=1), {}, "only the receiving"),
        (Actor(user_id=2, role=Role.ADMIN, practice_id=1), {}, "only the receiving"),
        (Actor(user_id=2, role=Role.THERAPIST, practice_id=8), {}, "another practice"),
        (BOB_ACTOR, {"awaiting": False}, "not awaiting"),
        (BOB_ACTOR, {"authorized": False}, "no longer in force"),
        (BOB_ACTOR, {"receiver_id": None}, "only the receiving"),
    ],
)
def test_nobody_else_and_nothing_later_reaches_the_referral(actor, changes, why):
    decision = can(actor, Action.RECEIVE_REFERRAL, record(**changes))
    assert not decision and why in decision.reason


def test_the_referral_door_opens_nothing_but_the_referral():
    assert not can(BOB_ACTOR, Action.VIEW_CLIENT, record())
