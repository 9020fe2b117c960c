"""The practice view's pre-aggregation, and the view's reads.

A course is one client's feedback with one therapist: the attended sessions that therapist
held, and the responses placed on them (``selectors.history_of`` places each response on an
attended session). Each course has one ``FeedbackSummary`` row of counts and outcome flags,
recomputed whole from the client's history whenever a response arrives or a session is recorded.
The practice view then sums a few rows per client, in three queries, instead of reading every
response: with a million responses it reads the same rows as with a thousand.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from kithkin.core.access import Actor, feedback_lines
from kithkin.core.episodes import EndingType
from kithkin.core.outcomes import PairedScores, talking_therapies_outcome
from kithkin.core.practice_feedback import Counts, Figures, alliance_band, figures
from kithkin.measures import selectors
from kithkin.measures.instruments import shipped_for
from kithkin.measures.models import FeedbackSummary, Response
from kithkin.relationships.models import Episode
from kithkin.schedule.models import Session

# Seed 003: an ending the client did not plan with the therapist. A client who "ended it" by
# not coming back, and one whose sessions lapsed, both left without the ending the work needed.
DROPPED_OUT = (EndingType.CLIENT_ENDED.value, EndingType.LAPSED.value)
BATCH = 200
BANDS = ("alliance_0_2", "alliance_2_4", "alliance_4_6", "alliance_6_8", "alliance_8_10")
UPDATED = [
    "attended_sessions",
    "feedback_sessions",
    "alliance_sum",
    *BANDS,
    "outcome_assessed",
    "case_at_start",
    "reliable_improvement",
    "recovered",
    "reliable_recovery",
    "reliable_deterioration",
    "updated_at",
]


def courses_of(history: selectors.History, instruments) -> dict[int, dict]:
    """Each therapist's course with the client, as the summary's field values."""
    records = selectors.session_records(history, instruments)
    by_therapist = defaultdict(list)
    for occasion, record in zip(history.occasions, records, strict=True):
        # Scores given before any session was held have no therapist yet: they count once a
        # session is, as that session's (the selectors place them there).
        if occasion.session is not None:
            by_therapist[occasion.session.therapist_id].append(record)
    courses = {}
    for therapist_id, course in by_therapist.items():
        alliance = [r.alliance for r in course if r.alliance is not None]
        bands = [0] * len(BANDS)
        for mean in alliance:
            bands[alliance_band(mean)] += 1
        outcome = talking_therapies_outcome(
            [PairedScores(session=r.number, phq9=r.phq9, gad7=r.gad7) for r in course]
        )
        courses[therapist_id] = {
            "attended_sessions": len(course),
            "feedback_sessions": len(alliance),
            "alliance_sum": sum(alliance),
            **dict(zip(BANDS, bands, strict=True)),
            "outcome_assessed": outcome.is_assessed,
            "case_at_start": outcome.is_assessed and outcome.case_at_start,
            "reliable_improvement": outcome.reliable_improvement,
            "recovered": outcome.recovered,
            "reliable_recovery": outcome.reliable_recovery,
            "reliable_deterioration": outcome.reliable_deterioration,
        }
    return courses


@transaction.atomic
def summaries_refresh(client, history: selectors.History | None = None) -> None:
    """Rewrites the client's summary rows from their history (read here unless given). Called
    inside the transaction that changed the history, so the figures move with the record."""
    if history is None:
        history = selectors.history_of(client, rules_only=True)
    courses = courses_of(history, shipped_for(client.practice))
    _write(client.practice_id, {client.pk: courses})


def summaries_rebuild(practice) -> int:
    """Recomputes every summary row of the practice from its sessions and responses, a batch of
    clients at a time: for a new install, or after the rules of an outcome change. Returns the
    number of rows written."""
    instruments = shipped_for(practice)
    client_ids = list(
        Session.objects.filter(practice=practice, status=Session.Status.ATTENDED)
        .order_by()
        .values_list("client_id", flat=True)
        .distinct()
    )
    client_ids.sort()
    written = 0
    FeedbackSummary.objects.filter(practice=practice).exclude(client_id__in_ids=client_ids).delete()
    for start in range(0, len(client_ids), BATCH):
        batch = client_ids[start : start + BATCH]
        courses = {
            client_id: courses_of(history, instruments)
            for client_id, history in _histories(batch).items()
        }
        with transaction.atomic():
            written += _write(practice.pk, courses)
    return written


def _histories(client_ids: list[int]) -> dict[int, selectors.History]:
    """The histories of a batch of clients in three queries."""
    sessions = defaultdict(list)
    for session in (
        Session.objects.filter(client_id__in_ids=client_ids, status=Session.Status.ATTENDED)
        .order_by("client_id", "starts_at", "pk")
        .only("pk", "starts_at", "therapist_id", "client_id")
    ):
        sessions[session.client_id].append(session)
    responses = defaultdict(list)
    for response in (
        Response.objects.filter(client_id__in_ids=client_ids)
        .order_by("client_id", "submitted_at", "pk")
        .only(*selectors.RULE_FIELDS)
    ):
        responses[response.client_id].append(response)
    # History keeps each PHQ-9's item 9; the summary reads totals only, so it is not read here.
    return {
        client_id: selectors.history_from(sessions[client_id], responses[client_id], {})
        for client_id in client_ids
    }


def _write(practice_id: int, courses: dict[int, dict[int, dict]]) -> int:
    """Makes these clients' summary rows the given courses: each row updated in place, a new
    course added, and a course that no longer has an attended session removed."""
    now = timezone.now()
    rows = [
        FeedbackSummary(
            practice_id=practice_id,
            client_id=client_id,
            therapist_id=therapist_id,
            updated_at=now,
            **values,
        )
        for client_id, by_therapist in courses.items()
        for therapist_id, values in by_therapist.items()
    ]
    stale = Q(pk__in=[])
    for client_id, by_therapist in courses.items():
        stale |= Q(client_id=client_id) & ~Q(therapist_id__in=list(by_therapist))
    FeedbackSummary.objects.filter(stale).delete()
    FeedbackSummary.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["client", "therapist"],
        update_fields=UPDATED,
    )
    return len(rows)


# --- The practice view -------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    therapist_id: int | None
    name: str
    figures: Figures


@dataclass(frozen=True)
class PracticeFeedback:
    practice: Line
    # The therapists whose own figures this reader may see, by name.
    therapists: list[Line]


_SUMS = {
    "attended": Sum("attended_sessions"),
    "with_feedback": Sum("feedback_sessions"),
    "alliance_sum": Sum("alliance_sum"),
    **{band: Sum(band) for band in BANDS},
    "assessed": Count("pk", filter=Q(outcome_assessed=True)),
    "case_at_start": Count("pk", filter=Q(case_at_start=True)),
    "improved": Count("pk", filter=Q(reliable_improvement=True)),
    "recovered": Count("pk", filter=Q(recovered=True)),
    "reliably_recovered": Count("pk", filter=Q(reliable_recovery=True)),
    "deteriorated": Count("pk", filter=Q(reliable_deterioration=True)),
    "courses": Count("pk"),
    "courses_with_checkins": Count("pk", filter=Q(feedback_sessions__gt=0)),
}


def practice_feedback(actor: Actor, practice_id: int) -> PracticeFeedback:
    """Three queries: the summaries summed per therapist, the closed episodes per therapist, and
    the names of the therapists shown. The practice's line sums every therapist's."""
    counts: dict[int, Counts] = defaultdict(Counts)
    for row in (
        FeedbackSummary.objects.filter(practice_id=practice_id)
        .values("therapist_id")
        .order_by("therapist_id")
        .annotate(**_SUMS)
    ):
        therapist_id = row.pop("therapist_id")
        bands = tuple(row.pop(band) or 0 for band in BANDS)
        values = {key: value or 0 for key, value in row.items()}
        counts[therapist_id] += Counts(alliance_bands=bands, **values)
    for row in (
        Episode.objects.filter(practice_id=practice_id, phase="closed")
        .values("relationship__therapist_id")
        .order_by("relationship__therapist_id")
        .annotate(
            closed=Count("pk"),
            dropped_out=Count("pk", filter=Q(ending_type__in=DROPPED_OUT)),
            planned=Count("pk", filter=Q(ending_type=EndingType.PLANNED.value)),
        )
    ):
        counts[row["relationship__therapist_id"]] += Counts(
            closed=row["closed"], dropped_out=row["dropped_out"], planned=row["planned"]
        )
    total = sum(counts.values(), Counts())
    shown = feedback_lines(actor, frozenset(counts))
    names = {
        user.pk: user.get_full_name() or user.username
        for user in get_user_model()
        .objects.filter(pk__in=sorted(shown))
        .only("pk", "first_name", "last_name", "username")
    }
    lines = sorted(
        (Line(pk, names.get(pk, f"therapist {pk}"), figures(counts[pk])) for pk in shown),
        key=lambda line: line.name.lower(),
    )
    return PracticeFeedback(
        practice=Line(None, "The whole practice", figures(total)), therapists=lines
    )
