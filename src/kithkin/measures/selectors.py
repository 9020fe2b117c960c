"""Reads for the measures pages, shaped so the number of queries does not grow with the data.

A client's feedback is read session by session. Each attended session is an *occasion*,
numbered from 1 in the order they happened; a response belongs to the session it names, or
else to the latest attended session that started before it was given (feedback given after a
session is about that session). Scores given before the first session count as session 1's,
the assessment, as in NHS Talking Therapies. Within an occasion the latest response of each
instrument and respondent is the one that counts.
"""

import bisect
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils import timezone

from kithkin.clients.models import restricted
from kithkin.core.alerts import AlertKind, SessionRecord
from kithkin.core.instruments import Instrument, risk_text, score
from kithkin.core.outcomes import Outcome, PairedScores, talking_therapies_outcome
from kithkin.core.trajectory import Band, Point, text_alternative, trajectory_svg
from kithkin.measures.instruments import (
    ALLIANCE,
    GAD7,
    PHQ9,
    alliance_mean,
    instruments_for,
    instruments_on_record,
)
from kithkin.measures.models import Alert, Answer, FitReview, OneTimeLink, Response
from kithkin.schedule.models import Session

KIND_ORDER = {kind.value: n for n, kind in enumerate(AlertKind)}
CLIENT = Response.Respondent.CLIENT
THERAPIST = Response.Respondent.THERAPIST
# The third attended session is when the seed's early question, do we "vibe", is asked.
FIT_CHECK_AFTER = 3


@dataclass
class Occasion:
    number: int
    session: Session | None
    responses: dict[tuple[str, str], Response] = field(default_factory=dict)

    @property
    def on(self) -> datetime.date | None:
        return timezone.localdate(self.session.starts_at) if self.session else None

    def latest(self, instrument: str, respondent: str = CLIENT) -> Response | None:
        return self.responses.get((instrument, respondent))


@dataclass
class History:
    occasions: list[Occasion]
    sessions: list[Session]
    # Response id -> the number of the occasion it belongs to.
    placed: dict[int, int]
    # PHQ-9 response id -> its item 9 answer, when answered.
    item9: dict[int, int]
    # Every response, oldest first.
    responses: list[Response]


def attended_sessions(client) -> list[Session]:
    return list(
        Session.objects.filter(client=client, status=Session.Status.ATTENDED)
        .order_by("starts_at", "pk")
        .only("pk", "starts_at", "therapist_id", "client_id")
    )


# What the alert rules and the practice view's summary read of each response.
RULE_FIELDS = ("pk", "client_id", "session_id", "submitted_at", "instrument", "respondent", "total")


def history_of(client, *, rules_only: bool = False) -> History:
    """Three queries, whatever the number of sessions and responses. ``rules_only`` reads each
    response as a named row of its ``RULE_FIELDS``, for the services that raise alerts and
    rewrite the summary and read nothing else: building a model instance per response cost a
    submission more than all its queries did, on a client with a long history."""
    sessions = attended_sessions(client)
    responses = Response.objects.filter(client=client).order_by("submitted_at", "pk")
    if rules_only:
        responses = responses.values_list(*RULE_FIELDS, named=True)
    responses = list(responses)
    item9 = dict(
        Answer.objects.filter(
            response__client=client, response__instrument=PHQ9, item=9
        ).values_list("response_id", "value")
    )
    return history_from(sessions, responses, item9)


def history_from(
    sessions: list[Session], responses: list[Response], item9: dict[int, int]
) -> History:
    """One client's history from their attended sessions and responses, both oldest first."""
    numbers = {s.pk: n for n, s in enumerate(sessions, start=1)}
    starts = [s.starts_at for s in sessions]
    occasions = [Occasion(n, s) for n, s in enumerate(sessions, start=1)]
    if not occasions and responses:
        occasions.append(Occasion(1, None))
    placed = {}
    for response in responses:
        number = numbers.get(response.session_id) or max(
            1, bisect.bisect_right(starts, response.submitted_at)
        )
        placed[response.pk] = number
        occasions[number - 1].responses[(response.instrument, response.respondent)] = response
    return History(occasions, sessions, placed, item9, responses)


def session_records(
    history: History, instruments: Mapping[str, Instrument], *, upto: int | None = None
) -> list[SessionRecord]:
    """The client's own feedback per occasion, as the alert rules read it. The therapist's
    alliance rating is left out: alerts are about what the client says."""
    records = []
    for occasion in history.occasions[:upto]:
        alliance = occasion.latest(ALLIANCE)
        phq9 = occasion.latest(PHQ9)
        gad7 = occasion.latest(GAD7)
        records.append(
            SessionRecord(
                number=occasion.number,
                on=occasion.on,
                alliance=alliance_mean(instruments[ALLIANCE], alliance.total) if alliance else None,
                phq9=phq9.total if phq9 else None,
                gad7=gad7.total if gad7 else None,
                item9=history.item9.get(phq9.pk) if phq9 else None,
            )
        )
    return records


# --- The therapist's measures page ------------------------------------------------------------


@dataclass
class Latest:
    instrument: Instrument
    response: Response
    display: str
    risk: str | None
    session: int


@dataclass
class GapRow:
    number: int
    text: str
    client: int | None
    therapist: int | None

    @property
    def gap(self) -> int | None:
        if self.client is None or self.therapist is None:
            return None
        return self.client - self.therapist


@dataclass
class Trajectory:
    instrument: Instrument
    svg: str
    lines: tuple[str, ...]


@dataclass
class MeasuresPage:
    instruments: Mapping[str, Instrument]
    latest: list[Latest]
    trajectories: list[Trajectory]
    outcome: Outcome
    gap_session: int | None
    gap: list[GapRow]
    could_be_better: str
    open_alerts: list[Alert]
    acknowledged_alerts: list[Alert]
    fit_reviews: list[FitReview]
    fit_check_due: Session | None
    sessions: list[Session]
    recent: list[tuple[int, Response, str]]


def display_of(instrument: Instrument, response: Response) -> str:
    """The score as the core words it, from the stored columns."""
    required = sum(1 for item in instrument.items if item.required)
    if response.total is None:
        noun = "item" if required == 1 else "items"
        return f"Incomplete: {response.answered} of {required} {noun} answered"
    return f"{response.total} of {instrument.high}" + (
        f": {response.band}" if response.band else ""
    )


def measures_page(client) -> MeasuresPage:
    instruments = instruments_for(client.practice)
    history = history_of(client)
    latest_responses = _latest_by_instrument(history)
    answers = _answers_of([r for r in latest_responses.values()] + _gap_responses(history))
    latest = []
    for code, response in latest_responses.items():
        instrument = instruments[code]
        risk = None
        if code == PHQ9:
            # Re-scored from the stored answers so the words are the core's own: a missing item
            # 9 reads "risk unknown", a 0 reads as the client's answer and never "no risk".
            risk = risk_text(score(instrument, answers.get(response.pk, {})))
        latest.append(
            Latest(
                instrument,
                response,
                display_of(instrument, response),
                risk,
                history.placed[response.pk],
            )
        )
    gap_session, gap, could_be_better = _gap(history, instruments[ALLIANCE], answers)
    # The session is the one whose recording raised an alert that silence raises (no response).
    alerts = list(
        Alert.objects.filter(client=client).select_related(
            "acknowledged_by", "response", "session"
        )[:200]
    )
    return MeasuresPage(
        instruments=instruments,
        latest=latest,
        trajectories=[_trajectory(history, instruments[code]) for code in (PHQ9, GAD7)],
        outcome=talking_therapies_outcome(
            [
                PairedScores(
                    session=o.number,
                    on=o.on,
                    phq9=_total(o.latest(PHQ9)),
                    gad7=_total(o.latest(GAD7)),
                )
                for o in history.occasions
            ]
        ),
        gap_session=gap_session,
        gap=gap,
        could_be_better=could_be_better,
        # Risk first, as it cannot wait for the next session; then in the core's order.
        open_alerts=sorted((a for a in alerts if a.is_open), key=lambda a: KIND_ORDER[a.kind]),
        acknowledged_alerts=[a for a in alerts if not a.is_open][:20],
        fit_reviews=list(FitReview.objects.filter(client=client).select_related("by")[:50]),
        fit_check_due=fit_check_due(client, history.sessions),
        sessions=history.sessions,
        recent=_recent(history, instruments, instruments_on_record(client.practice)),
    )


def fit_check_due(client, sessions: list[Session]) -> Session | None:
    """The third attended session, while no fit review has been written since it. Computed
    from the sessions on every read, so there is nothing to schedule and nothing to miss."""
    if len(sessions) < FIT_CHECK_AFTER:
        return None
    third = sessions[FIT_CHECK_AFTER - 1]
    if FitReview.objects.filter(client=client, at__gte=third.starts_at).exists():
        return None
    return third


def _total(response: Response | None) -> int | None:
    return response.total if response else None


def _latest_by_instrument(history: History) -> dict[str, Response]:
    latest: dict[str, Response] = {}
    for occasion in history.occasions:
        for (code, respondent), response in occasion.responses.items():
            if respondent == CLIENT:
                latest[code] = response
    order = [PHQ9, GAD7, ALLIANCE]
    return {code: latest[code] for code in order if code in latest}


def _gap_responses(history: History) -> list[Response]:
    occasion = _gap_occasion(history)
    if occasion is None:
        return []
    return [r for r in (occasion.latest(ALLIANCE), occasion.latest(ALLIANCE, THERAPIST)) if r]


def _gap_occasion(history: History) -> Occasion | None:
    for occasion in reversed(history.occasions):
        if occasion.latest(ALLIANCE) or occasion.latest(ALLIANCE, THERAPIST):
            return occasion
    return None


def _answers_of(responses: list[Response]) -> dict[int, dict[int, int]]:
    answers: dict[int, dict[int, int]] = {}
    rows = Answer.objects.filter(response__in=[r.pk for r in responses]).values_list(
        "response_id", "item", "value"
    )
    for response_id, item, value in rows:
        answers.setdefault(response_id, {})[item] = value
    return answers


def _gap(history: History, alliance: Instrument, answers) -> tuple[int | None, list[GapRow], str]:
    occasion = _gap_occasion(history)
    if occasion is None:
        return None, [], ""
    mine, theirs = occasion.latest(ALLIANCE), occasion.latest(ALLIANCE, THERAPIST)
    client_answers = answers.get(mine.pk, {}) if mine else {}
    therapist_answers = answers.get(theirs.pk, {}) if theirs else {}
    rows = [
        GapRow(
            item.number,
            item.text,
            client_answers.get(item.number),
            therapist_answers.get(item.number),
        )
        for item in alliance.items
    ]
    return occasion.number, rows, (mine.free_text if mine else "")


def _trajectory(history: History, instrument: Instrument) -> Trajectory:
    points = [
        Point(session=o.number, score=response.total, on=o.on)
        for o in history.occasions
        if (response := o.latest(instrument.code)) is not None
    ]
    bands = [Band(b.low, b.high, b.label) for b in instrument.bands]
    svg = trajectory_svg(
        points,
        bands=bands,
        y_max=instrument.high,
        title=f"{instrument.short_title} by session",
        y_label=f"{instrument.short_title} total",
        ident=f"trajectory-{instrument.code}",
    )
    return Trajectory(instrument, svg, text_alternative(points, bands=bands))


def _recent(history: History, instruments, on_record) -> list[tuple[int, Response, str]]:
    """Each response worded with the definition it was scored with: a licensed instrument the
    practice has since retired, or replaced by a new version, still shows as it was given."""
    rows = []
    for r in reversed(history.responses[-30:]):
        instrument = on_record.get((r.instrument, r.instrument_version)) or instruments.get(
            r.instrument
        )
        if instrument is not None:
            rows.append((history.placed[r.pk], r, display_of(instrument, r)))
    return rows


# --- Links and the portal -----------------------------------------------------------------------


def link_by_hash(token_hash: str, purposes: tuple[str, ...]) -> OneTimeLink | None:
    """The link, used or not: the page decides, and answers every unusable link alike. A token
    of another purpose (a kiosk token at the link address) is as unknown as a made-up one, and
    so is a link of a client whose record is restricted (GDPR Art. 18): it takes no answers."""
    return (
        OneTimeLink.objects.filter(token_hash=token_hash, purpose__in=purposes)
        .filter(~restricted("client_id"))
        .select_related("client__practice", "response")
        .first()
    )


def portal_list(client) -> list[tuple[Instrument, Response | None]]:
    instruments = instruments_for(client.practice)
    last = {}
    for response in Response.objects.filter(client=client, respondent=CLIENT).order_by(
        "submitted_at", "pk"
    ):
        last[response.instrument] = response
    return [(instrument, last.get(code)) for code, instrument in instruments.items()]
