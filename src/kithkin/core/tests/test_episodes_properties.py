from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.episodes import (
    OPEN_PHASES,
    PHASES,
    STAGE_OF,
    EndingType,
    EpisodeState,
    Move,
    Phase,
    Stage,
    TransitionRefused,
    move_of,
    options,
    stage_of,
    transition,
)

STAGE_ORDER = [Stage.BEGINNING, Stage.MIDDLE, Stage.ENDING]

attempts = st.lists(
    st.tuples(
        st.sampled_from(PHASES),
        st.sampled_from(["", "  ", "new information"]),
        st.one_of(st.none(), st.sampled_from(list(EndingType))),
    ),
    max_size=40,
)


def states():
    return st.builds(
        lambda phase, ending: EpisodeState(
            phase=phase, ending_type=ending if phase is Phase.CLOSED else None
        ),
        st.sampled_from(PHASES),
        st.sampled_from(list(EndingType)),
    )


@given(attempts)
def test_any_run_of_attempts_keeps_the_state_consistent(run):
    state = EpisodeState()
    for target, reason, ending in run:
        before = state
        try:
            state = transition(state, target, reason=reason, ending_type=ending)
        except TransitionRefused:
            assert state == before  # a refusal changes nothing
            continue
        assert state.phase is target
        assert state.stage is STAGE_OF[state.phase]
        assert (state.ending_type is not None) == (state.phase is Phase.CLOSED)
        move = move_of(before.phase, state.phase)
        rank = STAGE_ORDER.index
        if move is Move.BACK:
            assert rank(state.stage) <= rank(before.stage)
            assert reason.strip()
        else:
            assert rank(state.stage) >= rank(before.stage)
        if move is Move.SKIP:
            assert reason.strip()


@given(attempts)
def test_closed_is_terminal(run):
    state = EpisodeState(phase=Phase.CLOSED, ending_type=EndingType.LAPSED)
    for target, reason, ending in run:
        try:
            transition(state, target, reason=reason, ending_type=ending)
        except TransitionRefused:
            continue
        raise AssertionError(f"left closed for {target}")


@given(states(), st.sampled_from(PHASES))
def test_options_say_exactly_what_a_move_needs(state, target):
    offered = {o.phase: o for o in options(state.phase)}
    if target not in offered:
        for reason in ("", "why"):
            for ending in (None, *EndingType):
                try:
                    transition(state, target, reason=reason, ending_type=ending)
                except TransitionRefused:
                    continue
                raise AssertionError("a phase not offered was reachable")
        return
    option = offered[target]
    ending = EndingType.LAPSED if option.needs_ending_type else None
    reason = "why" if option.needs_reason else ""
    assert transition(state, target, reason=reason, ending_type=ending).phase is target
    if option.needs_reason:
        try:
            transition(state, target, ending_type=ending)
        except TransitionRefused as refused:
            assert refused.missing == "reason"
        else:
            raise AssertionError("a move that needs a reason went through without one")


@given(st.sampled_from(OPEN_PHASES), st.sampled_from(list(EndingType)))
def test_every_open_episode_can_be_closed_and_every_phase_is_reachable_step_by_step(phase, ending):
    state = EpisodeState()
    while state.phase is not phase:
        state = transition(state, PHASES[state.phase.position + 1])
    assert state.stage is stage_of(phase)
    if ending is EndingType.PLANNED and phase is not Phase.ENDING:
        state = transition(state, Phase.ENDING, reason="preparing to end")
    assert transition(state, Phase.CLOSED, ending_type=ending).is_closed
