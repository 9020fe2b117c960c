import itertools

import pytest

from kithkin.core.episodes import (
    PHASES,
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

# Every pair of phases, read as: from the row's phase to the column's phase.
#   .  forward one phase: allowed, a reason is optional
#   s  skipping forward: needs a reason
#   b  moving back: needs a reason
#   u  closing early: needs an unplanned ending type (the ending phase was skipped)
#   c  closing from the ending phase: needs an ending type, planned or not
#   x  never
#                    to: reaching_out assessment formulation planning active ending closed
TABLE = {
    Phase.REACHING_OUT: "x . s s s s u",
    Phase.ASSESSMENT: "b x . s s s u",
    Phase.FORMULATION: "b b x . s s u",
    Phase.PLANNING: "b b b x . s u",
    Phase.ACTIVE: "b b b b x . u",
    Phase.ENDING: "b b b b b x c",
    Phase.CLOSED: "x x x x x x x",
}
ENDINGS = (None, EndingType.PLANNED, EndingType.LAPSED)


def expected(code: str, with_reason: bool, ending) -> bool:
    if code == "x":
        return False
    if code == ".":
        return ending is None
    if code in "sb":
        return ending is None and with_reason
    if code == "u":
        return ending is not None and ending is not EndingType.PLANNED
    assert code == "c"
    return ending is not None


def state_in(phase: Phase) -> EpisodeState:
    ending = EndingType.PLANNED if phase is Phase.CLOSED else None
    return EpisodeState(phase=phase, ending_type=ending)


CASES = [
    (current, target, with_reason, ending, TABLE[current].split()[target.position])
    for current, target in itertools.product(PHASES, PHASES)
    for with_reason in (False, True)
    for ending in ENDINGS
]


def test_the_table_covers_every_pair_of_phases():
    assert len({(c, t) for c, t, *_ in CASES}) == 49
    assert len(CASES) == 49 * 2 * 3


@pytest.mark.parametrize(
    ("current", "target", "with_reason", "ending", "code"),
    CASES,
    ids=[f"{c}->{t}-{'reason' if r else 'bare'}-{e or 'none'}" for c, t, r, e, _ in CASES],
)
def test_exactly_the_table_s_transitions_are_allowed(current, target, with_reason, ending, code):
    reason = "the client asked for it" if with_reason else ""
    if expected(code, with_reason, ending):
        after = transition(state_in(current), target, reason=reason, ending_type=ending)
        assert after.phase is target
        assert after.ending_type == (ending if target is Phase.CLOSED else None)
    else:
        with pytest.raises(TransitionRefused) as refused:
            transition(state_in(current), target, reason=reason, ending_type=ending)
        assert str(refused.value), "a refusal always says why"


def test_stages_follow_seed_003():
    assert [stage_of(p) for p in PHASES] == [
        Stage.BEGINNING,
        Stage.BEGINNING,
        Stage.BEGINNING,
        Stage.BEGINNING,
        Stage.MIDDLE,
        Stage.ENDING,
        Stage.ENDING,
    ]
    assert EpisodeState(phase=Phase.ACTIVE).stage is Stage.MIDDLE


def test_a_refusal_is_a_value_error_in_plain_words():
    with pytest.raises(ValueError, match="skips formulation and planning: give a reason"):
        transition(EpisodeState(phase=Phase.ASSESSMENT), Phase.ACTIVE)


def test_skipping_from_assessment_to_active_with_a_reason_is_allowed():
    after = transition(
        EpisodeState(phase=Phase.ASSESSMENT),
        "active",
        reason="Returning client; the formulation from her last episode still holds.",
    )
    assert after == EpisodeState(phase=Phase.ACTIVE)


def test_a_reason_of_only_spaces_is_no_reason():
    with pytest.raises(TransitionRefused) as refused:
        transition(EpisodeState(phase=Phase.ACTIVE), Phase.ASSESSMENT, reason="   ")
    assert refused.value.missing == "reason"
    assert "Moving back from active work to assessment needs a reason" in str(refused.value)


def test_closing_without_an_ending_type_asks_for_one():
    with pytest.raises(TransitionRefused, match="Say how the episode ended") as refused:
        transition(EpisodeState(phase=Phase.ENDING), Phase.CLOSED)
    assert refused.value.missing == "ending_type"


def test_a_planned_ending_needs_the_ending_phase():
    with pytest.raises(TransitionRefused, match="A planned ending goes through the ending phase"):
        transition(EpisodeState(phase=Phase.ACTIVE), Phase.CLOSED, ending_type="planned")


def test_a_voicemail_ending_is_recorded_as_ended_by_the_client_from_any_phase():
    # Seed 003: many terminate "by leaving a voice mail message".
    after = transition(EpisodeState(phase=Phase.ACTIVE), "closed", ending_type="client_ended")
    assert after.is_closed and after.ending_type is EndingType.CLIENT_ENDED
    assert after.stage is Stage.ENDING


def test_nothing_leaves_closed_and_the_message_points_to_a_new_episode():
    closed = EpisodeState(phase=Phase.CLOSED, ending_type=EndingType.PLANNED)
    with pytest.raises(TransitionRefused, match="open a new episode"):
        transition(closed, Phase.ENDING, reason="she came back")


def test_an_ending_type_belongs_only_to_closing():
    with pytest.raises(TransitionRefused, match="only when closing"):
        transition(EpisodeState(phase=Phase.ACTIVE), Phase.ENDING, ending_type="planned")


def test_unknown_values_are_refused_not_crashed_on():
    with pytest.raises(TransitionRefused, match="no phase called 'limbo'"):
        transition(EpisodeState(), "limbo")
    with pytest.raises(TransitionRefused, match="no ending type called 'vanished'"):
        transition(EpisodeState(phase=Phase.ENDING), "closed", ending_type="vanished")


def test_stored_strings_become_members_and_the_state_keeps_its_invariant():
    assert EpisodeState(phase="closed", ending_type="lapsed").ending_type is EndingType.LAPSED
    with pytest.raises(ValueError):
        EpisodeState(phase="active", ending_type="planned")
    with pytest.raises(ValueError):
        EpisodeState(phase="closed")


def test_moves_are_named():
    assert move_of("assessment", "formulation") is Move.FORWARD
    assert move_of("assessment", "active") is Move.SKIP
    assert move_of("ending", "active") is Move.BACK
    assert move_of("reaching_out", "closed") is Move.CLOSE


def test_options_list_every_other_phase_with_what_it_needs():
    by_phase = {o.phase: o for o in options(Phase.ASSESSMENT)}
    assert Phase.ASSESSMENT not in by_phase
    assert len(by_phase) == 6
    assert not by_phase[Phase.FORMULATION].needs_reason
    assert by_phase[Phase.ACTIVE].needs_reason
    assert by_phase[Phase.REACHING_OUT].needs_reason
    assert by_phase[Phase.CLOSED].needs_ending_type
    assert options(Phase.CLOSED) == ()


def test_labels_read_as_words():
    assert Phase.REACHING_OUT.label == "Reaching out"
    assert EndingType.THERAPIST_ENDED.label == "Ended by the therapist"
    assert Stage.MIDDLE.label == "Middle"
