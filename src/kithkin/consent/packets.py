"""A release packet: what one release sends, as a PDF and as a FHIR Bundle, from the same facts.

Minimum necessary (45 CFR 164.502(b)): only the categories asked for (and allowed by the
authorization), only from the dates asked for. Always the client's identity, the authorization
the release goes under, and a cover that says what is inside.

Every person from the client's life passes the disclosure guard with the release-packet
audience before anything is written: the people it withholds (an ``unaware`` partner, anyone
without a recorded involvement) are left out of the structured parts, and their names and roles
are replaced in every sentence (``redact``). The FHIR resources then go through
``kithkin.fhir.release`` as well, the facade's one door, so both lines of defence hold for the
Bundle. Psychotherapy notes are never read here: ``record_notes_for_release`` knows only
progress notes, and no packet has a part for them.

An ending review goes as the recipient of any copy outside the practice reads it: its draft
re-made from the record and guarded for the release-packet audience (``endings.selectors``),
the same words in the PDF and in its Composition (``fhir.compositions``), and only once signed.
"""

import dataclasses
import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from kithkin.clients.models import Person
from kithkin.consent.text import CATEGORY_LABELS
from kithkin.core.consent import Category, ReleaseRequest, covered
from kithkin.core.disclosure import Audience, guard, redact
from kithkin.core.ending_review import Draft
from kithkin.fhir import resources as build
from kithkin.fhir.compositions import composition_of, drafts_of, signed_reviews_of, sources_of
from kithkin.fhir.release import released_json, to_json
from kithkin.fhir.resources._common import instant
from kithkin.fhir.resources.people import partner_view
from kithkin.fhir.selectors import answers_by_response, care_plan_of_version, versions_placed
from kithkin.fhir.selectors import response_resources as measure_resources
from kithkin.fhir.valid import bundle_of
from kithkin.measures.instruments import instruments_on_record
from kithkin.measures.models import Response
from kithkin.notes.selectors import record_notes_for_release
from kithkin.plans.models import PlanVersion
from kithkin.schedule.models import SessionAttendee

# Said on every packet, whether or not anyone was left out: a notice only when someone was
# withheld would itself tell the recipient that there is someone to withhold.
PEOPLE_NOTICE = (
    "People in the client's life are named in this packet only where they know of the "
    "client's therapy. Anyone else is left out, and where a sentence mentions them they appear "
    "as \u201c[a person in the client's life]\u201d."
)
NOTES_NOTICE = "This packet holds no psychotherapy notes."

# The order a reader expects: the plan, then how it went, then the numbers, then the ending.
ORDER = (
    Category.PLAN,
    Category.PROGRESS_SUMMARIES,
    Category.MEASURES,
    Category.ENDING_REVIEW,
)


@dataclass(frozen=True)
class GoalPart:
    description: str
    criterion: str
    target_date: datetime.date
    achievement: str
    people: tuple[str, ...]


@dataclass(frozen=True)
class PlanPart:
    number: int
    signed_on: datetime.date | None
    concerns: str
    relational_context: str
    objectives: str
    recommendations: str
    goals: tuple[GoalPart, ...]


@dataclass(frozen=True)
class SummaryPart:
    on: datetime.date
    kind: str
    focus: str
    response: str


@dataclass(frozen=True)
class ScorePart:
    on: datetime.date
    instrument: str
    total: int | None
    band: str


@dataclass(frozen=True)
class ReviewPart:
    composition_id: str
    signed_on: datetime.date
    signed_by: str
    title: str
    draft: Draft  # guarded for the release packet, without the note for the client


@dataclass(frozen=True)
class ReferralPart:
    reason: str
    summary: str


@dataclass
class Packet:
    client_id: int
    client_name: str
    date_of_birth: datetime.date | None
    discloser: str
    recipient: str
    recipient_contact: str
    purpose: str
    information_from: datetime.date
    information_to: datetime.date
    authorization_id: int
    authorization_signed_at: datetime.datetime
    released_at: datetime.datetime
    released_by: str
    released_by_id: int
    included: tuple[str, ...]  # category labels, in ORDER
    plan: PlanPart | None = None
    plan_included: bool = False
    summaries: list[SummaryPart] = field(default_factory=list)
    summaries_included: bool = False
    scores: list[ScorePart] = field(default_factory=list)
    scores_included: bool = False
    reviews: list[ReviewPart] = field(default_factory=list)
    ending_included: bool = False
    referral: ReferralPart | None = None  # when the packet goes with a referral out
    people_notice: str = PEOPLE_NOTICE
    notes_notice: str = NOTES_NOTICE
    withheld: int = 0  # for the person releasing it, never printed on the packet
    resources: list = field(default_factory=list)  # builders' dicts, before the release guard
    # Every person in the client's life, for the release guard: it drops those withheld and
    # replaces their names in free text. Only those it keeps, and only when the plan or the
    # sessions are released, go out.
    people: list = field(default_factory=list)
    people_go: bool = False
    attending: set = field(default_factory=set)  # ids of people at the sessions released
    reviewed: set = field(default_factory=set)  # ids of people the reviews released speak of


def _for_the_recipient(label: str) -> str:
    # The labels are the client's own words in the text they sign ("my treatment plan"); the
    # packet speaks to the recipient about the client.
    return label.replace("my therapist's", "the therapist's").replace("my ", "the client's ")


def _within(moment: datetime.datetime, request: ReleaseRequest) -> bool:
    return request.information_from <= timezone.localdate(moment) <= request.information_to


def gather(*, client, authorization, request: ReleaseRequest, by, at, referral=None) -> Packet:
    """The packet for ``request`` under ``authorization`` (the caller has the core's permit);
    with ``referral``, the referral's reason and handoff summary first, and its ServiceRequest
    and Task."""
    wanted = covered(request.categories)
    people = list(Person.objects.filter(client=client).select_related("partner").order_by("pk"))
    guarded = guard([partner_view(p) for p in people], Audience.RELEASE_PACKET)
    withheld = guarded.withheld
    shown = {view.person_id for view in guarded.kept}

    def clean(text: str) -> str:
        return redact(text or "", withheld)

    packet = Packet(
        client_id=client.pk,
        client_name=f"{client.given_name} {client.family_name}",
        date_of_birth=client.date_of_birth,
        discloser=authorization.discloser,
        recipient=request.recipient.describe(),
        recipient_contact=request.recipient.contact,
        purpose=request.purpose,
        information_from=request.information_from,
        information_to=request.information_to,
        authorization_id=authorization.pk,
        authorization_signed_at=authorization.signed_at,
        released_at=at,
        released_by=by.display_name,
        released_by_id=by.pk,
        included=tuple(_for_the_recipient(CATEGORY_LABELS[c]) for c in ORDER if c in wanted),
        withheld=len(withheld),
    )
    packet.people = [build.related_person.data(p) for p in people]
    packet.people_go = Category.PLAN in wanted
    packet.resources = [
        build.patient.data(client),
        build.practitioner.data(by),
        build.consent.data(authorization, now=at),
    ]
    if referral is not None:
        packet.referral = ReferralPart(
            reason=referral.get_reason_display(), summary=clean(referral.handoff_summary)
        )
        packet.resources += [build.service_request.data(referral), build.task.data(referral)]
    if Category.PLAN in wanted:
        packet.plan_included = True
        _plan(packet, client, request, clean=clean, shown=shown, people=people)
    if Category.PROGRESS_SUMMARIES in wanted:
        packet.summaries_included = True
        _summaries(packet, client, request, clean=clean)
    if Category.MEASURES in wanted:
        packet.scores_included = True
        _scores(packet, client, request)
    if Category.ENDING_REVIEW in wanted:
        # Written at the end of therapy; until one is signed in the dates the packet says
        # there is none rather than leaving the part out.
        packet.ending_included = True
        _reviews(packet, client, request, by=by)
    return packet


def _plan(packet: Packet, client, request: ReleaseRequest, *, clean, shown, people) -> None:
    """The plan in force at the end of the dates asked for: its latest version signed by then."""
    names = {p.pk: p.name for p in people}
    signed = [
        v
        for v in versions_placed(
            PlanVersion.objects.filter(plan__client=client, signed_at__isnull=False)
            .select_related("plan__episode")
            .prefetch_related("goals__partners", "plan__check_ins")
        )
        if timezone.localdate(v.signed_at) <= request.information_to
    ]
    if not signed:
        return
    version = max(signed, key=lambda v: v.signed_at)
    goals = sorted(version.goals.all(), key=lambda g: g.number)
    packet.plan = PlanPart(
        number=version.number,
        signed_on=timezone.localdate(version.signed_at),
        concerns=clean(version.concerns),
        relational_context=clean(version.relational_context),
        objectives=clean(version.objectives),
        recommendations=clean(version.recommendations),
        goals=tuple(
            GoalPart(
                description=clean(g.description),
                criterion=clean(g.criterion),
                target_date=g.target_date,
                achievement=g.get_achievement_display(),
                people=tuple(names[p.pk] for p in g.partners.all() if p.pk in shown),
            )
            for g in goals
        ),
    )
    check_ins = [c for c in version.plan.check_ins.all() if c.version_id == version.pk]
    packet.resources.append(care_plan_of_version(version, goals=goals, check_ins=check_ins))
    packet.resources += [build.goal.data(g, client_id=client.pk) for g in goals]


def _summaries(packet: Packet, client, request: ReleaseRequest, *, clean) -> None:
    """Per signed progress note in the dates: the session's focus and the client's response.
    The rest of the note (interventions, what happened between us, the next steps, addenda)
    stays in the record: a summary is what was authorized."""
    notes = [
        n
        for n in record_notes_for_release(client).prefetch_related(
            Prefetch("session__attendees", queryset=SessionAttendee.objects.all())
        )
        if _within(n.session.starts_at, request)
    ]
    for note in notes:
        session = note.session
        packet.summaries.append(
            SummaryPart(
                on=timezone.localdate(session.starts_at),
                kind=session.get_kind_display(),
                focus=clean(note.focus),
                response=clean(note.response),
            )
        )
        attendees = list(session.attendees.all())
        packet.attending |= {a.person_id for a in attendees}
        packet.resources.append(build.encounter.data(session, attendees=attendees))


def _scores(packet: Packet, client, request: ReleaseRequest) -> None:
    responses = [
        r
        for r in Response.objects.filter(client=client, complete=True).order_by(
            "submitted_at", "pk"
        )
        if _within(r.submitted_at, request)
    ]
    if not responses:
        return
    on_record = instruments_on_record(client.practice)
    for response in responses:
        instrument = on_record.get((response.instrument, response.instrument_version))
        packet.scores.append(
            ScorePart(
                on=timezone.localdate(response.submitted_at),
                instrument=instrument.title if instrument else response.instrument,
                total=response.total,
                band=response.band,
            )
        )
    packet.resources += measure_resources(
        responses, on_record, answers=answers_by_response(responses)
    )


def _reviews(packet: Packet, client, request: ReleaseRequest, *, by) -> None:
    """Each ending review signed in the dates: a draft is not a record yet, so an unsigned one
    never goes. One query; when a review was signed in the dates, four more for the rows the
    Compositions' entries point at and each review its draft's (``facts_for``, eleven), however
    long the record."""
    rows = [
        r
        for r in signed_reviews_of(client).select_related("signed_by").order_by("signed_at", "pk")
        if _within(r.signed_at, request)
    ]
    if not rows:
        return
    today = timezone.localdate(packet.released_at)
    drafted = drafts_of(
        client, [(r, r.episode) for r in rows], audience=Audience.RELEASE_PACKET, today=today
    )
    sources = sources_of(client)
    signers = {by.pk}
    for review, episode, draft in drafted:
        # The note for the client is written to the client, for their copy: it is not part of
        # the record a recipient is sent, and is taken out before anything is built from it.
        draft = dataclasses.replace(draft, note_for_client=())
        composition = composition_of(review, episode, draft, **sources, today=today)
        packet.resources.append(composition)
        if review.signed_by_id not in signers:
            # The Composition's author and attester, so its references resolve in the Bundle.
            signers.add(review.signed_by_id)
            packet.resources.append(build.practitioner.data(review.signed_by))
        rel = draft.relationships
        packet.reviewed |= {c.person_id for c in rel.changes}
        packet.reviewed |= {p.person_id for p in rel.partner_plans}
        packet.reviews.append(
            ReviewPart(
                composition_id=composition["id"],
                signed_on=timezone.localdate(review.signed_at),
                signed_by=review.signed_by.display_name,
                title=composition["title"],
                draft=draft,
            )
        )


def bundle_text(packet: Packet, *, disclosure_id: int) -> str:
    """The packet as a FHIR collection Bundle: a cover Composition, then every resource as the
    release guard lets it go."""
    cover = build.release_cover.data(packet, disclosure_id=disclosure_id)
    spoken_of = packet.attending | packet.reviewed
    released = [
        (data, text)
        for data, text in released_json(
            [cover, *packet.resources, *packet.people], audience=Audience.RELEASE_PACKET
        )
        if data["resourceType"] != "RelatedPerson"
        or packet.people_go
        or int(data["id"]) in spoken_of
    ]
    bundle = bundle_of(
        {
            "identifier": {"system": "urn:kithkin:disclosure", "value": str(disclosure_id)},
            "type": "collection",
            "timestamp": instant(packet.released_at),
            "entry": [{"resource": data} for data, _ in released],
        }
    )
    return to_json(bundle)
