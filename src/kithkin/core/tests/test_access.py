from kithkin.core.access import (
    Action,
    Actor,
    ClientRecord,
    PracticeScope,
    PsychotherapyNoteRecord,
    Role,
    can,
)

ALICE = Actor(user_id=1, role=Role.THERAPIST, practice_id=10)
BOB = Actor(user_id=2, role=Role.THERAPIST, practice_id=10)
SAM = Actor(user_id=3, role=Role.SUPERVISOR, practice_id=10, supervisee_ids=frozenset({1}))
ADAM = Actor(user_id=4, role=Role.ADMIN, practice_id=10)
CAROL = Actor(user_id=5, role=Role.CLIENT, practice_id=10)
DAVE = Actor(user_id=6, role=Role.CLIENT, practice_id=10)
MALLORY = Actor(user_id=7, role=Role.THERAPIST, practice_id=99)

CAROLS_RECORD = ClientRecord(
    client_id=50, practice_id=10, therapist_ids=frozenset({1}), portal_user_id=5
)
PRACTICE = PracticeScope(practice_id=10)


def test_the_treating_therapist_reads_and_changes_the_record():
    assert can(ALICE, Action.VIEW_CLIENT, CAROLS_RECORD)
    assert can(ALICE, Action.CHANGE_CLIENT, CAROLS_RECORD)


def test_a_colleague_without_a_relationship_is_denied_with_a_reason():
    decision = can(BOB, Action.VIEW_CLIENT, CAROLS_RECORD)
    assert not decision.allowed
    assert decision.reason == "no therapy relationship with this client"


def test_the_supervisor_reads_but_does_not_change_a_supervisees_client():
    assert can(SAM, Action.VIEW_CLIENT, CAROLS_RECORD)
    assert not can(SAM, Action.CHANGE_CLIENT, CAROLS_RECORD)


def test_a_supervisor_of_someone_else_is_denied():
    other_supervisor = Actor(
        user_id=8, role=Role.SUPERVISOR, practice_id=10, supervisee_ids=frozenset({2})
    )
    assert not can(other_supervisor, Action.VIEW_CLIENT, CAROLS_RECORD)


def test_the_admin_reads_no_clinical_content():
    assert (
        can(ADAM, Action.VIEW_CLIENT, CAROLS_RECORD).reason
        == "practice admins read no clinical content"
    )
    assert not can(ADAM, Action.VIEW_CASELOAD, PRACTICE)


def test_a_client_reaches_only_their_own_portal():
    assert can(CAROL, Action.VIEW_PORTAL, CAROLS_RECORD)
    assert not can(CAROL, Action.VIEW_CLIENT, CAROLS_RECORD)
    assert not can(DAVE, Action.VIEW_PORTAL, CAROLS_RECORD)


def test_a_client_does_their_own_at_home_work_and_nobody_else_does():
    assert can(CAROL, Action.PORTAL_EXERCISE, CAROLS_RECORD).reason == (
        "the client's own at-home work"
    )
    assert not can(DAVE, Action.PORTAL_EXERCISE, CAROLS_RECORD)


def test_not_even_the_treating_therapist_works_on_the_clients_at_home_map():
    for staff in (ALICE, BOB, SAM, ADAM):
        assert not can(staff, Action.PORTAL_EXERCISE, CAROLS_RECORD), staff
    assert can(ALICE, Action.PORTAL_EXERCISE, CAROLS_RECORD).reason == (
        "the at-home exercise is the client's own writing"
    )


def test_at_home_work_is_for_clients_of_the_same_practice_only():
    carol_elsewhere = Actor(user_id=5, role=Role.CLIENT, practice_id=99)
    assert not can(carol_elsewhere, Action.PORTAL_EXERCISE, CAROLS_RECORD)
    assert can(CAROL, Action.PORTAL_EXERCISE, PRACTICE)
    assert not can(ALICE, Action.PORTAL_EXERCISE, PRACTICE)


def test_nobody_crosses_practices():
    mallory_as_treating = ClientRecord(client_id=50, practice_id=10, therapist_ids=frozenset({7}))
    assert can(MALLORY, Action.VIEW_CLIENT, mallory_as_treating).reason == (
        "the record belongs to another practice"
    )
    assert not can(MALLORY, Action.CREATE_CLIENT, PRACTICE)


def test_a_deactivated_account_is_denied_everything():
    inactive = Actor(user_id=1, role=Role.THERAPIST, practice_id=10, active=False)
    assert not can(inactive, Action.VIEW_CLIENT, CAROLS_RECORD)


def test_a_user_without_a_practice_is_denied():
    orphan = Actor(user_id=9, role=Role.THERAPIST, practice_id=None)
    assert not can(orphan, Action.VIEW_CASELOAD, PRACTICE)


def test_only_clinicians_have_a_caseload_or_add_clients():
    assert can(ALICE, Action.VIEW_CASELOAD, PRACTICE)
    assert can(SAM, Action.CREATE_CLIENT, PRACTICE)
    assert not can(CAROL, Action.VIEW_CASELOAD, PRACTICE)
    assert not can(CAROL, Action.CREATE_CLIENT, PRACTICE)
    assert can(CAROL, Action.VIEW_PORTAL, PRACTICE)
    assert not can(ALICE, Action.VIEW_PORTAL, PRACTICE)


def test_emergency_access_lets_a_clinician_read_but_not_change():
    record = ClientRecord(
        client_id=50,
        practice_id=10,
        therapist_ids=frozenset({1}),
        emergency_user_ids=frozenset({2}),
    )
    assert can(BOB, Action.VIEW_CLIENT, record).reason == "emergency access"
    assert not can(BOB, Action.CHANGE_CLIENT, record)


def test_emergency_access_does_not_cross_practices_or_reach_admins():
    record = ClientRecord(
        client_id=50,
        practice_id=10,
        therapist_ids=frozenset(),
        emergency_user_ids=frozenset({4, 7}),
    )
    assert not can(ADAM, Action.VIEW_CLIENT, record)
    assert not can(MALLORY, Action.VIEW_CLIENT, record)


def test_only_clinicians_may_break_the_glass_and_only_admins_manage_the_practice():
    assert can(BOB, Action.BREAK_GLASS, PRACTICE)
    assert not can(ADAM, Action.BREAK_GLASS, PRACTICE)
    assert not can(CAROL, Action.BREAK_GLASS, PRACTICE)
    assert can(ADAM, Action.MANAGE_PRACTICE, PRACTICE)
    assert not can(ALICE, Action.MANAGE_PRACTICE, PRACTICE)


ALICES_NOTE = PsychotherapyNoteRecord(note_id=1, practice_id=10, client_id=50, author_id=1)


def test_psychotherapy_notes_are_readable_by_their_author_alone():
    assert can(ALICE, Action.VIEW_PSYCHOTHERAPY_NOTE, ALICES_NOTE)
    assert can(ALICE, Action.CHANGE_PSYCHOTHERAPY_NOTE, ALICES_NOTE)
    for other in (BOB, SAM, ADAM, CAROL, DAVE, MALLORY):
        decision = can(other, Action.VIEW_PSYCHOTHERAPY_NOTE, ALICES_NOTE)
        assert not decision, other
    assert can(SAM, Action.VIEW_PSYCHOTHERAPY_NOTE, ALICES_NOTE).reason == (
        "psychotherapy notes are readable by their author alone"
    )


def test_a_note_authors_account_in_another_practice_does_not_read_it():
    moved = Actor(user_id=1, role=Role.THERAPIST, practice_id=99)
    assert not can(moved, Action.VIEW_PSYCHOTHERAPY_NOTE, ALICES_NOTE)


def test_client_actions_do_not_apply_to_notes():
    assert not can(ALICE, Action.VIEW_CLIENT, ALICES_NOTE)


def test_only_the_client_acknowledges_their_own_plan():
    assert can(CAROL, Action.PORTAL_ACKNOWLEDGE, CAROLS_RECORD).reason == (
        "the client acknowledges their own plan"
    )
    assert not can(DAVE, Action.PORTAL_ACKNOWLEDGE, CAROLS_RECORD)
    for staff in (ALICE, BOB, SAM, ADAM, MALLORY):
        assert not can(staff, Action.PORTAL_ACKNOWLEDGE, CAROLS_RECORD), staff
    assert can(ALICE, Action.PORTAL_ACKNOWLEDGE, CAROLS_RECORD).reason == (
        "only the client acknowledges their plan"
    )
    assert can(CAROL, Action.PORTAL_ACKNOWLEDGE, PRACTICE)
    assert not can(ALICE, Action.PORTAL_ACKNOWLEDGE, PRACTICE)


def test_only_the_client_answers_questionnaires_in_their_portal():
    assert can(CAROL, Action.PORTAL_RESPOND, CAROLS_RECORD).reason == (
        "the client answers their own questionnaires"
    )
    assert not can(DAVE, Action.PORTAL_RESPOND, CAROLS_RECORD)
    for staff in (ALICE, BOB, SAM, ADAM, MALLORY):
        assert not can(staff, Action.PORTAL_RESPOND, CAROLS_RECORD), staff
    assert can(ALICE, Action.PORTAL_RESPOND, CAROLS_RECORD).reason == (
        "only the client answers in the portal"
    )
    assert can(CAROL, Action.PORTAL_RESPOND, PRACTICE)
    assert not can(SAM, Action.PORTAL_RESPOND, PRACTICE)


def test_only_the_client_signs_or_revokes_an_authorization_in_their_portal():
    assert can(CAROL, Action.PORTAL_CONSENT, CAROLS_RECORD).reason == (
        "the client signs or revokes their own authorizations"
    )
    assert not can(DAVE, Action.PORTAL_CONSENT, CAROLS_RECORD)
    for staff in (ALICE, BOB, SAM, ADAM, MALLORY):
        assert not can(staff, Action.PORTAL_CONSENT, CAROLS_RECORD), staff
    assert can(ALICE, Action.PORTAL_CONSENT, CAROLS_RECORD).reason == (
        "only the client signs or revokes in the portal"
    )
    assert can(CAROL, Action.PORTAL_CONSENT, PRACTICE)
    assert not can(ALICE, Action.PORTAL_CONSENT, PRACTICE)


def test_the_treating_therapist_and_the_supervisor_acknowledge_alerts():
    assert can(ALICE, Action.ACKNOWLEDGE_ALERT, CAROLS_RECORD).reason == "treating therapist"
    assert can(SAM, Action.ACKNOWLEDGE_ALERT, CAROLS_RECORD).reason == (
        "supervisor of the treating therapist acknowledges alerts"
    )
    # Acknowledging is not a licence to change the record.
    assert not can(SAM, Action.CHANGE_CLIENT, CAROLS_RECORD)
    for other in (BOB, ADAM, CAROL, DAVE, MALLORY):
        assert not can(other, Action.ACKNOWLEDGE_ALERT, CAROLS_RECORD), other


def test_emergency_access_does_not_acknowledge_alerts():
    record = ClientRecord(
        client_id=50,
        practice_id=10,
        therapist_ids=frozenset({1}),
        emergency_user_ids=frozenset({2}),
    )
    assert not can(BOB, Action.ACKNOWLEDGE_ALERT, record)
    assert not can(ALICE, Action.ACKNOWLEDGE_ALERT, PRACTICE)


EXPORTER = Actor(user_id=8, role=Role.ADMIN, practice_id=10, may_bulk_export=True)


def test_only_an_admin_holding_the_export_permission_exports_the_practice():
    assert can(EXPORTER, Action.BULK_EXPORT, PRACTICE)
    decision = can(ADAM, Action.BULK_EXPORT, PRACTICE)
    assert not decision.allowed
    assert decision.reason == "the admin does not hold the export permission"


def test_the_export_permission_does_nothing_for_anyone_but_an_admin():
    for role in (Role.THERAPIST, Role.SUPERVISOR, Role.CLIENT):
        actor = Actor(user_id=9, role=role, practice_id=10, may_bulk_export=True)
        assert not can(actor, Action.BULK_EXPORT, PRACTICE)


def test_the_exporter_exports_no_other_practice_and_not_once_deactivated():
    assert not can(EXPORTER, Action.BULK_EXPORT, PracticeScope(practice_id=99))
    gone = Actor(user_id=8, role=Role.ADMIN, practice_id=10, may_bulk_export=True, active=False)
    assert not can(gone, Action.BULK_EXPORT, PRACTICE)


def test_the_export_permission_reads_no_single_client():
    assert not can(EXPORTER, Action.BULK_EXPORT, CAROLS_RECORD)
    assert not can(EXPORTER, Action.VIEW_CLIENT, CAROLS_RECORD)
