"""The ending review, "the road travelled": a first draft assembled from the record.

Seed 003: in the last session the therapist and client review "the road we had traveled
together---the work she had done, the progress she had made, her plans for future growth", and
many people skip this stage by leaving a voicemail. Seed 004: an ending "really is 'the
beginning' of the next step", and a client may return. So when an episode enters ``ending``,
Kithkin drafts the review from plain facts; the therapist and client then edit it together.

What the draft fills in and what it leaves:
    journey          dates, phases and stages, sessions by kind (filled in)
    work_done        each goal with its outcome in words (filled in); ``themes`` left empty:
                     the therapist writes them, they are never copied from notes (the facts carry
                     no notes, so they cannot be)
    progress         each measure from first to last, with reliable change and recovery and the
                     method named; the alliance trend (filled in)
    relationships    movements between the first and latest spheres maps, with components now
                     or no longer rated present, and what became of each therapy partner's plan
    future_growth    left empty: written with the client
    open_door        a default paragraph on how to come back, editable
    referral         when there is one

Disclosure. The review leaves the practice (PDF, portal, FHIR Composition), so it is built for an
audience: :func:`draft` assembles everything, then passes it through :func:`for_audience`, which
runs the people through :func:`kithkin.core.disclosure.guard`. A withheld person's movements and
plans are dropped and every text is run through :func:`~kithkin.core.disclosure.redact`. A
person on a map with no :class:`PartnerView` in ``Facts.people`` is withheld outside the practice
(the guard's fail-closed rule). An edited draft must go through :func:`for_audience` again before
it is sent anywhere, since the therapist's own words may name someone.

The package: ``facts`` (what the caller reads from the record), ``drafts`` (each section's
type), ``sections`` (one builder per section), ``words``; this module assembles and guards.
"""

from collections.abc import Iterable
from dataclasses import replace

from kithkin.core.disclosure import Audience, PartnerView, could_name, guard, redact
from kithkin.core.ending_review.drafts import (  # noqa: F401
    AllianceTrend,
    Draft,
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
    WorkDone,
)
from kithkin.core.ending_review.facts import (  # noqa: F401
    AllianceSeries,
    EndingReviewError,
    EpisodeFacts,
    Facts,
    GoalFacts,
    MeasurePoint,
    MeasureSeries,
    PartnerAction,
    PhaseChange,
    ReferralFacts,
    SessionTally,
    SphereMap,
)
from kithkin.core.ending_review.sections import (  # noqa: F401
    _number,
    alliance_trend,
    ending_label,
    goal_outcome,
    journey,
    map_changes,
    measure_progress,
    method_of,
    open_door,
    partner_plan,
    progress,
    referral,
    relationships,
)
from kithkin.core.ending_review.words import _map_strings
from kithkin.core.spheres import Entry

# --- Assembling ----------------------------------------------------------------------------------


def draft(facts: Facts, *, audience: Audience | str = Audience.INTERNAL) -> Draft:
    """The draft review for ``audience``. The default, internal, is the therapist's own page and
    names everyone; any other audience gets :func:`for_audience` applied."""
    assembled = Draft(
        audience=str(Audience.INTERNAL),
        journey=journey(facts.episode, facts.sessions, drafted_on=facts.drafted_on),
        work_done=WorkDone(goals=tuple(goal_outcome(g) for g in sorted(facts.goals, key=_number))),
        progress=progress(facts.measures, facts.alliance),
        relationships=relationships(
            facts.maps, facts.partner_actions, facts.people, today=facts.drafted_on
        ),
        open_door=open_door(facts.come_back),
        referral=referral(facts.referral) if facts.referral else None,
    )
    return for_audience(assembled, audience, people=facts.people)


def for_audience(
    review: Draft, audience: Audience | str, *, people: Iterable[PartnerView]
) -> Draft:
    """``review`` (drafted or edited) as ``audience`` may see it.

    Movements and partner plans of withheld people are dropped, and every text is redacted of
    every withheld person's label and role, so a therapist's edit naming someone is caught too.
    Someone the review mentions who has no view in ``people`` has no recorded involvement and is
    withheld outside the practice, under the label the review gives them.
    """
    people = tuple(people)
    rel = review.relationships
    mentioned = [(c.person_id, c.label) for c in rel.changes] + [
        (p.person_id, p.label) for p in rel.partner_plans
    ]
    known = {p.person_id for p in people}
    strangers = {pid: PartnerView(pid, label, None) for pid, label in mentioned if pid not in known}
    guarded = guard([*people, *strangers.values()], audience)
    withheld_ids = {p.person_id for p in guarded.withheld}
    if not withheld_ids:
        return replace(review, audience=str(audience), notice="")
    # Every name a withheld person goes by here: their view's and the map's.
    withheld = list(guarded.withheld) + [
        PartnerView(pid, label, None) for pid, label in mentioned if pid in withheld_ids
    ]
    kept = replace(
        review,
        relationships=replace(
            rel,
            changes=tuple(c for c in rel.changes if c.person_id not in withheld_ids),
            partner_plans=tuple(p for p in rel.partner_plans if p.person_id not in withheld_ids),
        ),
    )
    texts = list(review.texts())
    left_out = {
        p.person_id
        for p in withheld
        if p.person_id in {pid for pid, _ in mentioned} or any(map(could_name([p]), texts))
    }
    redacted = _map_strings(kept, lambda text: redact(text, withheld))
    return replace(redacted, audience=str(audience), notice=guard_notice(len(left_out)))


def guard_notice(withheld: int) -> str:
    if not withheld:
        return ""
    who = "1 person" if withheld == 1 else f"{withheld} people"
    verb = "is" if withheld == 1 else "are"
    return f"{who} in the client's life {verb} withheld from this review to protect their privacy."


def guarded_entries(
    entries: Iterable[Entry], people: Iterable[PartnerView], audience: Audience | str
) -> tuple[Entry, ...]:
    """A map's entries that ``audience`` may see, for drawing the two maps side by side; the same
    rule as :func:`for_audience` (no view means withheld outside the practice)."""
    entries = tuple(entries)
    views = {p.person_id: p for p in people}
    seen = [views.get(e.person_id, PartnerView(e.person_id, e.label, None)) for e in entries]
    kept = {p.person_id for p in guard(seen, audience).kept}
    return tuple(e for e in entries if e.person_id in kept)
