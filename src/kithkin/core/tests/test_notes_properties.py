"""A session note's save and sign decisions over any text the form sends."""

from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.notes import (
    REQUIRED_TO_SIGN,
    Change,
    NoteLocked,
    NoteState,
    NoteText,
    change_of,
    refusals_to_sign,
)

TEXT = st.text(max_size=40) | st.sampled_from(["", " ", "\n\t", "\x00", "\u200b"])
NOTES = st.builds(
    NoteText, focus=TEXT, interventions=TEXT, response=TEXT, plan=TEXT, between_us=TEXT
)


@given(state=st.none() | st.sampled_from(list(NoteState)), current=st.none() | NOTES, new=NOTES)
def test_a_save_is_a_change_or_the_signed_note_refuses(state, current, new):
    try:
        change = change_of(state=state, current=current, new=new)
    except NoteLocked as locked:
        # Only a signed note refuses, and only a different text.
        assert state == NoteState.SIGNED and current != new and str(locked)
        return
    assert change in set(Change)
    if state is None:
        assert (change is Change.NONE) == new.is_blank


@given(text=NOTES, started=st.booleans())
def test_signing_is_refused_exactly_for_what_is_missing(text, started):
    refusals = refusals_to_sign(text, session_started=started)
    missing = {name for name in REQUIRED_TO_SIGN if not getattr(text, name).strip()}
    assert set(refusals) - {""} == missing
    assert ("" in refusals) is not started
