"""The client's signed ending reviews as Compositions (``resources.endings``), for reads,
searches, $everything and bulk $export.

Each Composition's text is the review's draft as ``endings.selectors.review_draft`` assembles it
for the client's PDF, re-made from the record, guarded for the outbound audience
(``Audience.FHIR_EXPORT``): the same words the PDF prints, never a second assembly of the
review. Only a signed review is served; a draft is not a record yet. A release packet
(``consent.packets``) builds its reviews by the same two steps (``drafts_of``, then
``composition_of``) for its own audience, and prints the same drafts.

A draft costs ``endings.selectors.facts_for``'s queries (a dozen) for each signed review, however
long the episode; the rows its sections' entries point at (plan versions, responses, referrals)
are the caller's, loaded once for all the client's reviews.
"""

import datetime
from collections.abc import Iterable

from django.utils import timezone

from kithkin.core.disclosure import Audience
from kithkin.core.ending_review import Draft
from kithkin.endings.models import EndingReview

# The window the draft reads is found by the same functions (``facts_for``: from the episode's
# opening to its close, or to today while it is open).
from kithkin.endings.selectors import OUTCOME_CODES, _end_of, _start_of, review_draft
from kithkin.fhir import resources as build
from kithkin.fhir.resources.endings import Sources
from kithkin.measures.instruments import ALLIANCE
from kithkin.measures.models import Respondent, Response
from kithkin.plans.models import PlanVersion
from kithkin.referrals.models import Referral

AUDIENCE = Audience.FHIR_EXPORT
MEASURED = (*OUTCOME_CODES, ALLIANCE)


def signed_reviews_of(client):
    """The client's reviews that are records: signed ones only."""
    return EndingReview.objects.filter(
        episode__relationship__client=client, signed_at__isnull=False
    ).select_related("episode__relationship")


def signed_review(episode) -> EndingReview | None:
    """``episode``'s review if it is signed, from an episode read with
    ``select_related("ending_review")`` (so no query either way)."""
    try:
        review = episode.ending_review
    except EndingReview.DoesNotExist:
        return None
    return review if review.is_signed else None


def sources_of(client) -> dict:
    """The rows the entries point at, for ``compositions``' keyword arguments: three queries,
    for reads and searches (the whole record and bulk $export have them loaded already)."""
    versions = list(
        PlanVersion.objects.filter(plan__client=client, signed_at__isnull=False)
        .select_related("plan")
        .prefetch_related("goals")
    )
    responses = list(
        Response.objects.filter(
            client=client, respondent=Respondent.CLIENT, complete=True, instrument__in=MEASURED
        ).order_by("submitted_at", "pk")
    )
    referrals = list(Referral.objects.filter(client=client))
    return {"versions": versions, "responses": responses, "referrals": referrals}


def compositions(
    client,
    reviews: Iterable[tuple[EndingReview, object]],
    *,
    versions,
    responses,
    referrals,
    today: datetime.date | None = None,
) -> list[dict]:
    """A Composition (its validated dict) for each signed ``(review, episode)`` of ``client``.

    ``versions`` are the client's plan versions with their plan and goals, ``responses`` their
    questionnaire responses and ``referrals`` their referrals out: what the sections' entries
    are found among, by the rules the draft reads them by."""
    today = today or timezone.localdate()
    return [
        composition_of(
            review,
            episode,
            draft,
            versions=versions,
            responses=responses,
            referrals=referrals,
            today=today,
        )
        for review, episode, draft in drafts_of(client, reviews, audience=AUDIENCE, today=today)
    ]


def drafts_of(
    client,
    reviews: Iterable[tuple[EndingReview, object]],
    *,
    audience: Audience,
    today: datetime.date,
) -> list[tuple[EndingReview, object, Draft]]:
    """Each signed ``(review, episode)`` of ``client`` with its draft guarded for ``audience``:
    the words a Composition is built from (``composition_of``), and that a packet prints."""
    found = []
    for review, episode in reviews:
        if review.signed_at is None:
            continue
        # The draft reads the client (and its practice) through the episode: the caller's
        # instance, already loaded, saves two queries a review.
        episode.relationship.client = client
        draft = review_draft(episode, review, today=today, audience=audience)
        found.append((review, episode, draft))
    return found


def composition_of(
    review: EndingReview, episode, draft: Draft, *, versions, responses, referrals, today
) -> dict:
    """The Composition of one signed review from its guarded ``draft``; ``versions``,
    ``responses`` and ``referrals`` as ``compositions`` takes them. No query."""
    sources = Sources(
        goals=_goals(draft, episode, versions),
        observations=_observations(episode, responses, today=today),
        referral=_referral(episode, referrals) if draft.referral is not None else None,
    )
    return build.ending_review.data(review, draft, episode=episode, sources=sources)


def _goals(draft, episode, versions) -> tuple[int, ...]:
    """The goals the work done reports: those of the latest signed version of the episode's
    plan, or of a plan that belongs to the client alone (``endings.selectors._goals``' rule)."""
    candidates = [
        v for v in versions if v.signed_at is not None and v.plan.episode_id in (episode.pk, None)
    ]
    if not candidates:
        return ()
    chosen = min(candidates, key=lambda v: (v.plan.episode_id is None, -v.number))
    # By number: a description may have been redacted in the draft, the number never is.
    ids = {goal.number: goal.pk for goal in chosen.goals.all()}
    return tuple(ids[g.number] for g in draft.work_done.goals if g.number in ids)


def _observations(episode, responses, *, today) -> tuple[int, ...]:
    """The scores the progress section was drawn from: the client's complete answers to the
    measures it reports, given in the episode (``endings.selectors._measures``' rule)."""
    start = _start_of(episode.opened_on)
    end = _end_of(episode.closed_on or today)
    return tuple(
        r.pk
        for r in responses
        if r.respondent == Respondent.CLIENT
        and r.complete
        and r.instrument in MEASURED
        and (r.episode_id == episode.pk or (r.episode_id is None and start <= r.submitted_at < end))
    )


def _referral(episode, referrals) -> int | None:
    """The referral the review reports: the latest out of the episode
    (``endings.selectors._referral``' rule)."""
    mine = [r for r in referrals if r.episode_id == episode.pk]
    return max(mine, key=lambda r: (r.created_at, r.pk)).pk if mine else None
