"""Properties of the access policy that hold for every actor, action and record."""

from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.access import (
    Action,
    Actor,
    ClientRecord,
    PracticeScope,
    PsychotherapyNoteRecord,
    Role,
    can,
)

ids = st.integers(min_value=1, max_value=20)
id_sets = st.frozensets(ids, max_size=5)
actors = st.builds(
    Actor,
    user_id=ids,
    role=st.sampled_from(Role),
    practice_id=st.one_of(st.none(), ids),
    supervisee_ids=id_sets,
    active=st.booleans(),
)
clients = st.builds(
    ClientRecord,
    client_id=ids,
    practice_id=ids,
    therapist_ids=id_sets,
    portal_user_id=st.one_of(st.none(), ids),
    emergency_user_ids=id_sets,
    restricted=st.booleans(),
)
notes = st.builds(
    PsychotherapyNoteRecord, note_id=ids, practice_id=ids, client_id=ids, author_id=ids
)
resources = st.one_of(clients, notes, st.builds(PracticeScope, practice_id=ids))


@given(actors, st.sampled_from(Action), resources)
def test_nobody_ever_crosses_practices(actor, action, resource):
    if actor.practice_id != resource.practice_id:
        assert not can(actor, action, resource)


@given(actors, st.sampled_from(Action), resources)
def test_every_decision_gives_a_reason(actor, action, resource):
    assert can(actor, action, resource).reason


@given(actors, st.sampled_from(Action), clients)
def test_admins_never_reach_a_clients_record(actor, action, record):
    # Recording or lifting a restriction of processing is an act on the record, not a read.
    if actor.role is Role.ADMIN and action is not Action.RESTRICT_CLIENT:
        assert not can(actor, action, record)


@given(actors, st.sampled_from(Action), clients)
def test_a_restricted_record_is_only_kept(actor, action, record):
    """GDPR Art. 18: nobody writes to it; the client reads their portal, an emergency reader
    reads the record, the admin records and lifts the restriction, and nothing else."""
    if not record.restricted or not can(actor, action, record):
        return
    if actor.role is Role.CLIENT:
        assert action is Action.VIEW_PORTAL and actor.user_id == record.portal_user_id
    elif actor.role is Role.ADMIN:
        assert action is Action.RESTRICT_CLIENT
    else:
        assert action is Action.VIEW_CLIENT and actor.user_id in record.emergency_user_ids


@given(actors, st.sampled_from(Action), notes)
def test_only_the_author_ever_reads_a_psychotherapy_note(actor, action, note):
    if can(actor, action, note):
        assert actor.user_id == note.author_id


@given(actors, st.sampled_from(Action), clients)
def test_changes_need_a_treating_therapist(actor, action, record):
    if action is Action.CHANGE_CLIENT and can(actor, action, record):
        assert actor.user_id in record.therapist_ids


@given(actors, clients)
def test_only_the_clients_own_portal_account_does_their_at_home_work(actor, record):
    if can(actor, Action.PORTAL_EXERCISE, record):
        assert actor.role is Role.CLIENT and actor.user_id == record.portal_user_id


@given(actors, st.sampled_from(Action), resources)
def test_a_deactivated_account_reaches_nothing(actor, action, resource):
    if not actor.active:
        assert not can(actor, action, resource)


@given(actors, clients)
def test_only_the_clients_own_portal_account_acknowledges_their_plan(actor, record):
    if can(actor, Action.PORTAL_ACKNOWLEDGE, record):
        assert actor.role is Role.CLIENT and actor.user_id == record.portal_user_id
