from kithkin.core.access import Action, Actor, PracticeScope, Role, can

ALICE = Actor(user_id=1, role=Role.THERAPIST, practice_id=10)
SAM = Actor(user_id=3, role=Role.SUPERVISOR, practice_id=10)
ADAM = Actor(user_id=4, role=Role.ADMIN, practice_id=10)
CAROL = Actor(user_id=5, role=Role.CLIENT, practice_id=10)
MALLORY = Actor(user_id=7, role=Role.THERAPIST, practice_id=99)
PRACTICE = PracticeScope(practice_id=10)


def test_the_practice_s_staff_work_the_inquiry_queue():
    for staff in (ALICE, SAM, ADAM):
        assert can(staff, Action.VIEW_INQUIRIES, PRACTICE)


def test_only_clinicians_read_what_a_prospective_client_wrote():
    assert can(ALICE, Action.VIEW_INQUIRY_CONCERNS, PRACTICE)
    assert can(SAM, Action.VIEW_INQUIRY_CONCERNS, PRACTICE)
    decision = can(ADAM, Action.VIEW_INQUIRY_CONCERNS, PRACTICE)
    assert decision.reason == "what a prospective client wrote is clinical content, for clinicians"
    assert not decision


def test_clients_and_other_practices_reach_no_inquiry():
    assert can(CAROL, Action.VIEW_INQUIRIES, PRACTICE).reason == (
        "the inquiry queue is for the practice's staff"
    )
    assert not can(CAROL, Action.VIEW_INQUIRY_CONCERNS, PRACTICE)
    assert not can(MALLORY, Action.VIEW_INQUIRIES, PRACTICE)
    assert not can(MALLORY, Action.VIEW_INQUIRY_CONCERNS, PRACTICE)


def test_a_deactivated_account_works_no_queue():
    gone = Actor(user_id=1, role=Role.THERAPIST, practice_id=10, active=False)
    assert not can(gone, Action.VIEW_INQUIRIES, PRACTICE)
