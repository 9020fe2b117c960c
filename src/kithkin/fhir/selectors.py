"""Everything Kithkin holds about one client, as FHIR resources, in a fixed number of queries.

This is the practice's own, complete view (the inside of the practice). Anything that leaves
passes through ``kithkin.fhir.release.released_dicts``, which withholds the people the
disclosure guard withholds. Each resource is its builder's validated dict
(``build.<resource>.data``). Psychotherapy notes are not read here, and there is no builder
for them.
"""

from typing import NamedTuple

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Person
from kithkin.consent.models import Authorization
from kithkin.fhir import resources as build
from kithkin.fhir.compositions import compositions, signed_review
from kithkin.measures.instruments import instruments_on_record
from kithkin.measures.models import Answer, Response
from kithkin.plans.models import CheckIn, Plan, PlanVersion
from kithkin.referrals.models import Referral
from kithkin.relationships.models import Episode, TherapyRelationship
from kithkin.schedule.models import Session
from kithkin.spheres.models import SphereMap


def rings_of(client) -> dict[int, int]:
    """Each person's ring on the client's latest finished map."""
    latest = (
        SphereMap.objects.filter(client=client, status=SphereMap.Status.FINAL)
        .order_by("-taken_at", "-pk")
        .prefetch_related("entries")
        .first()
    )
    return {entry.person_id: entry.ring for entry in latest.entries.all()} if latest else {}


def _episode_of(session, episodes):
    day = session.starts_at.date()
    for episode in episodes:
        if episode.relationship.therapist_id != session.therapist_id:
            continue
        if episode.opened_on <= day and (episode.closed_on is None or day <= episode.closed_on):
            return episode
    return None


def versions_placed(rows):
    """PlanVersion rows with what their CarePlan depends on besides themselves, by two
    subqueries of the same query: the plan's newest signed version (which is in force; the
    signed ones before it were replaced) and the version before each (which it replaces)."""
    versions = PlanVersion.objects.filter(plan=OuterRef("plan")).order_by("-number")
    return rows.annotate(
        latest_signed_id=Subquery(versions.filter(signed_at__isnull=False).values("pk")[:1]),
        previous_id=Subquery(versions.filter(number__lt=OuterRef("number")).values("pk")[:1]),
    )


def care_plan_of_version(version, *, goals, check_ins) -> dict:
    """The CarePlan of a ``versions_placed`` row whose plan carries its episode (whether it has
    closed decides "completed")."""
    episode = version.plan.episode
    status = build.care_plan_status(
        version,
        latest_signed_id=version.latest_signed_id,
        episode_closed=episode is not None and not episode.is_open,
    )
    return build.care_plan.data(
        version, goals=goals, check_ins=check_ins, status=status, previous_id=version.previous_id
    )


def resources_for_client(client) -> list:
    relationships = list(
        TherapyRelationship.objects.filter(client=client).select_related("therapist")
    )
    therapists = [r.therapist for r in relationships]
    people = list(
        Person.objects.filter(client=client).select_related("partner").order_by("name", "pk")
    )
    rings = rings_of(client)
    episodes = list(
        Episode.objects.filter(relationship__client=client)
        # Its ending review in the same query: none costs nothing, a signed one its draft.
        .select_related("relationship", "ending_review")
        .prefetch_related("transitions")
        .order_by("opened_on", "pk")
    )
    sessions = list(
        Session.objects.filter(client=client)
        # A list per session: calling .all() on a prefetched manager makes a queryset a time.
        .prefetch_related(Prefetch("attendees", to_attr="attendee_rows"))
        .order_by("starts_at")
    )
    plans = list(
        Plan.objects.filter(client=client)
        .select_related("episode")
        .prefetch_related(
            Prefetch(
                "versions", queryset=versions_placed(PlanVersion.objects.prefetch_related("goals"))
            ),
            # In the order they were recorded, as a read of one version finds them.
            Prefetch("check_ins", queryset=CheckIn.objects.order_by("pk")),
        )
    )
    responses = list(Response.objects.filter(client=client).order_by("submitted_at", "pk"))
    answers = answers_by_response(responses)
    on_record = instruments_on_record(client.practice) if responses else {}

    found = [build.patient.data(client)]
    for therapist in therapists:
        found += [build.practitioner.data(therapist), build.practitioner_role.data(therapist)]
    found += [build.related_person.data(p, ring=rings.get(p.pk)) for p in people]
    active = [r.therapist for r in relationships if r.is_active]
    found.append(build.care_team.data(client, therapists=active, people=people))
    for episode in episodes:
        transitions = sorted(episode.transitions.all(), key=lambda t: (t.at, t.pk))
        found.append(build.episode_of_care.data(episode, transitions=transitions))
    for session in sessions:
        found.append(
            build.encounter.data(
                session,
                attendees=session.attendee_rows,
                episode=_episode_of(session, episodes),
            )
        )
    for plan in plans:
        found += plan_resources(plan, client_id=client.pk)
    found += response_resources(responses, on_record, answers=answers)
    # The client's authorizations to release information, and their referrals out.
    now = timezone.now()
    found += [
        build.consent.data(a, now=now)
        for a in Authorization.objects.filter(client=client).order_by("pk")
    ]
    referrals = list(Referral.objects.filter(client=client).order_by("pk"))
    for referral in referrals:
        found += [build.service_request.data(referral), build.task.data(referral)]
    # The signed ending reviews, each drafted from the record as its PDF is.
    found += compositions(
        client,
        [(review, e) for e in episodes if (review := signed_review(e)) is not None],
        versions=[v for plan in plans for v in plan.versions.all()],
        responses=responses,
        referrals=referrals,
    )
    return found


def plan_resources(plan, *, client_id: int) -> list:
    """A CarePlan per version of ``plan`` with its Goals, from its prefetched versions
    (``versions_placed``), goals and check-ins: the whole record, bulk $export, reads and
    searches all work a version's status out by the same rule."""
    found = []
    for version in sorted(plan.versions.all(), key=lambda v: v.number):
        goals = sorted(version.goals.all(), key=lambda g: g.number)
        check_ins = [c for c in plan.check_ins.all() if c.version_id == version.pk]
        found.append(care_plan_of_version(version, goals=goals, check_ins=check_ins))
        found += [build.goal.data(g, client_id=client_id) for g in goals]
    return found


class AnswerRow(NamedTuple):
    """An answer as the builders read it, without a model instance: a 300-session record holds
    thousands of them, and building each as a model took a fifth of its $everything."""

    item: int
    value: int


def answers_by_response(responses) -> dict[int, list[AnswerRow]]:
    """The answers of ``responses`` by response id, in item order, in one query. By the
    responses' ids, which the answers' (response, item) index finds: a join on the client was
    planned as a scan of every answer in the practice on SQLite."""
    found: dict[int, list[AnswerRow]] = {}
    if not responses:
        return found
    rows = Answer.objects.filter(response_id__in=[r.pk for r in responses])
    for response_id, item, value in rows.order_by("response_id", "item").values_list(
        "response_id", "item", "value"
    ):
        found.setdefault(response_id, []).append(AnswerRow(item, value))
    return found


def response_resources(responses, on_record: dict, *, answers: dict) -> list:
    """A QuestionnaireResponse and an Observation per response with its answers
    (``answers_by_response``); ``on_record`` is ``instruments_on_record`` of the practice."""
    found = []
    for response in responses:
        instrument = on_record.get((response.instrument, response.instrument_version))
        if instrument is None:
            continue  # a definition no longer on record cannot be described
        given = answers.get(response.pk, [])
        found.append(build.questionnaire_response.data(response, instrument, answers=given))
        found.append(build.observation.data(response, instrument, answers=given))
    return found


def audit_events_for_client(client) -> list:
    events = AuditEvent.objects.filter(practice=client.practice, client_id=client.pk).order_by(
        "seq"
    )
    return [build.audit_event(event) for event in events]
