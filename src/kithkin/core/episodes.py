"""The phases of an episode of therapy, and which moves between them the record accepts.

Seed 004 names the journey: reaching out, assessment, formulation (diagnosis "as a starting
point"), treatment planning, the work itself, and an ending that is "the beginning of the next
step". Seed 003 groups therapy into a beginning, a middle and an ending stage, and warns that
many people skip the ending by leaving a voicemail. So the stage is derived from the phase, and
the guards below make the record say *why* whenever the journey departs from the usual path.

Stages:
    beginning: reaching_out, assessment, formulation, planning (getting to know each other and
               agreeing what to work on)
    middle:    active (the work of the plan)
    ending:    ending, closed (reviewing "the road we had traveled"; closed is the ending stage
               done, kept for the record)

The rules, in order:
    1. Nothing leaves ``closed``. A returning client starts a new episode, so the earlier one
       keeps its ending as it was.
    2. A move goes somewhere: staying in the same phase is not a transition.
    3. Closing needs an ending type. A *planned* ending comes only from the ``ending`` phase: if
       the ending stage was skipped, the ending was not planned. The unplanned endings
       (client_ended, therapist_ended, referred, lapsed) may happen from any open phase, since
       that is what they are; the ending type is their explanation, a reason is optional.
    4. An ending type belongs only to closing.
    5. Forward one phase is the ordinary path and needs nothing more.
    6. Skipping forward over one or more phases (say, assessment straight to active work for a
       client returning with a formulation from a colleague) is allowed with a reason.
    7. Moving back any number of phases (new information reopens the assessment; a client in
       the ending stage decides to continue) is allowed with a reason.

A reason of only spaces is no reason.
"""

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    REACHING_OUT = "reaching_out"
    ASSESSMENT = "assessment"
    FORMULATION = "formulation"
    PLANNING = "planning"
    ACTIVE = "active"
    ENDING = "ending"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return PHASE_LABELS[self]

    @property
    def position(self) -> int:
        return PHASES.index(self)


class Stage(StrEnum):
    BEGINNING = "beginning"
    MIDDLE = "middle"
    ENDING = "ending"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class EndingType(StrEnum):
    PLANNED = "planned"
    CLIENT_ENDED = "client_ended"
    THERAPIST_ENDED = "therapist_ended"
    REFERRED = "referred"
    LAPSED = "lapsed"

    @property
    def label(self) -> str:
        return ENDING_LABELS[self]


class Move(StrEnum):
    """How a transition relates to the usual path; the timeline says it in these words."""

    FORWARD = "forward"
    SKIP = "skip"
    BACK = "back"
    CLOSE = "close"


PHASES: tuple[Phase, ...] = tuple(Phase)
OPEN_PHASES: tuple[Phase, ...] = PHASES[:-1]

PHASE_LABELS = {
    Phase.REACHING_OUT: "Reaching out",
    Phase.ASSESSMENT: "Assessment",
    Phase.FORMULATION: "Formulation",
    Phase.PLANNING: "Planning",
    Phase.ACTIVE: "Active work",
    Phase.ENDING: "Ending",
    Phase.CLOSED: "Closed",
}

ENDING_LABELS = {
    EndingType.PLANNED: "Planned ending",
    EndingType.CLIENT_ENDED: "Ended by the client",
    EndingType.THERAPIST_ENDED: "Ended by the therapist",
    EndingType.REFERRED: "Referred on",
    EndingType.LAPSED: "Lapsed without an ending",
}

STAGE_OF = {
    Phase.REACHING_OUT: Stage.BEGINNING,
    Phase.ASSESSMENT: Stage.BEGINNING,
    Phase.FORMULATION: Stage.BEGINNING,
    Phase.PLANNING: Stage.BEGINNING,
    Phase.ACTIVE: Stage.MIDDLE,
    Phase.ENDING: Stage.ENDING,
    Phase.CLOSED: Stage.ENDING,
}


def stage_of(phase: Phase | str) -> Stage:
    return STAGE_OF[Phase(phase)]


class TransitionRefused(ValueError):
    """A move the record will not take, with a message fit for the therapist.

    ``missing`` names what would make it acceptable ("reason" or "ending_type"), so a form can
    put the message beside that field; it is None when nothing would.
    """

    def __init__(self, message: str, *, missing: str | None = None):
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class EpisodeState:
    phase: Phase = Phase.REACHING_OUT
    ending_type: EndingType | None = None

    def __post_init__(self):
        # Stored values arrive as plain strings; the rules compare members.
        object.__setattr__(self, "phase", Phase(self.phase))
        if self.ending_type is not None:
            object.__setattr__(self, "ending_type", EndingType(self.ending_type))
        if (self.phase is Phase.CLOSED) != (self.ending_type is not None):
            raise ValueError("An episode has an ending type exactly when it is closed.")

    @property
    def stage(self) -> Stage:
        return stage_of(self.phase)

    @property
    def is_closed(self) -> bool:
        return self.phase is Phase.CLOSED


def move_of(current: Phase | str, target: Phase | str) -> Move:
    """What kind of move ``current`` to ``target`` would be (whether or not it is allowed)."""
    current, target = Phase(current), Phase(target)
    if target is Phase.CLOSED:
        return Move.CLOSE
    step = target.position - current.position
    if step == 1:
        return Move.FORWARD
    if step > 1:
        return Move.SKIP
    return Move.BACK


def transition(
    state: EpisodeState,
    target: Phase | str,
    *,
    reason: str = "",
    ending_type: EndingType | str | None = None,
) -> EpisodeState:
    """The state after moving to ``target``, or :class:`TransitionRefused` saying why not."""
    current = state.phase
    target = _phase(target)
    ending = _ending_type(ending_type)
    has_reason = bool(reason and reason.strip())

    if current is Phase.CLOSED:
        raise TransitionRefused(
            "This episode is closed and stays as it ended. If the client returns, open a new "
            "episode; this one stays on the timeline."
        )
    if target is current:
        raise TransitionRefused(f"The episode is already in {current.label.lower()}.")
    if target is Phase.CLOSED:
        if ending is None:
            raise TransitionRefused(
                "Say how the episode ended: planned, ended by the client, ended by the "
                "therapist, referred on, or lapsed.",
                missing="ending_type",
            )
        if ending is EndingType.PLANNED and current is not Phase.ENDING:
            raise TransitionRefused(
                "A planned ending goes through the ending phase, where the last sessions "
                "review the road travelled. Move to the ending phase first, or choose the kind "
                "of unplanned ending this was.",
                missing="ending_type",
            )
        return EpisodeState(phase=Phase.CLOSED, ending_type=ending)
    if ending is not None:
        raise TransitionRefused(
            "An ending type is given only when closing the episode.", missing="ending_type"
        )
    move = move_of(current, target)
    if move is Move.SKIP and not has_reason:
        skipped = PHASES[current.position + 1 : target.position]
        raise TransitionRefused(
            f"Moving from {current.label.lower()} to {target.label.lower()} skips "
            f"{_and(p.label.lower() for p in skipped)}: give a reason.",
            missing="reason",
        )
    if move is Move.BACK and not has_reason:
        raise TransitionRefused(
            f"Moving back from {current.label.lower()} to {target.label.lower()} needs a "
            "reason, so the record shows what changed.",
            missing="reason",
        )
    return EpisodeState(phase=target, ending_type=None)


@dataclass(frozen=True)
class Option:
    """A phase the episode could move to next, and what the move would need."""

    phase: Phase
    move: Move
    needs_reason: bool
    needs_ending_type: bool


def options(phase: Phase | str) -> tuple[Option, ...]:
    """Every phase an episode in ``phase`` may move to, given what each move needs."""
    phase = Phase(phase)
    if phase is Phase.CLOSED:
        return ()
    return tuple(
        Option(
            phase=target,
            move=(move := move_of(phase, target)),
            needs_reason=move in (Move.SKIP, Move.BACK),
            needs_ending_type=move is Move.CLOSE,
        )
        for target in PHASES
        if target is not phase
    )


def _phase(value) -> Phase:
    try:
        return Phase(value)
    except ValueError:
        raise TransitionRefused(f"There is no phase called {value!r}.") from None


def _ending_type(value) -> EndingType | None:
    if value is None or value == "":
        return None
    try:
        return EndingType(value)
    except ValueError:
        raise TransitionRefused(
            f"There is no ending type called {value!r}.", missing="ending_type"
        ) from None


def _and(words) -> str:
    words = list(words)
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]
