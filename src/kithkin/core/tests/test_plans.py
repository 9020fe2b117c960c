import datetime

import pytest

from kithkin.core.plans import (
    Achievement,
    Cadence,
    CadenceUnit,
    Change,
    ChangeKind,
    DueState,
    FieldChange,
    GoalData,
    Lifecycle,
    PlanData,
    PlanError,
    Segment,
    TargetFlag,
    check_target_date,
    diff,
    due_phrase,
    next_check_in,
    target_flag,
    word_diff,
)

D = datetime.date
SIGNED = D(2026, 3, 2)
EVERY_4_WEEKS = Cadence(CadenceUnit.WEEKS, 4)
EVERY_3_SESSIONS = Cadence(CadenceUnit.SESSIONS, 3)


@pytest.mark.parametrize("every", [0, -1, 53, 2.5, "4", True])
def test_a_cadence_needs_a_whole_number_from_1_to_52(every):
    with pytest.raises(PlanError) as refused:
        Cadence(CadenceUnit.WEEKS, every)
    assert refused.value.field == "cadence_every"


def test_a_cadence_in_anything_but_weeks_or_sessions_is_refused():
    with pytest.raises(PlanError, match="weeks or in sessions"):
        Cadence("months", 1)


def test_a_cadence_reads_as_a_therapist_would_write_it():
    assert EVERY_4_WEEKS.phrase == "every 4 weeks"
    assert Cadence("sessions", 1).phrase == "every session"
    assert Cadence("weeks", 1).phrase == "every week"
    assert Cadence("sessions", 3).unit is CadenceUnit.SESSIONS


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (D(2026, 3, 29), DueState.UPCOMING),
        (D(2026, 3, 30), DueState.DUE),  # four weeks after signing
        (D(2026, 4, 6), DueState.DUE),  # the week's grace: the next session
        (D(2026, 4, 7), DueState.OVERDUE),
    ],
)
def test_a_weekly_cadence_falls_due_n_weeks_on_and_is_overdue_a_week_later(today, state):
    due = next_check_in(cadence=EVERY_4_WEEKS, since=SIGNED, attended_since=9, today=today)
    assert (due.state, due.due_on) == (state, D(2026, 3, 30))


@pytest.mark.parametrize(
    ("attended", "state", "left"),
    [
        (0, DueState.UPCOMING, 3),
        (2, DueState.UPCOMING, 1),
        (3, DueState.DUE, 0),
        (4, DueState.OVERDUE, 0),
        (10, DueState.OVERDUE, 0),
    ],
)
def test_a_session_cadence_counts_attended_sessions_since(attended, state, left):
    due = next_check_in(
        cadence=EVERY_3_SESSIONS, since=SIGNED, attended_since=attended, today=D(2027, 1, 1)
    )
    assert (due.state, due.sessions_left, due.due_on) == (state, left, None)


def test_a_negative_count_of_sessions_is_refused():
    with pytest.raises(PlanError):
        next_check_in(cadence=EVERY_3_SESSIONS, since=SIGNED, attended_since=-1, today=SIGNED)


@pytest.mark.parametrize(
    ("cadence", "attended", "today", "phrase"),
    [
        (EVERY_4_WEEKS, 0, D(2026, 3, 3), "next check-in due on 30 Mar 2026"),
        (EVERY_4_WEEKS, 0, D(2026, 3, 30), "check-in due today"),
        (EVERY_4_WEEKS, 0, D(2026, 4, 2), "check-in due since 30 Mar 2026"),
        (EVERY_4_WEEKS, 0, D(2026, 5, 1), "check-in overdue since 6 Apr 2026"),
        (EVERY_3_SESSIONS, 2, SIGNED, "next check-in due after 1 more session"),
        (EVERY_3_SESSIONS, 0, SIGNED, "next check-in due after 3 more sessions"),
        (EVERY_3_SESSIONS, 3, SIGNED, "check-in due at the next session"),
        (EVERY_3_SESSIONS, 5, SIGNED, "check-in overdue: a session has gone by without it"),
    ],
)
def test_the_due_state_reads_as_a_sentence(cadence, attended, today, phrase):
    due = next_check_in(cadence=cadence, since=SIGNED, attended_since=attended, today=today)
    assert due_phrase(due, today=today) == phrase


@pytest.mark.parametrize(
    ("target", "lifecycle", "achievement", "flag"),
    [
        (D(2026, 3, 10), "active", "in_progress", TargetFlag.NEAR),
        (D(2026, 3, 1), "active", "in_progress", TargetFlag.NEAR),  # today itself
        (D(2026, 3, 15), "proposed", "improving", TargetFlag.NEAR),  # 14 days on
        (D(2026, 3, 16), "active", "in_progress", None),  # 15 days on
        (D(2026, 2, 28), "on_hold", "worsening", TargetFlag.PAST),
        (D(2026, 2, 28), "completed", "in_progress", None),
        (D(2026, 2, 28), "cancelled", "not_achieved", None),
        (D(2026, 3, 2), "active", "achieved", None),
        (None, "active", "in_progress", None),
    ],
)
def test_open_goals_near_or_past_their_target_are_flagged(target, lifecycle, achievement, flag):
    assert (
        target_flag(
            target_date=target, lifecycle=lifecycle, achievement=achievement, today=D(2026, 3, 1)
        )
        is flag
    )


def test_a_target_date_before_the_plan_starts_is_refused_with_the_reason():
    with pytest.raises(PlanError) as refused:
        check_target_date(D(2026, 2, 1), plan_starts_on=D(2026, 3, 2))
    assert str(refused.value) == (
        "The target date (1 Feb 2026) is before the plan starts (2 Mar 2026). "
        "Choose a date on or after the start."
    )
    assert refused.value.field == "target_date"
    check_target_date(D(2026, 3, 2), plan_starts_on=D(2026, 3, 2))  # the day itself is fine


def test_statuses_carry_their_fhir_codes():
    assert Lifecycle.ON_HOLD.fhir_code == "on-hold"
    assert Achievement.NOT_ACHIEVED.fhir_code == "not-achieved"
    assert Achievement.NO_CHANGE.label == "No change"
    assert [a.fhir_code for a in Achievement] == [
        "in-progress",
        "improving",
        "worsening",
        "no-change",
        "achieved",
        "not-achieved",
    ]


MOTHER = GoalData(
    number=1,
    description="Talk to Mum about a joint session",
    target_date=D(2026, 4, 1),
    criterion="We have held one joint session",
    lifecycle="active",
    partners=frozenset({"Her mother"}),
)
DIANE = GoalData(number=2, description="Understand why asking Diane is hard")
FIRST = PlanData(
    starts_on=D(2026, 3, 2),
    concerns="Low mood; hard to ask for things",
    cadence=EVERY_4_WEEKS,
    goals=(MOTHER, DIANE),
)


def test_a_version_compared_with_itself_has_no_differences():
    assert diff(FIRST, FIRST) == ()


def test_the_diff_names_sections_and_goals_added_removed_and_changed():
    work = GoalData(number=3, description="Say no at work", measure="gad7")
    second = PlanData(
        starts_on=D(2026, 3, 2),
        concerns="Low mood; hard to ask for what I need",
        recommendations="Read about assertive communication",
        cadence=Cadence("weeks", 2),
        goals=(
            GoalData(**{**MOTHER.__dict__, "achievement": "improving"}),
            work,
        ),
    )
    changes = diff(FIRST, second)
    assert [(c.kind, c.label) for c in changes] == [
        (ChangeKind.CHANGED, "Concerns, in the client's words"),
        (ChangeKind.ADDED, "Recommendations"),
        (ChangeKind.CHANGED, "Check-ins"),
        (ChangeKind.CHANGED, "Goal 1"),
        (ChangeKind.REMOVED, "Goal 2"),
        (ChangeKind.ADDED, "Goal 3"),
    ]
    assert changes[2].fields == (
        FieldChange("cadence", "Check-ins", "every 4 weeks", "every 2 weeks"),
    )
    assert changes[3].fields == (
        FieldChange("achievement", "Progress", "In progress", "Improving"),
    )
    removed = {f.name: (f.before, f.after) for f in changes[4].fields}
    assert removed["description"] == ("Understand why asking Diane is hard", "")
    added = {f.name: (f.before, f.after) for f in changes[5].fields}
    assert added["measure"] == ("", "GAD-7")
    assert added["lifecycle"] == ("", "Proposed")


def test_partners_compare_as_a_set_whatever_their_order():
    a = PlanData(goals=(GoalData(number=1, partners=frozenset({"B", "A"})),))
    b = PlanData(goals=(GoalData(number=1, partners=frozenset({"A", "B"})),))
    assert diff(a, b) == ()
    c = PlanData(goals=(GoalData(number=1, partners=frozenset({"A"})),))
    [change] = diff(a, c)
    assert change.fields == (FieldChange("partners", "Therapy partners involved", "A, B", "A"),)


def test_a_goal_number_twice_in_one_version_is_refused():
    with pytest.raises(PlanError, match="Goal 1 appears twice"):
        diff(PlanData(goals=(GoalData(1), GoalData(1))), PlanData())


def test_a_changed_text_is_shown_word_by_word():
    assert word_diff("hard to ask for things", "hard to ask for what I need") == (
        Segment("same", "hard to ask for"),
        Segment("removed", "things"),
        Segment("added", "what I need"),
    )
    assert word_diff("", "new") == (Segment("added", "new"),)
    assert word_diff("same", "same") == (Segment("same", "same"),)


def test_a_change_reads_its_fields_word_by_word():
    change = Change(
        ChangeKind.CHANGED,
        "section",
        "concerns",
        "Concerns",
        (FieldChange("c", "C", "a b", "a c"),),
    )
    assert change.fields[0].words == (
        Segment("same", "a"),
        Segment("removed", "b"),
        Segment("added", "c"),
    )


def test_free_text_is_shown_word_by_word_and_short_values_as_before_and_after():
    assert FieldChange("criterion", "How", "a", "b").is_text
    assert not FieldChange("lifecycle", "Status", "Proposed", "Active").is_text
