import datetime

from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.partners import ActionStatus, action_status, window_phrase

DAY = datetime.date(2026, 11, 2)


def status(today_offset, *, start=7, end=14, paced=False, done=False):
    return action_status(
        window_start=DAY + datetime.timedelta(days=start),
        window_end=DAY + datetime.timedelta(days=end) if end is not None else None,
        client_paced=paced,
        done=done,
        today=DAY + datetime.timedelta(days=today_offset),
    )


def test_the_seed_sentence_can_be_written_exactly():
    phrase = window_phrase(
        planned_on=DAY,
        window_start=DAY + datetime.timedelta(days=7),
        window_end=DAY + datetime.timedelta(days=14),
        client_paced=True,
        pronouns="she/her",
    )
    assert f"Alexis will talk to her mother about a joint session {phrase}" == (
        "Alexis will talk to her mother about a joint session in a week or two, "
        "or whenever she feels ready"
    )


def test_pronouns_shape_the_phrase():
    args = dict(planned_on=DAY, window_start=DAY, window_end=None, client_paced=True)
    assert window_phrase(**args, pronouns="they/them").endswith("whenever they feel ready")
    assert window_phrase(**args, pronouns="").endswith("whenever they feel ready")
    assert window_phrase(**args, pronouns="he/him").endswith("whenever he feels ready")


def test_an_action_is_upcoming_then_due_then_overdue():
    assert status(3) is ActionStatus.UPCOMING
    assert status(7) is ActionStatus.DUE
    assert status(14) is ActionStatus.DUE
    assert status(15) is ActionStatus.OVERDUE


def test_a_client_paced_action_waits_on_the_client_and_is_never_overdue():
    assert status(3, paced=True) is ActionStatus.UPCOMING
    assert status(10, paced=True) is ActionStatus.WAITING_ON_CLIENT
    assert status(400, paced=True) is ActionStatus.WAITING_ON_CLIENT


def test_an_open_ended_action_stays_due():
    assert status(400, end=None) is ActionStatus.DUE


def test_done_is_done():
    assert status(400, done=True) is ActionStatus.DONE


@given(st.integers(-30, 400), st.integers(0, 60), st.integers(0, 60), st.booleans())
def test_client_paced_actions_are_never_overdue(today, start, length, done):
    assert status(today, start=start, end=start + length, paced=True, done=done) is not (
        ActionStatus.OVERDUE
    )
