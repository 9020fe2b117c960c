"""One builder per section of the review: the journey, the work done, the progress made, the
relationships, the referral and the open door."""

import datetime
from collections.abc import Iterable, Sequence

from kithkin.core.alerts import AlertError, AlertSettings, SessionRecord, alliance_falling
from kithkin.core.disclosure import PartnerView
from kithkin.core.ending_review.drafts import (
    AllianceTrend,
    GoalOutcome,
    GoalOutcomeWord,
    Journey,
    MeasureProgress,
    Method,
    PartnerPlan,
    PhaseSpan,
    PlanOutcome,
    Progress,
    Referral,
    RelationshipChange,
    Relationships,
    Shift,
    Trend,
    Verdict,
)
from kithkin.core.ending_review.facts import (
    AllianceSeries,
    EndingReviewError,
    EpisodeFacts,
    GoalFacts,
    MeasurePoint,
    MeasureSeries,
    PartnerAction,
    PhaseChange,
    ReferralFacts,
    SessionTally,
    SphereMap,
)
from kithkin.core.ending_review.words import (
    _and,
    _count,
    _day,
    _length,
    _n,
)
from kithkin.core.episodes import (
    ENDING_LABELS,
    PHASES,
    EndingType,
    Move,
    Phase,
    Stage,
    move_of,
    stage_of,
)
from kithkin.core.outcomes import (
    GAD7_CASENESS,
    GAD7_RELIABLE_CHANGE,
    PHQ9_CASENESS,
    PHQ9_RELIABLE_CHANGE,
    MeasureChange,
    OutcomeError,
    PairedScores,
    is_reliable,
    reliable_change_index,
    reliable_difference,
    talking_therapies_outcome,
)
from kithkin.core.partners import ActionStatus, action_status
from kithkin.core.plans import Achievement, Lifecycle
from kithkin.core.referrals import Kind, Reason, Status
from kithkin.core.spheres import PARTLY, Entry, movement
from kithkin.core.vocabulary import COMPONENT_KEYS, COMPONENTS

# --- The journey ---------------------------------------------------------------------------------


def journey(
    episode: EpisodeFacts, sessions: Sequence[SessionTally], *, drafted_on: datetime.date
) -> Journey:
    changes = sorted(episode.changes, key=lambda c: c.on)
    for change in changes:
        if change.on < episode.opened_on:
            raise EndingReviewError(
                f"A phase change on {_day(change.on)} is before the episode opened on "
                f"{_day(episode.opened_on)}."
            )
    spans: list[PhaseSpan] = []
    current, since = Phase.REACHING_OUT, episode.opened_on
    sentences = [f"The client first reached out on {_day(episode.opened_on)}."]
    visited = {current}
    for change in changes:
        target = Phase(change.phase)
        spans.append(PhaseSpan(current, since, change.on))
        again = target in visited
        sentences.append(_phase_sentence(current, target, change, episode.ending_type, again))
        visited.add(target)
        current, since = target, change.on
    closed_on = since if current is Phase.CLOSED else None
    if current is not Phase.CLOSED:
        spans.append(PhaseSpan(current, since, None))
    end = closed_on or drafted_on
    stage_days: dict[Stage, int] = {}
    for span in spans:
        days = ((span.ended_on or end) - span.began_on).days
        stage_days[stage_of(span.phase)] = stage_days.get(stage_of(span.phase), 0) + days
    weeks = max(0, (end - episode.opened_on).days) // 7
    sentences.append(
        f"That is {_length((end - episode.opened_on).days)} from first contact to "
        f"{'the close' if closed_on else 'this review'}."
    )
    if stage_days:
        sentences.append(_stages_sentence(stage_days))
    ending_began = next((c.on for c in reversed(changes) if c.phase == Phase.ENDING), None)
    tallies = _tally(sessions)
    sentences += _sessions_sentences(tallies)
    return Journey(
        sentences=tuple(sentences),
        first_contact=episode.opened_on,
        ending_began=ending_began,
        closed_on=closed_on,
        weeks=weeks,
        stage_days=tuple((s, stage_days[s]) for s in Stage if s in stage_days),
        phases=tuple(spans),
        attended=sum(t.attended for t in tallies),
        cancelled=sum(t.cancelled for t in tallies),
        late_cancelled=sum(t.late_cancelled for t in tallies),
        missed=sum(t.missed for t in tallies),
        attended_by_kind=tuple((t.kind, t.attended) for t in tallies if t.attended),
    )


def _phase_sentence(
    current: Phase,
    target: Phase,
    change: PhaseChange,
    ending_type: EndingType | None,
    again: bool,
) -> str:
    why = f" ({change.reason.strip()})" if change.reason and change.reason.strip() else ""
    day = _day(change.on)
    move = move_of(current, target)
    if move is Move.CLOSE:
        how = f": {ending_label(ending_type).lower()}" if ending_type else ""
        return f"The episode closed on {day}{why}{how}."
    if move is Move.BACK:
        return f"On {day} the work went back to {target.label.lower()}{why}."
    if again:
        # Back to a phase already lived through: nothing was left out on the way.
        return f"On {day} the work returned to {target.label.lower()}{why}."
    if move is Move.SKIP:
        skipped = PHASES[current.position + 1 : target.position]
        return (
            f"On {day} the work moved on to {target.label.lower()}, leaving out "
            f"{_and(p.label.lower() for p in skipped)}{why}."
        )
    if target is Phase.ENDING:
        return f"The ending stage, this review of the road travelled, began on {day}{why}."
    return f"{target.label} began on {day}{why}."


# Seed 003: therapy "has stages, a beginning, a middle and an ending stage".
_STAGE_WORDS = {
    Stage.BEGINNING: "the beginning (getting to know each other and agreeing the work)",
    Stage.MIDDLE: "the middle (the work itself)",
    Stage.ENDING: "the ending",
}


def _stages_sentence(stage_days: dict[Stage, int]) -> str:
    parts = [f"{_STAGE_WORDS[s]} {_length(stage_days[s])}" for s in Stage if s in stage_days]
    return f"Time in each stage: {_and(parts)}."


def _tally(sessions: Sequence[SessionTally]) -> list[SessionTally]:
    by_kind: dict[str, SessionTally] = {}
    for t in sessions:
        for name in ("attended", "cancelled", "late_cancelled", "missed"):
            value = getattr(t, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise EndingReviewError("A count of sessions is a whole number of 0 or more.")
        old = by_kind.get(str(t.kind))
        by_kind[str(t.kind)] = (
            t
            if old is None
            else SessionTally(
                str(t.kind),
                old.attended + t.attended,
                old.cancelled + t.cancelled,
                old.late_cancelled + t.late_cancelled,
                old.missed + t.missed,
            )
        )
    return sorted(by_kind.values(), key=lambda t: (-t.attended, t.kind))


def _sessions_sentences(tallies: Sequence[SessionTally]) -> list[str]:
    attended = sum(t.attended for t in tallies)
    if not attended:
        text = "No sessions were attended."
    else:
        kinds = [t for t in tallies if t.attended]
        text = f"The client came to {_count(attended, 'session')}"
        if len(kinds) > 1 or (kinds and kinds[0].kind != "individual"):
            text += ": " + _and(f"{t.attended} {_kind(t.kind)}" for t in kinds)
        text += "."
    others = [
        (n, words)
        for n, words in (
            (sum(t.cancelled for t in tallies), "cancelled"),
            (sum(t.late_cancelled for t in tallies), "cancelled late"),
            (sum(t.missed for t in tallies), "missed"),
        )
        if n
    ]
    if not others:
        return [text]
    (n, words), rest = others[0], others[1:]
    head = f"{_count(n, 'session')} {'was' if n == 1 else 'were'} {words}"
    return [text, _and([head, *(f"{m} {w}" for m, w in rest)]) + "."]


def _kind(kind: str) -> str:
    return str(kind).replace("_", " ")


# --- The work done -------------------------------------------------------------------------------


_ACHIEVEMENT_WORDS = {
    Achievement.ACHIEVED: GoalOutcomeWord.ACHIEVED,
    Achievement.IMPROVING: GoalOutcomeWord.PARTLY,
    Achievement.NOT_ACHIEVED: GoalOutcomeWord.NOT_ACHIEVED,
    Achievement.NO_CHANGE: GoalOutcomeWord.NO_CHANGE,
    Achievement.WORSENING: GoalOutcomeWord.HARDER,
    Achievement.IN_PROGRESS: GoalOutcomeWord.IN_PROGRESS,
}


def goal_outcome(goal: GoalFacts) -> GoalOutcome:
    lifecycle, achievement = Lifecycle(goal.lifecycle), Achievement(goal.achievement)
    # A goal set aside or never taken up is not a goal failed: the lifecycle says so first.
    if lifecycle is Lifecycle.CANCELLED and achievement is not Achievement.ACHIEVED:
        word = GoalOutcomeWord.SET_ASIDE
    elif lifecycle is Lifecycle.PROPOSED:
        word = GoalOutcomeWord.NOT_TAKEN_UP
    elif lifecycle is Lifecycle.ON_HOLD and achievement is not Achievement.ACHIEVED:
        word = GoalOutcomeWord.ON_HOLD
    else:
        word = _ACHIEVEMENT_WORDS[achievement]
    description = (goal.description or "").strip()
    named = f"Goal {goal.number}, “{description}”" if description else f"Goal {goal.number}"
    return GoalOutcome(goal.number, description, lifecycle, achievement, word, f"{named}: {word}.")


def _number(goal: GoalFacts) -> int:
    return goal.number


# --- Progress ------------------------------------------------------------------------------------

_TALKING_THERAPIES = {
    "phq9": (PHQ9_RELIABLE_CHANGE, PHQ9_CASENESS),
    "gad7": (GAD7_RELIABLE_CHANGE, GAD7_CASENESS),
}


def progress(measures: Sequence[MeasureSeries], alliance: AllianceSeries | None) -> Progress:
    shown = [m for m in measures if m.points]
    return Progress(
        measures=tuple(measure_progress(m) for m in shown),
        overall=_overall(shown),
        alliance=alliance_trend(alliance),
    )


def method_of(series: MeasureSeries) -> Method:
    if series.sd is not None and series.reliability is not None:
        return Method.RELIABLE_CHANGE_INDEX
    if series.code in _TALKING_THERAPIES and series.lower_is_better:
        return Method.TALKING_THERAPIES
    return Method.NONE


def measure_progress(series: MeasureSeries) -> MeasureProgress:
    """The change from the first to the last score, judged by the series' method."""
    points = _in_session_order(series.points, series.name)
    first, last = points[0], points[-1]
    name = series.name
    method = method_of(series)
    caseness = series.caseness
    if caseness is None and method is Method.TALKING_THERAPIES:
        caseness = _TALKING_THERAPIES[series.code][1]
    if len(points) == 1:
        text = (
            f"The {name} was completed once, at session {first.session} ({_n(first.total)}), so "
            "there is no change to measure."
        )
        return MeasureProgress(
            series.code, name, first, None, None, None, None, method, Verdict.ONE_SCORE, text
        )
    change = last.total - first.total
    span = f"from session {first.session} to session {last.session}"
    threshold: float | None
    if method is Method.TALKING_THERAPIES:
        threshold = _TALKING_THERAPIES[series.code][0]
        if not (_whole(first.total) and _whole(last.total)):
            raise EndingReviewError(f"{name} totals are whole numbers.")
        moved = MeasureChange(name, int(first.total), int(last.total), int(threshold))
        reliable = moved.reliable_decrease or moved.reliable_increase
        phrase = moved.phrase
        how = (
            f"NHS Talking Therapies, where a change of {_n(threshold)} points or more on the "
            f"{name} is reliable and {_n(caseness)} or more is the clinical cut-off"
        )
    elif method is Method.RELIABLE_CHANGE_INDEX:
        assert series.sd is not None and series.reliability is not None
        try:
            threshold = reliable_difference(sd=series.sd, reliability=series.reliability)
            rc = reliable_change_index(
                first.total, last.total, sd=series.sd, reliability=series.reliability
            )
        except OutcomeError as error:
            raise EndingReviewError(f"{name}: {error}") from None
        reliable = is_reliable(rc)
        phrase = _phrase(name, first.total, last.total, threshold, reliable)
        how = (
            "the reliable change index (Jacobson and Truax 1991), where a change of more than "
            f"{_n(threshold)} points is reliable"
        )
        if caseness is not None:
            how += f" and the clinical cut-off is {_n(caseness)}"
    else:
        threshold = None
        reliable = None
        phrase = _phrase(name, first.total, last.total, None, False)
        how = ""
    verdict = _verdict(series, change, reliable, caseness, first.total, last.total)
    parts = [f"{phrase}, {span}.", _VERDICT_SENTENCES[verdict]]
    if (
        verdict is Verdict.IMPROVED
        and caseness is not None
        and _is_case(series, caseness, last.total)
    ):
        parts.append("The last score is still in the clinical range.")
    if how:
        parts.append(f"Method: {how}.")
    else:
        parts.append(
            f"No method of reliable change is recorded for the {name}, so the change is given "
            "without a judgement."
        )
    text = " ".join(p for p in parts if p)
    return MeasureProgress(
        series.code,
        name,
        first,
        last,
        change,
        None if threshold is None else bool(reliable and change != 0),
        threshold,
        method,
        verdict,
        text,
    )


_VERDICT_SENTENCES = {
    Verdict.RECOVERED: (
        "The score started in the clinical range and ended outside it, with a reliable "
        "improvement: recovered."
    ),
    Verdict.IMPROVED: "A reliable improvement.",
    Verdict.NO_RELIABLE_CHANGE: "No reliable change: the change is within measurement error.",
    Verdict.DETERIORATED: "A reliable deterioration.",
    Verdict.NOT_JUDGED: "",
}


def _verdict(series, change, reliable, caseness, first, last) -> Verdict:
    if reliable is None:
        return Verdict.NOT_JUDGED
    better = change < 0 if series.lower_is_better else change > 0
    if not reliable or change == 0:
        return Verdict.NO_RELIABLE_CHANGE
    if not better:
        return Verdict.DETERIORATED
    if (
        caseness is not None
        and _is_case(series, caseness, first)
        and not _is_case(series, caseness, last)
    ):
        return Verdict.RECOVERED
    return Verdict.IMPROVED


def _is_case(series: MeasureSeries, caseness: float, score: float) -> bool:
    return score >= caseness if series.lower_is_better else score < caseness


def _phrase(name: str, first: float, last: float, threshold: float | None, reliable: bool) -> str:
    """MeasureChange.phrase's words for a threshold that need not be whole."""
    change = last - first
    if change == 0:
        return f"{name} did not change ({_n(first)} → {_n(last)})"
    points = abs(change)
    moved = f"{_n(points)} point{'' if points == 1 else 's'} ({_n(first)} → {_n(last)})"
    verb = "fell" if change < 0 else "rose"
    if threshold is None:
        return f"{name} {verb} {moved}"
    if reliable:
        return f"{name} {verb} {moved}, a reliable change"
    return f"{name} {verb} {moved}, less than the {_n(threshold)} points of a reliable change"


def _overall(measures: Sequence[MeasureSeries]) -> str:
    by_code = {m.code: m for m in measures}
    if "phq9" not in by_code or "gad7" not in by_code:
        return ""
    phq9 = {p.session: p for p in by_code["phq9"].points}
    gad7 = {p.session: p for p in by_code["gad7"].points}
    try:
        pairs = [
            PairedScores(
                session=n,
                phq9=_whole_or_none(phq9.get(n)),
                gad7=_whole_or_none(gad7.get(n)),
            )
            for n in sorted(phq9.keys() | gad7.keys())
        ]
        outcome = talking_therapies_outcome(pairs)
    except OutcomeError as error:
        raise EndingReviewError(str(error)) from None
    return f"Overall, by the NHS Talking Therapies definitions: {outcome.summary}"


def _whole_or_none(point: MeasurePoint | None) -> int | None:
    if point is None:
        return None
    if not _whole(point.total):
        raise EndingReviewError(f"The total at session {point.session} must be a whole number.")
    return int(point.total)


def _whole(value: float) -> bool:
    return float(value).is_integer()


def _in_session_order(points: Sequence[MeasurePoint], name: str) -> list[MeasurePoint]:
    ordered = sorted(points, key=lambda p: p.session)
    sessions = [p.session for p in ordered]
    if len(set(sessions)) != len(sessions):
        raise EndingReviewError(f"The {name} has two scores for one session.")
    return ordered


def alliance_trend(series: AllianceSeries | None) -> AllianceTrend:
    """The alliance from first check-in to last, in words. It has no reliable change, so the
    words say only higher, lower or the same, and how often it was under the threshold."""
    points = _in_session_order(series.points, "alliance check-in") if series else []
    if series is None or not points:
        return AllianceTrend(
            Trend.NONE, 0, None, None, 0, False, "No alliance check-ins were given."
        )
    name = series.name
    note = (
        ""
        if series.validated
        else f" The {name} is a reflective tool, not a validated measure, so its totals are not "
        "compared with any norm."
    )
    first, last = points[0], points[-1]
    under = sum(1 for p in points if p.total < series.cutoff) if series.cutoff is not None else 0
    if len(points) == 1:
        text = f"The {name} was given once, at session {first.session} ({_n(first.total)})."
        return AllianceTrend(Trend.ONE, 1, first, None, under, False, text + note)
    if last.total > first.total:
        trend, words = Trend.HIGHER, "went up"
    elif last.total < first.total:
        trend, words = Trend.LOWER, "went down"
    else:
        trend, words = Trend.SAME, "was the same at the end as at the start"
    text = f"The {name} was given at {len(points)} sessions. It {words}"
    if trend is Trend.SAME:
        text += f" ({_n(first.total)})."
    else:
        text += (
            f", from {_n(first.total)} at session {first.session} to {_n(last.total)} at session "
            f"{last.session}."
        )
    if series.cutoff is not None:
        if under:
            text += (
                f" It was under the threshold of {_n(series.cutoff)} at {under} of "
                f"{len(points)} check-ins."
            )
        else:
            text += f" It was never under the threshold of {_n(series.cutoff)}."
    try:
        history = [SessionRecord(number=p.session, on=p.on, alliance=p.total) for p in points]
        settings = AlertSettings(low_alliance=max(0.0, series.cutoff or 0.0))
    except AlertError as error:
        raise EndingReviewError(str(error)) from None
    falling = alliance_falling(history, settings) is not None
    if falling:
        text += (
            f" It fell at each of the last {settings.falling_run} check-ins: worth talking about "
            "together in the ending sessions."
        )
    return AllianceTrend(trend, len(points), first, last, under, falling, text + note)


# --- Relationships -------------------------------------------------------------------------------


def relationships(
    maps: Sequence[SphereMap],
    actions: Sequence[PartnerAction],
    people: Sequence[PartnerView],
    *,
    today: datetime.date,
) -> Relationships:
    ordered = sorted(maps, key=lambda m: m.made_on)
    first = ordered[0] if ordered else None
    latest = ordered[-1] if len(ordered) > 1 else None
    changes = map_changes(first.entries, latest.entries) if first and latest else ()
    labels = {p.person_id: p.label for p in people}
    plans = tuple(
        partner_plan(a, labels.get(a.person_id, ""), today=today)
        for a in sorted(actions, key=lambda a: (a.planned_on, a.person_id))
    )
    return Relationships(
        first_map_on=first.made_on if first else None,
        latest_map_on=latest.made_on if latest else None,
        changes=changes,
        partner_plans=plans,
    )


def map_changes(before: Iterable[Entry], after: Iterable[Entry]) -> tuple[RelationshipChange, ...]:
    """Closer, further, new, gone, then the same ring with different components; in label order
    within each (:func:`kithkin.core.spheres.movement`)."""
    before, after = tuple(before), tuple(after)
    moved = movement(before, after)
    earlier = {e.person_id: e for e in before}
    later = {e.person_id: e for e in after}
    out: list[RelationshipChange] = []
    for shift, items in ((Shift.CLOSER, moved.moved_in), (Shift.FURTHER, moved.moved_out)):
        for m in items:
            gained, lost = _components(earlier[m.person_id], later[m.person_id])
            words = "moved closer" if shift is Shift.CLOSER else "moved further out"
            text = f"{m.label} {words}, from ring {m.from_ring} to ring {m.to_ring}"
            out.append(
                RelationshipChange(
                    m.person_id,
                    m.label,
                    shift,
                    m.from_ring,
                    m.to_ring,
                    gained,
                    lost,
                    text + _components_words(gained, lost),
                )
            )
    for p in moved.new:
        text = f"{p.label} is new on the map, in ring {p.ring}."
        out.append(RelationshipChange(p.person_id, p.label, Shift.NEW, None, p.ring, (), (), text))
    for p in moved.gone:
        text = f"{p.label} is no longer on the map (before, in ring {p.ring})."
        out.append(RelationshipChange(p.person_id, p.label, Shift.GONE, p.ring, None, (), (), text))
    ringed = {c.person_id for c in out}
    stayed = sorted(
        (later[pid] for pid in later.keys() & earlier.keys() if pid not in ringed),
        key=lambda e: (e.label.casefold(), e.person_id),
    )
    for entry in stayed:
        gained, lost = _components(earlier[entry.person_id], entry)
        if gained or lost:
            text = f"{entry.label} stayed in ring {entry.ring}"
            out.append(
                RelationshipChange(
                    entry.person_id,
                    entry.label,
                    Shift.SAME_RING,
                    entry.ring,
                    entry.ring,
                    gained,
                    lost,
                    text + _components_words(gained, lost),
                )
            )
    return tuple(out)


def _components(before: Entry, after: Entry) -> tuple[tuple[str, ...], tuple[str, ...]]:
    def present(entry: Entry) -> set[str]:
        return {k for k in COMPONENT_KEYS if entry.ratings.get(k, 0) >= PARTLY}

    was, now = present(before), present(after)
    gained = tuple(COMPONENTS[k].label for k in COMPONENT_KEYS if k in now - was)
    lost = tuple(COMPONENTS[k].label for k in COMPONENT_KEYS if k in was - now)
    return gained, lost


def _components_words(gained: Sequence[str], lost: Sequence[str]) -> str:
    # Rated present or not, as the client rated it: never a verdict on the relationship.
    parts = []
    if gained:
        parts.append(f"now rated present: {_and(g.lower() for g in gained)}")
    if lost:
        parts.append(f"no longer rated present: {_and(g.lower() for g in lost)}")
    return ("; " + "; ".join(parts) if parts else "") + "."


_PLAN_OUTCOMES = {
    ActionStatus.DONE: PlanOutcome.DONE,
    ActionStatus.WAITING_ON_CLIENT: PlanOutcome.CLIENT_CHOOSES,
    ActionStatus.DUE: PlanOutcome.NOT_YET,
    ActionStatus.OVERDUE: PlanOutcome.NOT_YET,
    ActionStatus.UPCOMING: PlanOutcome.NOT_STARTED,
}


def partner_plan(action: PartnerAction, label: str, *, today: datetime.date) -> PartnerPlan:
    status = action_status(
        window_start=action.window_start,
        window_end=action.window_end,
        client_paced=action.client_paced,
        done=action.done_on is not None,
        today=today,
    )
    outcome = _PLAN_OUTCOMES[status]
    what = (action.text or "").strip()
    with_whom = f"With {label}" if label.strip() else "With a therapy partner"
    words = outcome.value
    if status is ActionStatus.DONE and action.done_on:
        words = f"done on {_day(action.done_on)}"
    text = f"{with_whom}: “{what}”, {words}." if what else f"{with_whom}: {words}."
    return PartnerPlan(action.person_id, label, what, status, outcome, text)


# --- The referral and the open door --------------------------------------------------------------


def referral(facts: ReferralFacts) -> Referral:
    kind, reason, status = Kind(facts.kind), Reason(facts.reason), Status(facts.status)
    to = facts.to.strip() or "another service"
    if kind is Kind.INTERNAL:
        text = f"The client is moving to {to}, another therapist at the practice."
    else:
        text = f"The therapist referred the client to {to}."
    text += f" The reason: {reason.label[0].lower()}{reason.label[1:]}."
    text += (
        " "
        + {
            Status.DRAFTED: "The referral is written and not yet sent.",
            Status.SENT: "It was sent" + (f" on {_day(facts.sent_on)}." if facts.sent_on else "."),
            Status.ACKNOWLEDGED: f"{to} has said they will see the client.",
            Status.FIRST_SESSION_HELD: f"The client has had a first session with {to}.",
            Status.DECLINED: (
                "The referral was declined; the therapist and client talk about what next."
            ),
        }[status]
    )
    return Referral(kind, to, reason, status, text)


def open_door(come_back: str = "") -> str:
    """The default open door; seed 004: the ending "really is 'the beginning' of the next step"
    and a client may return to the same therapist."""
    how = f" ({come_back.strip()})" if come_back and come_back.strip() else " through the practice"
    return (
        "This ending is the beginning of the next step, and the door stays open. If the client "
        f"would like to come back, for a check-in or for more work, they can get in touch{how} at "
        "any time. Coming back is an ordinary part of the journey, not a sign that anything "
        "failed: it starts a new episode, and this one stays on the record so the client and "
        "therapist can look back on the road travelled together."
    )


def ending_label(ending_type: EndingType | None) -> str:
    return ENDING_LABELS[EndingType(ending_type)] if ending_type else ""
