"""Reads for the ending review: the record turned into ``core.ending_review.Facts``, in a fixed
number of queries whatever the length of the episode, and the reviews a page shows.

The draft's assembled parts (journey, goals, measures, maps, partner plans, referral) are
re-drafted from these facts every time a review is shown, so they stay true to the record as it
is; only the therapist's written parts are stored (``EndingReview``).
"""

import bisect
import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone

from kithkin.clients.models import Person
from kithkin.core.bullseye import draw
from kithkin.core.disclosure import Audience
from kithkin.core.ending_review import (
    AllianceSeries,
    Draft,
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
    draft,
    for_audience,
    guarded_entries,
)
from kithkin.core.episodes import EndingType, Phase
from kithkin.core.plans import Achievement, Lifecycle
from kithkin.core.referrals import Kind, Reason, Status
from kithkin.core.spheres import Entry
from kithkin.endings.models import EndingReview
from kithkin.fhir.resources.people import partner_view
from kithkin.measures.instruments import ALLIANCE, GAD7, PHQ9, shipped_for
from kithkin.measures.models import Respondent, Response
from kithkin.partners.models import PlannedAction
from kithkin.plans.models import Goal, PlanVersion
from kithkin.referrals.models import Referral
from kithkin.relationships.models import Episode
from kithkin.schedule.models import Session
from kithkin.spheres.models import SphereEntry
from kithkin.spheres.models import SphereMap as SphereMapRow

# The questionnaires the review reports, in this order: symptoms first, then the alliance.
OUTCOME_CODES = (PHQ9, GAD7)


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _end_of(day: datetime.date) -> datetime.datetime:
    return _start_of(day + datetime.timedelta(days=1))


def episode_of(client, episode_id: int) -> Episode | None:
    """One episode of ``client``, or None: an episode of another client is not found."""
    return (
        Episode.objects.filter(pk=episode_id, relationship__client=client)
        .select_related("relationship__client", "relationship__therapist")
        .first()
    )


def review_of(episode: Episode) -> EndingReview | None:
    return (
        EndingReview.objects.filter(episode=episode)
        .select_related("drafted_by", "signed_by", "shared_by")
        .first()
    )


def facts_for(episode: Episode, *, today: datetime.date) -> Facts:
    """What the draft of ``episode``'s review is made from. Eleven queries, whatever the count
    of sessions, responses, maps or people.

    The window is the episode's: from its opening to its close, or to ``today`` while it is
    open, so a returning client's earlier episode keeps its own road.
    """
    relationship = episode.relationship
    client = relationship.client
    end = episode.closed_on or today
    window = (_start_of(episode.opened_on), _end_of(end))

    changes = tuple(
        PhaseChange(on=_local_day(row.at), phase=Phase(row.to_phase), reason=row.reason or "")
        for row in episode.transitions.exclude(from_phase="").order_by("at", "pk")
    )
    episode_facts = EpisodeFacts(
        opened_on=episode.opened_on,
        changes=changes,
        ending_type=EndingType(episode.ending_type) if episode.ending_type else None,
    )
    sessions = Session.objects.filter(
        client=client,
        therapist_id=relationship.therapist_id,
        starts_at__gte=window[0],
        starts_at__lt=window[1],
    )
    attended = list(
        sessions.filter(status=Session.Status.ATTENDED)
        .order_by("starts_at", "pk")
        .values_list("pk", "starts_at")
    )
    counts = sessions.values_list("kind", "status").annotate(n=Count("pk")).order_by("kind")
    measures, alliance = _measures(client, episode, window, attended)
    maps = _maps(client, episode.opened_on, window[1])
    return Facts(
        drafted_on=today,
        episode=episode_facts,
        sessions=_tallies(counts),
        goals=_goals(client, episode),
        measures=measures,
        alliance=alliance,
        maps=maps,
        partner_actions=_actions(client, episode.opened_on, end),
        people=tuple(
            partner_view(p) for p in Person.objects.filter(client=client).select_related("partner")
        ),
        referral=_referral(episode),
        come_back=client.practice.name if client.practice_id else "",
    )


def _tallies(counts) -> tuple[SessionTally, ...]:
    by_kind: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, status, n in counts:
        by_kind[kind][status] = n
    return tuple(
        SessionTally(
            kind=kind,
            attended=statuses.get(Session.Status.ATTENDED, 0),
            cancelled=statuses.get(Session.Status.CANCELLED, 0),
            late_cancelled=statuses.get(Session.Status.LATE_CANCELLED, 0),
            missed=statuses.get(Session.Status.NO_SHOW, 0),
        )
        for kind, statuses in by_kind.items()
    )


def _goals(client, episode) -> tuple[GoalFacts, ...]:
    """The goals of the latest signed version of the episode's plan; a plan started before any
    episode was open belongs to the client alone and stands in for it. A draft is work in
    progress, not the plan agreed, so it is never reported."""
    version = (
        PlanVersion.objects.filter(plan__client=client, signed_at__isnull=False)
        .filter(Q(plan__episode=episode) | Q(plan__episode__isnull=True))
        .order_by(F("plan__episode").asc(nulls_last=True), "-number")
        .first()
    )
    if version is None:
        return ()
    goals = Goal.objects.filter(version=version).order_by("number")
    return tuple(
        GoalFacts(
            number=g.number,
            description=g.description,
            lifecycle=Lifecycle(g.lifecycle),
            achievement=Achievement(g.achievement),
        )
        for g in goals
    )


def _measures(client, episode, window, attended):
    """PHQ-9, GAD-7 and the alliance check-in, as the client answered them (the therapist's own
    alliance rating is a different view and is not the client's progress). Each response is
    numbered by its session within the episode, or by the latest attended session before it,
    as the measures pages place it."""
    instruments = shipped_for(client.practice)
    rows = (
        Response.objects.filter(
            client=client,
            respondent=Respondent.CLIENT,
            complete=True,
            instrument__in=(*OUTCOME_CODES, ALLIANCE),
        )
        .filter(
            Q(episode=episode)
            | Q(episode__isnull=True, submitted_at__gte=window[0], submitted_at__lt=window[1])
        )
        .order_by("submitted_at", "pk")
        .values_list("instrument", "total", "submitted_at", "session_id")
    )
    numbers = {pk: n for n, (pk, _) in enumerate(attended, start=1)}
    starts = [starts_at for _, starts_at in attended]
    # One score per session: a later response about the same session replaces the earlier one,
    # as on the measures page (a correction, or a form sent again).
    by_session: dict[str, dict[int, MeasurePoint]] = defaultdict(dict)
    for code, total, submitted_at, session_id in rows:
        number = numbers.get(session_id) or max(1, bisect.bisect_right(starts, submitted_at))
        by_session[code][number] = MeasurePoint(number, total, _local_day(submitted_at))
    points = {code: sorted(p.values(), key=lambda p: p.session) for code, p in by_session.items()}
    points = defaultdict(list, points)
    measures = tuple(
        MeasureSeries(code, instruments[code].short_title, tuple(points[code]))
        for code in OUTCOME_CODES
        if points[code]
    )
    alliance = None
    if points[ALLIANCE]:
        check_in = instruments[ALLIANCE]
        alliance = AllianceSeries(
            tuple(points[ALLIANCE]),
            cutoff=check_in.cutoff.value if check_in.cutoff else None,
            name=check_in.short_title,
            validated=check_in.validated,
        )
    return measures, alliance


def _maps(client, opened_on, until) -> tuple[SphereMap, ...]:
    """The first and latest finished maps of the episode. The first is the map in force when
    the episode opened, if one was made before, so the review measures the road from where the
    client stood; else the first made in the episode. A client's draft at home is theirs alone
    and is never read."""
    finished = list(
        SphereMapRow.objects.filter(
            client=client, status=SphereMapRow.Status.FINAL, taken_at__lt=until
        )
        .order_by("taken_at", "pk")
        .values_list("pk", "taken_at")
    )
    if not finished:
        return ()
    opened = _start_of(opened_on)
    before = [m for m in finished if m[1] < opened]
    first = before[-1] if before else finished[0]
    chosen = [first] if first == finished[-1] else [first, finished[-1]]
    entries: dict[int, list[Entry]] = defaultdict(list)
    rows = (
        SphereEntry.objects.filter(map_id__in=[pk for pk, _ in chosen])
        .order_by("pk")
        .values_list("map_id", "person_id", "person__name", "ring", "types", "ratings", "note")
    )
    for map_id, person_id, name, ring, types, ratings, note in rows:
        entries[map_id].append(
            Entry(
                person_id=person_id,
                label=name,
                ring=ring,
                types=frozenset(types),
                ratings=dict(ratings),
                note=note,
            )
        )
    return tuple(SphereMap(_local_day(at), tuple(entries[pk])) for pk, at in chosen)


def _actions(client, opened_on, end) -> tuple[PartnerAction, ...]:
    rows = (
        PlannedAction.objects.filter(
            partner__person__client=client, planned_on__gte=opened_on, planned_on__lte=end
        )
        .order_by("window_start", "pk")
        .values_list(
            "partner__person_id",
            "text",
            "planned_on",
            "window_start",
            "window_end",
            "client_paced",
            "done_on",
        )
    )
    return tuple(PartnerAction(*row) for row in rows)


def _referral(episode) -> ReferralFacts | None:
    """The latest referral out of this episode, if any (one declined is still part of it)."""
    referral = (
        Referral.objects.filter(episode=episode)
        .select_related("to_therapist")
        .order_by("-created_at", "-pk")
        .first()
    )
    if referral is None:
        return None
    return ReferralFacts(
        kind=Kind(referral.kind),
        to=referral.recipient_label,
        reason=Reason(referral.reason),
        status=Status(referral.status),
        sent_on=_local_day(referral.sent_at) if referral.sent_at else None,
    )


# --- The review as a page shows it -----------------------------------------------------------


def review_draft(
    episode: Episode,
    review: EndingReview | None,
    *,
    today: datetime.date,
    audience: Audience = Audience.INTERNAL,
) -> Draft:
    """The draft re-made from the record, with the therapist's written parts put in, for
    ``audience``. The written parts go through the guard too: the therapist's own words may
    name someone who must not be named outside."""
    facts = facts_for(episode, today=today)
    assembled = draft(facts)
    if review is not None:
        assembled = with_texts(assembled, review)
    return for_audience(assembled, audience, people=facts.people)


@dataclass(frozen=True)
class DrawnMap:
    made_on: datetime.date
    svg: str  # built by core.bullseye, which escapes every text


@dataclass(frozen=True)
class ReviewPage:
    draft: Draft
    maps: tuple[DrawnMap, ...]  # the first and latest maps, side by side


def review_page(
    episode: Episode,
    review: EndingReview | None,
    *,
    today: datetime.date,
    audience: Audience = Audience.INTERNAL,
) -> ReviewPage:
    """The review for ``audience`` with its first and latest spheres maps drawn, the later one
    showing who moved. The maps keep only the people ``audience`` may see, by the same rule as
    the text, and carry no entry notes or incongruence prompts: those are clinical working
    material, not part of the review."""
    facts = facts_for(episode, today=today)
    assembled = draft(facts)
    if review is not None:
        assembled = with_texts(assembled, review)
    shown = for_audience(assembled, audience, people=facts.people)
    drawn = []
    previous: dict[int, int] | None = None
    for n, sphere_map in enumerate(facts.maps):
        entries = [
            dataclasses.replace(e, note="")
            for e in guarded_entries(sphere_map.entries, facts.people, audience)
        ]
        title = f"Spheres map of {sphere_map.made_on.day} {sphere_map.made_on:%B %Y}"
        svg = draw(entries, title=title, prompts={}, previous=previous, ident=f"review-map-{n}")
        drawn.append(DrawnMap(sphere_map.made_on, svg))
        previous = {e.person_id: e.ring for e in entries}
    return ReviewPage(shown, tuple(drawn))


def with_texts(assembled: Draft, review: EndingReview) -> Draft:
    return dataclasses.replace(
        assembled,
        work_done=dataclasses.replace(assembled.work_done, themes=_paragraphs(review.themes)),
        future_growth=_paragraphs(review.future_growth),
        note_for_client=_paragraphs(review.notes_for_client),
        open_door=review.open_door.strip() or assembled.open_door,
    )


def _paragraphs(text: str) -> tuple[str, ...]:
    """The therapist's text as paragraphs: blank lines divide them."""
    parts = [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n")]
    return tuple(p for p in parts if p)


def shared_reviews(client):
    """The client's reviews they may read: shared ones only, newest first."""
    return list(
        EndingReview.objects.filter(episode__relationship__client=client, shared_at__isnull=False)
        .select_related("episode__relationship__therapist")
        .order_by("-shared_at", "-pk")
    )


def shared_review(client, review_id: int) -> EndingReview | None:
    return (
        EndingReview.objects.filter(
            pk=review_id, episode__relationship__client=client, shared_at__isnull=False
        )
        .select_related("episode__relationship__client", "episode__relationship__therapist")
        .first()
    )
