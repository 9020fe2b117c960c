"""The ending review's draft, section by section, and the guard over who it names."""

import dataclasses
import datetime
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.disclosure import (
    INSIDE,
    PLACEHOLDER,
    POSSESSIVE_PLACEHOLDER,
    Audience,
    Involvement,
    PartnerView,
    guard,
)
from kithkin.core.ending_review import (
    AllianceSeries,
    EndingReviewError,
    EpisodeFacts,
    Facts,
    GoalFacts,
    GoalOutcomeWord,
    MeasurePoint,
    MeasureSeries,
    Method,
    PartnerAction,
    PhaseChange,
    PlanOutcome,
    ReferralFacts,
    SessionTally,
    Shift,
    SphereMap,
    Trend,
    Verdict,
    alliance_trend,
    draft,
    for_audience,
    guarded_entries,
    journey,
    measure_progress,
    open_door,
    progress,
)
from kithkin.core.episodes import EndingType, Phase, Stage
from kithkin.core.outcomes import PairedScores, talking_therapies_outcome
from kithkin.core.partners import ActionStatus
from kithkin.core.plans import Achievement, Lifecycle
from kithkin.core.referrals import Kind, Reason, Status
from kithkin.core.spheres import Entry

D = datetime.date
OPENED = D(2026, 2, 3)
TODAY = D(2026, 11, 24)

USUAL_PATH = (
    PhaseChange(D(2026, 2, 10), Phase.ASSESSMENT),
    PhaseChange(D(2026, 2, 24), Phase.FORMULATION),
    PhaseChange(D(2026, 3, 3), Phase.PLANNING),
    PhaseChange(D(2026, 3, 10), Phase.ACTIVE),
    PhaseChange(D(2026, 11, 10), Phase.ENDING),
)

# Personas from the client's life (seed 000): Alexis's mother joins sessions; the roommate Diane
# must never learn she is discussed.
MUM = PartnerView(1, "Mum", Involvement.JOINT_SESSIONS, "mother")
DIANE = PartnerView(2, "Diane", Involvement.UNAWARE, "roommate")
JO = PartnerView(3, "Jo", Involvement.INFORMED, "friend")


def entry(person_id, label, ring, **ratings):
    return Entry(person_id, label, ring, frozenset(), ratings)


def series(code, name, *totals, **kwargs):
    points = tuple(MeasurePoint(i + 1, t) for i, t in enumerate(totals))
    return MeasureSeries(code, name, points, **kwargs)


def facts(**overrides) -> Facts:
    base = Facts(drafted_on=TODAY, episode=EpisodeFacts(OPENED, USUAL_PATH))
    return dataclasses.replace(base, **overrides)


def all_text(review) -> str:
    return "\n".join(review.texts())


# --- Journey -------------------------------------------------------------------------------------


def test_it_tells_the_usual_path_date_by_date():
    j = journey(EpisodeFacts(OPENED, USUAL_PATH), (), drafted_on=TODAY)
    assert j.sentences[:6] == (
        "The client first reached out on 3 February 2026.",
        "Assessment began on 10 February 2026.",
        "Formulation began on 24 February 2026.",
        "Planning began on 3 March 2026.",
        "Active work began on 10 March 2026.",
        "The ending stage, this review of the road travelled, began on 10 November 2026.",
    )
    assert "That is 42 weeks from first contact to this review." in j.sentences
    assert j.first_contact == OPENED
    assert j.ending_began == D(2026, 11, 10)
    assert j.closed_on is None
    assert j.weeks == 42
    assert dict(j.stage_days) == {Stage.BEGINNING: 35, Stage.MIDDLE: 245, Stage.ENDING: 14}
    assert [s.phase for s in j.phases] == list(Phase)[:-1]
    assert j.phases[-1].ended_on is None


def test_it_names_the_stages_in_the_seeds_words():
    j = journey(EpisodeFacts(OPENED, USUAL_PATH), (), drafted_on=TODAY)
    assert (
        "Time in each stage: the beginning (getting to know each other and agreeing the work) "
        "5 weeks, the middle (the work itself) 35 weeks and the ending 2 weeks."
    ) in j.sentences


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            (
                PhaseChange(D(2026, 2, 10), Phase.ASSESSMENT),
                PhaseChange(D(2026, 2, 17), Phase.ACTIVE, "formulation from a colleague"),
            ),
            "On 17 February 2026 the work moved on to active work, leaving out formulation and "
            "planning (formulation from a colleague).",
        ),
        (
            (
                *USUAL_PATH[:4],
                PhaseChange(D(2026, 5, 5), Phase.ASSESSMENT, "new information"),
                PhaseChange(D(2026, 5, 12), Phase.ACTIVE, "back to the plan"),
            ),
            "On 12 May 2026 the work returned to active work (back to the plan).",
        ),
        (
            (*USUAL_PATH[:4], PhaseChange(D(2026, 5, 5), Phase.ASSESSMENT, "new information")),
            "On 5 May 2026 the work went back to assessment (new information).",
        ),
        (
            (*USUAL_PATH, PhaseChange(D(2026, 11, 24), Phase.CLOSED)),
            "The episode closed on 24 November 2026: planned ending.",
        ),
    ],
)
def test_it_says_why_the_journey_left_the_usual_path(changes, expected):
    episode = EpisodeFacts(OPENED, changes, ending_type=EndingType.PLANNED)
    assert expected in journey(episode, (), drafted_on=TODAY).sentences


def test_a_closed_episode_is_measured_to_its_close_not_to_the_draft():
    changes = (PhaseChange(D(2026, 3, 3), Phase.CLOSED),)
    j = journey(
        EpisodeFacts(OPENED, changes, EndingType.CLIENT_ENDED), (), drafted_on=D(2027, 1, 1)
    )
    assert j.closed_on == D(2026, 3, 3)
    assert j.weeks == 4
    assert "The episode closed on 3 March 2026: ended by the client." in j.sentences
    assert "That is 4 weeks from first contact to the close." in j.sentences


def test_phase_changes_are_put_in_date_order():
    j = journey(EpisodeFacts(OPENED, tuple(reversed(USUAL_PATH))), (), drafted_on=TODAY)
    assert j.sentences[1] == "Assessment began on 10 February 2026."


def test_a_short_journey_is_told_in_days():
    j = journey(EpisodeFacts(OPENED), (), drafted_on=OPENED + datetime.timedelta(days=5))
    assert "That is 5 days from first contact to this review." in j.sentences


@pytest.mark.parametrize(
    ("tallies", "expected"),
    [
        ((), ("No sessions were attended.",)),
        ((SessionTally("individual", 3),), ("The client came to 3 sessions.",)),
        ((SessionTally("individual", 1),), ("The client came to 1 session.",)),
        ((SessionTally("joint", 2),), ("The client came to 2 sessions: 2 joint.",)),
        (
            (SessionTally("joint", 2), SessionTally("individual", 12, cancelled=1)),
            (
                "The client came to 14 sessions: 12 individual and 2 joint.",
                "1 session was cancelled.",
            ),
        ),
        (
            (SessionTally("individual", 5, cancelled=2, late_cancelled=1, missed=1),),
            (
                "The client came to 5 sessions.",
                "2 sessions were cancelled, 1 cancelled late and 1 missed.",
            ),
        ),
        (
            (SessionTally("individual", 0, missed=1),),
            ("No sessions were attended.", "1 session was missed."),
        ),
        (
            (SessionTally("individual", 2), SessionTally("individual", 3)),
            ("The client came to 5 sessions.",),
        ),
    ],
)
def test_it_counts_sessions_by_kind(tallies, expected):
    j = journey(EpisodeFacts(OPENED), tallies, drafted_on=TODAY)
    assert j.sentences[-len(expected) :] == expected


def test_session_numbers_are_kept_for_the_page():
    tallies = (SessionTally("individual", 12, 1, 2, 3), SessionTally("joint", 2))
    j = journey(EpisodeFacts(OPENED), tallies, drafted_on=TODAY)
    assert (j.attended, j.cancelled, j.late_cancelled, j.missed) == (14, 1, 2, 3)
    assert j.attended_by_kind == (("individual", 12), ("joint", 2))


def test_it_refuses_a_phase_change_before_the_episode_opened():
    with pytest.raises(EndingReviewError, match="before the episode opened"):
        journey(
            EpisodeFacts(OPENED, (PhaseChange(D(2026, 1, 1), Phase.ASSESSMENT),)),
            (),
            drafted_on=TODAY,
        )


@pytest.mark.parametrize("count", [-1, 1.5, True])
def test_it_refuses_a_count_that_is_not_a_whole_number(count):
    with pytest.raises(EndingReviewError, match="whole number"):
        journey(EpisodeFacts(OPENED), (SessionTally("individual", count),), drafted_on=TODAY)


# --- Work done -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifecycle", "achievement", "word"),
    [
        (Lifecycle.COMPLETED, Achievement.ACHIEVED, GoalOutcomeWord.ACHIEVED),
        (Lifecycle.ACTIVE, Achievement.ACHIEVED, GoalOutcomeWord.ACHIEVED),
        (Lifecycle.ACTIVE, Achievement.IMPROVING, GoalOutcomeWord.PARTLY),
        (Lifecycle.COMPLETED, Achievement.NOT_ACHIEVED, GoalOutcomeWord.NOT_ACHIEVED),
        (Lifecycle.ACTIVE, Achievement.NO_CHANGE, GoalOutcomeWord.NO_CHANGE),
        (Lifecycle.ACTIVE, Achievement.WORSENING, GoalOutcomeWord.HARDER),
        (Lifecycle.ACTIVE, Achievement.IN_PROGRESS, GoalOutcomeWord.IN_PROGRESS),
        (Lifecycle.ON_HOLD, Achievement.IN_PROGRESS, GoalOutcomeWord.ON_HOLD),
        (Lifecycle.CANCELLED, Achievement.NOT_ACHIEVED, GoalOutcomeWord.SET_ASIDE),
        (Lifecycle.CANCELLED, Achievement.ACHIEVED, GoalOutcomeWord.ACHIEVED),
        (Lifecycle.PROPOSED, Achievement.IN_PROGRESS, GoalOutcomeWord.NOT_TAKEN_UP),
        ("completed", "achieved", GoalOutcomeWord.ACHIEVED),
    ],
)
def test_each_goal_gets_its_outcome_in_words(lifecycle, achievement, word):
    goal = GoalFacts(1, " Sleep better ", lifecycle, achievement)
    [outcome] = draft(facts(goals=(goal,))).work_done.goals
    assert outcome.outcome is word
    assert outcome.text == f"Goal 1, “Sleep better”: {word.value}."


def test_goals_come_in_number_order_with_a_summary():
    goals = (
        GoalFacts(2, "Talk with Mum", Lifecycle.COMPLETED, Achievement.ACHIEVED),
        GoalFacts(1, "", Lifecycle.ACTIVE, Achievement.IMPROVING),
        GoalFacts(3, "Go running", Lifecycle.COMPLETED, Achievement.ACHIEVED),
    )
    work = draft(facts(goals=goals)).work_done
    assert [g.number for g in work.goals] == [1, 2, 3]
    assert work.goals[0].text == "Goal 1: improving."
    assert work.summary == "Of 3 goals: 1 improving and 2 achieved."


def test_themes_and_future_growth_are_left_for_the_therapist_and_client():
    review = draft(facts(goals=(GoalFacts(1, "Sleep better"),)))
    assert review.work_done.themes == ()
    assert review.future_growth == ()


def test_no_goals_says_so():
    work = draft(facts()).work_done
    assert work.goals == ()
    assert work.summary == "No goals were written into a plan in this episode."


# --- Progress ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "verdict", "reliable", "words"),
    [
        (18, 7, Verdict.RECOVERED, True, "PHQ-9 fell 11 points (18 → 7), a reliable change"),
        (22, 14, Verdict.IMPROVED, True, "The last score is still in the clinical range."),
        (9, 3, Verdict.IMPROVED, True, "A reliable improvement."),
        (12, 8, Verdict.NO_RELIABLE_CHANGE, False, "less than the 6 points of a reliable change"),
        (12, 12, Verdict.NO_RELIABLE_CHANGE, False, "PHQ-9 did not change (12 → 12)"),
        (8, 14, Verdict.DETERIORATED, True, "A reliable deterioration."),
    ],
)
def test_phq9_is_judged_by_talking_therapies(first, last, verdict, reliable, words):
    result = measure_progress(series("phq9", "PHQ-9", first, 10, last))
    assert result.verdict is verdict
    assert result.reliable is reliable
    assert result.method is Method.TALKING_THERAPIES
    assert (result.first.total, result.last.total, result.change) == (first, last, last - first)
    assert words in result.text
    assert "Method: NHS Talking Therapies, where a change of 6 points or more" in result.text


def test_recovery_is_said_in_plain_words():
    text = measure_progress(series("phq9", "PHQ-9", 18, 7)).text
    assert "started in the clinical range and ended outside it" in text
    assert "recovered" in text


@pytest.mark.parametrize(
    ("last", "verdict"),
    [(7, Verdict.RECOVERED), (8, Verdict.IMPROVED), (9, Verdict.NO_RELIABLE_CHANGE)],
)
def test_gad7_reliable_change_is_four_points(last, verdict):
    result = measure_progress(series("gad7", "GAD-7", 12, last))
    assert result.verdict is verdict
    assert result.threshold == 4


def test_a_measure_with_sd_and_reliability_uses_the_reliable_change_index():
    result = measure_progress(
        series("core10", "CORE-10", 20, 12, sd=6.0, reliability=0.9, caseness=11)
    )
    assert result.method is Method.RELIABLE_CHANGE_INDEX
    assert result.threshold == pytest.approx(1.96 * (2 * 36 * 0.1) ** 0.5)
    assert result.verdict is Verdict.IMPROVED
    assert "the reliable change index (Jacobson and Truax 1991)" in result.text
    assert "more than 5.3 points is reliable" in result.text


def test_a_measure_where_higher_is_better_improves_upward():
    result = measure_progress(
        series(
            "wemwbs", "WEMWBS", 30, 50, lower_is_better=False, sd=8.0, reliability=0.89, caseness=41
        )
    )
    assert result.verdict is Verdict.RECOVERED


def test_a_measure_without_a_method_is_reported_without_a_judgement():
    result = measure_progress(series("own", "mood scale", 3, 7))
    assert result.method is Method.NONE
    assert result.verdict is Verdict.NOT_JUDGED
    assert result.reliable is None
    assert result.text == (
        "mood scale rose 4 points (3 → 7), from session 1 to session 2. No method of reliable "
        "change is recorded for the mood scale, so the change is given without a judgement."
    )


def test_one_score_has_no_change_to_measure():
    result = measure_progress(series("phq9", "PHQ-9", 14))
    assert result.verdict is Verdict.ONE_SCORE
    assert result.last is None and result.change is None and result.reliable is None
    assert result.text == (
        "The PHQ-9 was completed once, at session 1 (14), so there is no change to measure."
    )


def test_scores_are_put_in_session_order():
    points = (MeasurePoint(5, 7), MeasurePoint(1, 18))
    result = measure_progress(MeasureSeries("phq9", "PHQ-9", points))
    assert (result.first.session, result.last.session) == (1, 5)


def test_two_scores_for_one_session_are_refused():
    points = (MeasurePoint(1, 7), MeasurePoint(1, 18))
    with pytest.raises(EndingReviewError, match="two scores for one session"):
        measure_progress(MeasureSeries("phq9", "PHQ-9", points))


@pytest.mark.parametrize("total", [float("nan"), "7", True])
def test_a_score_that_is_not_a_number_is_refused(total):
    with pytest.raises(EndingReviewError, match="must be a number"):
        MeasurePoint(1, total)


def test_a_part_point_phq9_total_is_refused():
    with pytest.raises(EndingReviewError, match="whole numbers"):
        measure_progress(series("phq9", "PHQ-9", 14.5, 7))


def test_no_measures_says_progress_is_told_in_words():
    result = progress((), None)
    assert result.measures == () and result.overall == ""
    assert "No questionnaires were completed" in result.summary
    assert result.alliance.trend is Trend.NONE


def test_an_empty_series_is_left_out():
    result = progress((MeasureSeries("gad7", "GAD-7", ()), series("phq9", "PHQ-9", 18, 7)), None)
    assert [m.code for m in result.measures] == ["phq9"]
    assert result.summary == ""


def test_phq9_and_gad7_together_give_the_talking_therapies_outcome():
    phq, gad = series("phq9", "PHQ-9", 18, 12, 7), series("gad7", "GAD-7", 12, 10, 5)
    expected = talking_therapies_outcome(
        [
            PairedScores(1, phq9=18, gad7=12),
            PairedScores(2, phq9=12, gad7=10),
            PairedScores(3, phq9=7, gad7=5),
        ]
    )
    overall = progress((phq, gad), None).overall
    assert overall == f"Overall, by the NHS Talking Therapies definitions: {expected.summary}"
    assert "Reliable recovery" in overall


def test_the_overall_outcome_needs_both_measures():
    assert progress((series("phq9", "PHQ-9", 18, 7),), None).overall == ""


@pytest.mark.parametrize(
    ("totals", "cutoff", "trend", "words"),
    [
        ((), None, Trend.NONE, "No alliance check-ins were given."),
        ((80,), 72, Trend.ONE, "The alliance check-in was given once, at session 1 (80)."),
        ((70, 80, 84), 72, Trend.HIGHER, "It went up, from 70 at session 1 to 84 at session 3."),
        ((84, 80, 84), 72, Trend.SAME, "It was the same at the end as at the start (84)."),
        ((84, 86, 83), None, Trend.LOWER, "It went down, from 84 at session 1 to 83 at session 3."),
        ((70, 80, 84), 72, Trend.HIGHER, "It was under the threshold of 72 at 1 of 3 check-ins."),
        ((80, 84), 72, Trend.HIGHER, "It was never under the threshold of 72."),
    ],
)
def test_the_alliance_trend_in_words(totals, cutoff, trend, words):
    points = tuple(MeasurePoint(i + 1, t) for i, t in enumerate(totals))
    result = alliance_trend(AllianceSeries(points, cutoff=cutoff))
    assert result.trend is trend
    assert words in result.text
    assert result.count == len(totals)


def test_an_alliance_falling_at_the_end_is_worth_talking_about():
    points = tuple(MeasurePoint(i + 1, t) for i, t in enumerate((85, 88, 84, 80)))
    result = alliance_trend(AllianceSeries(points, cutoff=72))
    assert result.falling_at_end
    assert "It fell at each of the last 3 check-ins" in result.text


def test_the_unvalidated_alliance_check_in_says_it_has_no_norms():
    points = (MeasurePoint(1, 80), MeasurePoint(2, 82))
    assert "not a validated measure" in alliance_trend(AllianceSeries(points)).text
    validated = alliance_trend(AllianceSeries(points, name="SRS", validated=True)).text
    assert "not a validated measure" not in validated


def test_a_negative_alliance_score_is_refused():
    with pytest.raises(EndingReviewError):
        alliance_trend(AllianceSeries((MeasurePoint(1, -1), MeasurePoint(2, 3))))


# --- Relationships -------------------------------------------------------------------------------

FIRST_MAP = SphereMap(
    D(2026, 2, 24),
    (
        entry(1, "Mum", 3, communication=1, quality_time=2),
        entry(3, "Jo", 2, safety=2),
        entry(5, "Dad", 4),
        entry(6, "Priya", 2, respect=1),
    ),
)
LATEST_MAP = SphereMap(
    D(2026, 11, 17),
    (
        entry(1, "Mum", 2, communication=2, safety=1),
        entry(3, "Jo", 4, safety=2),
        entry(4, "Sam", 3),
        entry(6, "Priya", 2, respect=1, commitment=1),
    ),
)
PEOPLE = (
    MUM,
    DIANE,
    JO,
    PartnerView(4, "Sam", Involvement.INFORMED),
    PartnerView(5, "Dad", Involvement.INFORMED),
    PartnerView(6, "Priya", Involvement.INDIRECT),
)


def test_it_compares_the_first_and_latest_maps():
    middle = SphereMap(D(2026, 6, 1), (entry(1, "Mum", 5),))
    rel = draft(facts(maps=(LATEST_MAP, middle, FIRST_MAP), people=PEOPLE)).relationships
    assert (rel.first_map_on, rel.latest_map_on) == (D(2026, 2, 24), D(2026, 11, 17))
    assert [(c.label, c.shift) for c in rel.changes] == [
        ("Mum", Shift.CLOSER),
        ("Jo", Shift.FURTHER),
        ("Sam", Shift.NEW),
        ("Dad", Shift.GONE),
        ("Priya", Shift.SAME_RING),
    ]
    texts = [c.text for c in rel.changes]
    assert texts == [
        "Mum moved closer, from ring 3 to ring 2; now rated present: safety; no longer rated "
        "present: quality time.",
        "Jo moved further out, from ring 2 to ring 4.",
        "Sam is new on the map, in ring 3.",
        "Dad is no longer on the map (before, in ring 4).",
        "Priya stayed in ring 2; now rated present: commitment.",
    ]
    mum = rel.changes[0]
    assert (mum.from_ring, mum.to_ring, mum.gained, mum.lost) == (
        3,
        2,
        ("Safety",),
        ("Quality time",),
    )
    assert rel.summary == (
        "Between the spheres map of 24 February 2026 and the map of 17 November 2026: 1 person "
        "moved closer, 1 person moved further out, 1 person is new on the map, 1 person is no "
        "longer on the map and 1 person stayed in the same ring with different components."
    )


@pytest.mark.parametrize(
    ("maps", "summary"),
    [
        ((), "No spheres map was made in this episode."),
        (
            (FIRST_MAP,),
            "One spheres map was made, on 24 February 2026, so there is no later map to compare "
            "it with.",
        ),
        (
            (FIRST_MAP, dataclasses.replace(FIRST_MAP, made_on=D(2026, 5, 1))),
            "Between the spheres map of 24 February 2026 and the map of 1 May 2026, no one "
            "changed ring or components.",
        ),
    ],
)
def test_no_maps_one_map_or_no_change(maps, summary):
    rel = draft(facts(maps=maps, people=PEOPLE)).relationships
    assert rel.changes == ()
    assert rel.summary == summary


@pytest.mark.parametrize(
    ("action", "outcome", "text"),
    [
        (
            PartnerAction(
                1, "Talk about boundaries", D(2026, 3, 10), D(2026, 3, 17), done_on=D(2026, 3, 20)
            ),
            PlanOutcome.DONE,
            "With Mum: “Talk about boundaries”, done on 20 March 2026.",
        ),
        (
            PartnerAction(
                1, "Invite to a joint session", D(2026, 10, 1), D(2026, 10, 8), client_paced=True
            ),
            PlanOutcome.CLIENT_CHOOSES,
            "With Mum: “Invite to a joint session”, left for the client to choose when.",
        ),
        (
            PartnerAction(1, "Call", D(2026, 10, 1), D(2026, 10, 8), D(2026, 10, 15)),
            PlanOutcome.NOT_YET,
            "With Mum: “Call”, not done yet.",
        ),
        (
            PartnerAction(1, "Visit", D(2026, 11, 1), D(2026, 12, 8)),
            PlanOutcome.NOT_STARTED,
            "With Mum: “Visit”, not yet due.",
        ),
    ],
)
def test_what_became_of_each_partners_plan(action, outcome, text):
    [plan] = draft(facts(partner_actions=(action,), people=PEOPLE)).relationships.partner_plans
    assert plan.outcome is outcome
    assert plan.text == text


def test_a_partner_plan_keeps_its_status_from_the_partners_rules():
    action = PartnerAction(1, "Call", D(2026, 10, 1), D(2026, 10, 8), D(2026, 10, 15))
    [plan] = draft(facts(partner_actions=(action,), people=PEOPLE)).relationships.partner_plans
    assert plan.status is ActionStatus.OVERDUE


# --- Referral and the open door ------------------------------------------------------------------


def test_no_referral_no_section():
    assert draft(facts()).referral is None


@pytest.mark.parametrize(
    ("kind", "status", "words"),
    [
        (Kind.EXTERNAL, Status.DRAFTED, "The therapist referred the client to the ED service."),
        (Kind.EXTERNAL, Status.SENT, "It was sent on 20 November 2026."),
        (Kind.EXTERNAL, Status.ACKNOWLEDGED, "the ED service has said they will see the client."),
        (Kind.EXTERNAL, Status.FIRST_SESSION_HELD, "a first session with the ED service."),
        (Kind.EXTERNAL, Status.DECLINED, "The referral was declined"),
        (Kind.INTERNAL, Status.SENT, "The client is moving to the ED service, another therapist"),
    ],
)
def test_the_referral_in_words(kind, status, words):
    facts_ = ReferralFacts(kind, "the ED service", Reason.SPECIALTY, status, D(2026, 11, 20))
    result = draft(facts(referral=facts_)).referral
    assert words in result.text
    assert "The reason: a specialty the client needs." in result.text
    assert result.status is status


def test_the_open_door_says_how_to_come_back():
    assert "get in touch through the practice at any time" in open_door()
    assert "get in touch (phone 01234 567890) at any time" in open_door(" phone 01234 567890 ")
    review = draft(facts(come_back="phone 01234 567890"))
    assert review.open_door == open_door("phone 01234 567890")
    assert "the beginning of the next step" in review.open_door


def test_every_sentence_says_client_and_therapist_never_patient_or_provider():
    review = draft(_full_facts())
    text = all_text(review).lower()
    assert "client" in text and "therapist" in text
    assert not re.search(r"\b(patient|provider)s?\b", text)


# --- Who the review names ------------------------------------------------------------------------


def _full_facts(**overrides) -> Facts:
    base = facts(
        episode=EpisodeFacts(
            OPENED,
            (*USUAL_PATH[:4], PhaseChange(D(2026, 3, 10), Phase.ACTIVE, "Diane's news")),
        ),
        sessions=(SessionTally("individual", 12), SessionTally("joint", 2)),
        goals=(GoalFacts(1, "Ask Diane for space", Lifecycle.ACTIVE, Achievement.IMPROVING),),
        measures=(series("phq9", "PHQ-9", 18, 7), series("gad7", "GAD-7", 12, 5)),
        alliance=AllianceSeries((MeasurePoint(1, 70), MeasurePoint(2, 80)), cutoff=72),
        maps=(
            SphereMap(D(2026, 2, 24), (entry(1, "Mum", 3), entry(2, "Diane", 2))),
            SphereMap(D(2026, 11, 17), (entry(1, "Mum", 2), entry(2, "Diane", 4))),
        ),
        partner_actions=(
            PartnerAction(1, "Talk about boundaries", D(2026, 3, 10), D(2026, 3, 17)),
            PartnerAction(2, "Ask for quiet evenings", D(2026, 4, 1), D(2026, 4, 8)),
        ),
        people=(MUM, DIANE),
        referral=ReferralFacts(Kind.EXTERNAL, "the ED service", Reason.SPECIALTY, Status.SENT),
    )
    return dataclasses.replace(base, **overrides)


@pytest.mark.parametrize("audience", sorted(INSIDE))
def test_inside_the_practice_and_in_the_clients_own_portal_everyone_is_named(audience):
    review = draft(_full_facts(), audience=audience)
    assert "Diane moved further out" in all_text(review)
    assert review.notice == ""
    assert review.audience == str(audience)


@pytest.mark.parametrize(
    "audience",
    [Audience.RELEASE_PACKET, Audience.FHIR_EXPORT, Audience.LETTER, "a new audience"],
)
def test_it_never_names_an_unaware_partner_outside_the_practice(audience):
    review = draft(_full_facts(), audience=audience)
    text = all_text(review)
    assert "Diane" not in text and "roommate" not in text
    assert [c.person_id for c in review.relationships.changes] == [1]
    assert [p.person_id for p in review.relationships.partner_plans] == [1]
    assert "Goal 1, “Ask [a person in the client's life] for space”: improving." in text
    assert f"({POSSESSIVE_PLACEHOLDER} news)" in text
    assert "1 person moved closer." in review.relationships.summary
    assert review.notice == (
        "1 person in the client's life is withheld from this review to protect their privacy."
    )
    assert review.notice not in text


def test_someone_on_a_map_without_a_view_is_withheld_outside():
    review = draft(_full_facts(people=(MUM,)), audience=Audience.LETTER)
    assert "Diane" not in all_text(review)
    assert [c.person_id for c in review.relationships.changes] == [1]


def test_a_partner_plan_without_a_view_is_never_shown_outside():
    action = PartnerAction(9, "Ask for quiet evenings", D(2026, 4, 1), D(2026, 4, 8))
    inside = draft(facts(partner_actions=(action,)))
    assert inside.relationships.partner_plans[0].text.startswith("With a therapy partner:")
    outside = draft(facts(partner_actions=(action,)), audience=Audience.LETTER)
    assert outside.relationships.partner_plans == ()


def test_an_edited_draft_is_guarded_again_before_it_leaves():
    review = draft(_full_facts())
    edited = dataclasses.replace(
        review,
        future_growth=("Keep evenings free from DIANE.",),
        work_done=dataclasses.replace(review.work_done, themes=("Living with my roommate",)),
    )
    outside = for_audience(edited, Audience.RELEASE_PACKET, people=(MUM, DIANE))
    assert outside.future_growth == (f"Keep evenings free from {PLACEHOLDER}.",)
    assert outside.work_done.themes == (f"Living with my {PLACEHOLDER}",)


def test_a_withheld_person_named_only_in_free_text_is_counted_in_the_notice():
    review = draft(
        facts(goals=(GoalFacts(1, "Ask Diane for space"),), people=(MUM, DIANE)),
        audience=Audience.LETTER,
    )
    assert "Diane" not in all_text(review)
    assert review.notice.startswith("1 person")


def test_the_measures_and_dates_survive_the_guard_untouched():
    inside = draft(_full_facts())
    outside = draft(_full_facts(), audience=Audience.FHIR_EXPORT)
    assert outside.progress == inside.progress
    assert outside.journey.phases == inside.journey.phases


def test_guarded_entries_keep_the_same_people_as_the_review():
    entries = (entry(1, "Mum", 2), entry(2, "Diane", 4), entry(7, "Stranger", 5))
    assert guarded_entries(entries, (MUM, DIANE), Audience.LETTER) == (entries[0],)
    assert guarded_entries(entries, (MUM, DIANE), Audience.INTERNAL) == entries


# Names from the seeds and random ones; any involvement, including unknown values.
labels = st.one_of(
    st.sampled_from(["Diane", "Mum", "Alexis", "Jo", "Sam Lee", "Mary Ann"]),
    st.from_regex(r"[A-Z][a-z]{2,8}", fullmatch=True),
)
involvements = st.one_of(st.sampled_from(Involvement), st.none(), st.text(max_size=8))
outbound = st.one_of(
    st.sampled_from([a for a in Audience if a not in INSIDE]),
    st.text(max_size=12).filter(lambda a: a not in {str(x) for x in INSIDE}),
)


@st.composite
def lives(draw):
    count = draw(st.integers(1, 6))
    people = tuple(
        PartnerView(pid, draw(labels), draw(involvements), draw(st.sampled_from(["", "roommate"])))
        for pid in range(1, count + 1)
    )

    def a_map(day):
        chosen = draw(st.lists(st.sampled_from(people), unique=True))
        return SphereMap(
            day, tuple(entry(p.person_id, p.label, draw(st.integers(1, 5))) for p in chosen)
        )

    maps = tuple(a_map(D(2026, month, 1)) for month in range(2, 2 + draw(st.integers(0, 3))))
    actions = tuple(
        PartnerAction(p.person_id, f"Talk with {p.label}", D(2026, 3, 1), D(2026, 3, 8))
        for p in draw(st.lists(st.sampled_from(people)))
    )
    named = draw(st.sampled_from(people))
    goals = (GoalFacts(1, f"Spend time with {named.label}"),)
    episode = EpisodeFacts(
        OPENED, (PhaseChange(D(2026, 2, 10), Phase.ASSESSMENT, f"{named.label}'s news"),)
    )
    return facts(episode=episode, goals=goals, maps=maps, partner_actions=actions, people=people)


def _names(text: str, label: str) -> bool:
    text = text.replace(POSSESSIVE_PLACEHOLDER, " ").replace(PLACEHOLDER, " ")
    words = r"\s+".join(re.escape(w) for w in label.split())
    return re.search(rf"(?<!\w){words}(?!\w)", text, re.IGNORECASE) is not None


@given(lives(), outbound)
def test_a_withheld_person_never_appears_in_any_text_of_the_draft(life, audience):
    review = draft(life, audience=audience)
    withheld = guard(life.people, audience).withheld
    ids = {p.person_id for p in withheld}
    for text in review.texts():
        for person in withheld:
            assert not _names(text, person.label), (person, text)
    assert not ids & {c.person_id for c in review.relationships.changes}
    assert not ids & {p.person_id for p in review.relationships.partner_plans}
