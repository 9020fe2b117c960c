import pytest

from kithkin.core.notes import (
    FIELDS,
    Change,
    NoteLocked,
    NoteState,
    NoteText,
    change_of,
    refusals_to_sign,
)

DRAFTED = NoteText(focus="Her mother's visit", plan="Talk about the joint session")


def test_the_note_has_the_four_usual_headings_and_what_is_happening_between_us():
    assert FIELDS == ("focus", "interventions", "response", "plan", "between_us")


def test_a_blank_first_save_writes_nothing():
    assert change_of(state=None, current=None, new=NoteText()) is Change.NONE
    assert change_of(state=None, current=None, new=NoteText(focus="  \n")) is Change.NONE


def test_the_first_words_create_the_note():
    assert change_of(state=None, current=None, new=DRAFTED) is Change.CREATE


def test_a_draft_changes_freely_and_the_same_text_again_is_no_change():
    draft = NoteState.DRAFT
    assert change_of(state=draft, current=DRAFTED, new=DRAFTED) is Change.NONE
    assert change_of(state=draft, current=DRAFTED, new=NoteText()) is Change.UPDATE
    more = NoteText(focus=DRAFTED.focus, plan=DRAFTED.plan, between_us="Warmer")
    assert change_of(state=draft, current=DRAFTED, new=more) is Change.UPDATE


def test_a_signed_note_accepts_its_own_text_again_and_refuses_any_other():
    signed = NoteState.SIGNED
    assert change_of(state=signed, current=DRAFTED, new=DRAFTED) is Change.NONE
    with pytest.raises(NoteLocked, match=r"signed and locked.*Add an addendum"):
        change_of(state=signed, current=DRAFTED, new=NoteText(focus="Her mother's visit"))
    # The stored state may come back from the database as plain text.
    with pytest.raises(NoteLocked):
        change_of(state="signed", current=DRAFTED, new=NoteText())


def test_signing_needs_the_focus_and_the_plan():
    assert refusals_to_sign(DRAFTED, session_started=True) == {}
    assert refusals_to_sign(NoteText(between_us="x"), session_started=True) == {
        "focus": "Write the focus before signing.",
        "plan": "Write the plan before signing.",
    }
    assert set(refusals_to_sign(NoteText(focus="x", plan=" "), session_started=True)) == {"plan"}


def test_a_session_that_has_not_started_has_no_note_to_sign():
    assert refusals_to_sign(DRAFTED, session_started=False) == {
        "": "The session has not started yet; sign its note afterwards."
    }
