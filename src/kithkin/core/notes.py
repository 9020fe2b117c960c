"""The rules of a session's progress note: what it holds, when it may be signed, and why a
signed note never changes.

A progress note is part of the clinical record. Once signed it is what the therapist attests
to, so a later change is an addendum beside it (its own author and time), never an edit: the
record has to show what was known when. Seed 004 adds a fifth heading to the usual four,
"what is happening now between us", because the relationship is where the work happens.

The rules:
    1. A draft changes freely, as often as the therapist types; saving the same text twice is
       not a change.
    2. Signing needs at least the focus and the plan: a note with neither says nothing a
       later reader can act on. The other headings may be blank (a short session, a crisis
       call).
    3. A session that has not yet started cannot have its note signed.
    4. A signed note refuses any different text, with the reason and the way forward (an
       addendum). The same text again (a form sent twice, a late autosave from the same
       page) is not a change, so it is accepted and does nothing.
"""

from dataclasses import dataclass, fields
from enum import StrEnum


class NoteState(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


@dataclass(frozen=True)
class NoteText:
    focus: str = ""
    interventions: str = ""
    response: str = ""
    plan: str = ""
    between_us: str = ""

    @property
    def is_blank(self) -> bool:
        return not any(getattr(self, name).strip() for name in FIELDS)


FIELDS = tuple(f.name for f in fields(NoteText))

LABELS = {
    "focus": "Focus",
    "interventions": "Interventions",
    "response": "The client's response",
    "plan": "Plan",
    "between_us": "What is happening now between us",
}

REQUIRED_TO_SIGN = ("focus", "plan")


class NoteLocked(ValueError):
    """A signed note was asked to change. The message says why and what to do instead."""


class Change(StrEnum):
    NONE = "none"  # nothing to write: the same text, or a blank first save
    CREATE = "create"
    UPDATE = "update"


def change_of(*, state: NoteState | None, current: NoteText | None, new: NoteText) -> Change:
    """What saving ``new`` over the stored note (``state`` None: there is none yet) amounts to.

    Raises :class:`NoteLocked` if the note is signed and the text differs.
    """
    if state is None:
        # A blank form saved before anything was typed writes no empty note.
        return Change.NONE if new.is_blank else Change.CREATE
    if current == new:
        return Change.NONE
    if state == NoteState.SIGNED:
        raise NoteLocked(
            "This note is signed and locked, so it cannot be edited. Add an addendum instead: "
            "it is kept beside the note with your name and the time."
        )
    return Change.UPDATE


def refusals_to_sign(text: NoteText, *, session_started: bool) -> dict[str, str]:
    """Why ``text`` cannot be signed yet, by heading (``""`` for the note as a whole)."""
    refusals = {}
    if not session_started:
        refusals[""] = "The session has not started yet; sign its note afterwards."
    for name in REQUIRED_TO_SIGN:
        if not getattr(text, name).strip():
            refusals[name] = f"Write the {LABELS[name].lower()} before signing."
    return refusals
