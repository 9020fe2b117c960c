"""The policy on a record restricted at the client's request (GDPR Art. 18): kept, not used."""

import dataclasses

import pytest

from kithkin.core.access import (
    RESTRICTED_FOR_STAFF,
    Action,
    Actor,
    PsychotherapyNoteRecord,
    ReferralRecord,
    Role,
    can,
)

# The personas of test_access.py; mallory here is an admin of another practice.
from kithkin.core.tests.test_access import (
    ADAM,
    ALICE,
    BOB,
    CAROL,
    CAROLS_RECORD,
    DAVE,
    SAM,
)

MALLORY = Actor(user_id=7, role=Role.ADMIN, practice_id=99)
RESTRICTED = dataclasses.replace(CAROLS_RECORD, restricted=True)


def test_the_treating_therapist_is_refused_in_words_they_understand():
    decision = can(ALICE, Action.VIEW_CLIENT, RESTRICTED)
    assert not decision.allowed
    assert decision.reason == RESTRICTED_FOR_STAFF
    assert "restricted at their request" in decision.reason
    assert "emergency access" in decision.reason


@pytest.mark.parametrize("action", [Action.VIEW_CLIENT, Action.CHANGE_CLIENT])
def test_the_supervisor_and_a_colleague_are_refused(action):
    assert not can(SAM, action, RESTRICTED)
    assert not can(BOB, action, RESTRICTED)


def test_nobody_writes_to_a_restricted_record_not_even_its_therapist():
    assert can(ALICE, Action.CHANGE_CLIENT, CAROLS_RECORD)
    assert not can(ALICE, Action.CHANGE_CLIENT, RESTRICTED)
    assert not can(ALICE, Action.ACKNOWLEDGE_ALERT, RESTRICTED)


def test_emergency_access_reads_it_and_writes_nothing():
    grant = dataclasses.replace(RESTRICTED, emergency_user_ids=frozenset({1, 2}))
    assert can(BOB, Action.VIEW_CLIENT, grant).reason == "emergency access to a restricted record"
    assert can(ALICE, Action.VIEW_CLIENT, grant)
    assert not can(ALICE, Action.CHANGE_CLIENT, grant)
    assert not can(BOB, Action.CHANGE_CLIENT, grant)


def test_the_client_keeps_reading_their_own_portal():
    assert can(CAROL, Action.VIEW_PORTAL, RESTRICTED)
    assert not can(DAVE, Action.VIEW_PORTAL, RESTRICTED)


@pytest.mark.parametrize(
    "action",
    [
        Action.PORTAL_EXERCISE,
        Action.PORTAL_ACKNOWLEDGE,
        Action.PORTAL_RESPOND,
        Action.PORTAL_CONSENT,
    ],
)
def test_the_client_adds_nothing_in_the_portal_while_restricted(action):
    assert can(CAROL, action, CAROLS_RECORD)
    decision = can(CAROL, action, RESTRICTED)
    assert not decision.allowed
    assert "restricted at your request" in decision.reason


@pytest.mark.parametrize("record", [CAROLS_RECORD, RESTRICTED])
def test_only_the_admin_records_or_lifts_a_restriction(record):
    assert can(ADAM, Action.RESTRICT_CLIENT, record)
    for actor in (ALICE, SAM, BOB, CAROL):
        assert not can(actor, Action.RESTRICT_CLIENT, record)
    assert not can(MALLORY, Action.RESTRICT_CLIENT, record)


def test_the_admin_still_reads_no_clinical_content_of_it():
    assert not can(ADAM, Action.VIEW_CLIENT, RESTRICTED)
    assert not can(ADAM, Action.VIEW_CLIENT, CAROLS_RECORD)


def test_lifting_it_gives_the_record_back_to_its_therapist():
    lifted = dataclasses.replace(RESTRICTED, restricted=False)
    assert can(ALICE, Action.VIEW_CLIENT, lifted)
    assert can(ALICE, Action.CHANGE_CLIENT, lifted)


def test_the_author_reads_but_does_not_write_a_psychotherapy_note_of_a_restricted_client():
    note = PsychotherapyNoteRecord(
        note_id=1, practice_id=10, client_id=50, author_id=1, restricted=True
    )
    assert can(ALICE, Action.VIEW_PSYCHOTHERAPY_NOTE, note)
    assert not can(ALICE, Action.CHANGE_PSYCHOTHERAPY_NOTE, note)


def test_a_transfer_of_a_restricted_client_waits():
    referral = ReferralRecord(
        referral_id=1, practice_id=10, client_id=50, receiver_id=2, awaiting=True, authorized=True
    )
    assert can(BOB, Action.RECEIVE_REFERRAL, referral)
    restricted = dataclasses.replace(referral, restricted=True)
    assert "restricted" in can(BOB, Action.RECEIVE_REFERRAL, restricted).reason
    assert not can(BOB, Action.RECEIVE_REFERRAL, restricted)
