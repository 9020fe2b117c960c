"""The work over time: EpisodeOfCare, Encounter, CarePlan and Goal."""

import datetime
import functools

from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.goal import Goal

from kithkin.fhir import codes
from kithkin.fhir.resources._common import coding, concept, day, instant, prune, ref
from kithkin.fhir.valid import Element, builds, element


def _meta(row) -> dict | None:
    # A row made before it was saved (no updated_at yet) says nothing rather than guess.
    return {"lastUpdated": instant(row.updated_at)} if row.updated_at else None


@builds(EpisodeOfCare)
def episode_of_care(episode, *, transitions=()) -> dict:
    """An episode with its phases as status history. ``transitions`` are the episode's
    EpisodeTransition rows in order; consecutive phases with one FHIR status (assessment to
    ending are all ``active``) make one history entry."""
    relationship = episode.relationship
    history = []
    for transition in transitions:
        status = codes.EPISODE_STATUS[transition.to_phase]
        if history and history[-1]["status"] == status:
            continue
        if history:
            history[-1]["period"]["end"] = instant(transition.at)
        history.append({"status": status, "period": {"start": instant(transition.at)}})
    return prune(
        {
            "id": str(episode.pk),
            "meta": _meta(episode),
            "status": codes.EPISODE_STATUS[episode.phase],
            "statusHistory": history,
            "type": [concept(codes.CS_EPISODE_PHASE, episode.phase, episode.get_phase_display())],
            "patient": ref("Patient", relationship.client_id),
            "period": prune({"start": day(episode.opened_on), "end": day(episode.closed_on)}),
            "careManager": ref("Practitioner", relationship.therapist_id),
        }
    )


# What every session's Encounter shares, validated once (valid.element).
_CLASS = {
    modality: element(Coding, coding(codes.V3_ACT_CODE, code, display))
    for modality, (code, display) in codes.ENCOUNTER_CLASS.items()
}
_STATUS_EXTENSION = {
    status: element(Extension, {"url": codes.EXT_SESSION_STATUS, "valueCode": status})
    for status in codes.ENCOUNTER_STATUS
}
_PERFORMER = [
    element(CodeableConcept, concept(codes.V3_PARTICIPATION, "PPRF", "primary performer"))
]
_ATTENDEE = [element(CodeableConcept, concept(codes.V3_PARTICIPATION, "PART", "Participation"))]
_MINUTES = {"unit": "min", "system": "http://unitsofmeasure.org", "code": "min"}


@functools.lru_cache(maxsize=64)
def _session_kind(kind: str, display: str) -> Element:
    return element(CodeableConcept, concept(codes.CS_SESSION_KIND, kind, display))


@builds(Encounter)
def encounter(session, *, attendees=(), episode=None) -> dict:
    """A session. ``attendees`` are its SessionAttendee rows; one marked absent did not take
    part and is left out. ``episode`` is the episode the session falls in, if known."""
    end = session.starts_at + datetime.timedelta(minutes=session.duration_minutes)
    participants = [{"type": _PERFORMER, "individual": ref("Practitioner", session.therapist_id)}]
    for attendee in attendees:
        if attendee.attendance == "absent":
            continue
        participants.append(
            {"type": _ATTENDEE, "individual": ref("RelatedPerson", attendee.person_id)}
        )
    return prune(
        {
            "id": str(session.pk),
            "meta": _meta(session),
            "extension": [_STATUS_EXTENSION[session.status]],
            "status": codes.ENCOUNTER_STATUS[session.status],
            "class": _CLASS[session.modality],
            "type": [_session_kind(session.kind, session.get_kind_display())],
            "subject": ref("Patient", session.client_id),
            "episodeOfCare": [ref("EpisodeOfCare", episode.pk)] if episode else None,
            "participant": participants,
            "period": {"start": instant(session.starts_at), "end": instant(end)},
            "length": {"value": session.duration_minutes, **_MINUTES},
        }
    )


@builds(Goal)
def goal(goal, *, client_id) -> dict:
    achievement, achievement_display = codes.GOAL_ACHIEVEMENT_CODES[goal.achievement]
    return prune(
        {
            "id": str(goal.pk),
            "meta": _meta(goal),
            "lifecycleStatus": codes.GOAL_LIFECYCLE[goal.lifecycle],
            "achievementStatus": concept(codes.GOAL_ACHIEVEMENT, achievement, achievement_display),
            "description": {"text": goal.description},
            "subject": ref("Patient", client_id),
            "target": [
                prune(
                    {
                        "detailString": goal.criterion or None,
                        "dueDate": day(goal.target_date),
                    }
                )
            ],
        }
    )


# SNOMED CT 718347000, mental health care plan (REFERENCE.md).
MENTAL_HEALTH_CARE_PLAN = concept(codes.SNOMED, "718347000", "Mental health care plan")


def care_plan_status(version, *, latest_signed_id, episode_closed: bool) -> str:
    """A draft is a draft; the newest signed version is the plan in force (completed once its
    episode has closed); an older signed version was replaced, so it no longer holds."""
    if not version.is_signed:
        return "draft"
    if version.pk != latest_signed_id:
        return "revoked"
    return "completed" if episode_closed else "active"


@builds(CarePlan)
def care_plan(version, *, goals=(), check_ins=(), status: str, previous_id=None) -> dict:
    """One version of the treatment plan. ``status`` comes from :func:`care_plan_status`;
    ``goals`` are the version's Goal rows and ``check_ins`` the plan's held check-ins."""
    plan = version.plan
    author = version.signed_by_id or version.created_by_id
    notes = [
        {"text": f"{heading}: {text}"}
        for heading, text in (
            ("Concerns", version.concerns),
            ("Relational context", version.relational_context),
            ("Objectives", version.objectives),
            ("Recommendations", version.recommendations),
        )
        if text
    ]
    activities = [
        {
            "detail": {
                "kind": "Appointment",
                "code": {"text": "Plan check-in"},
                "status": "completed",
                "scheduledString": check_in.held_on.isoformat(),
            }
        }
        for check_in in check_ins
    ]
    return prune(
        {
            "id": str(version.pk),
            "replaces": [ref("CarePlan", previous_id)] if previous_id else None,
            "status": status,
            "intent": "plan",
            "category": [MENTAL_HEALTH_CARE_PLAN],
            "title": f"Treatment plan, version {version.number}",
            "subject": ref("Patient", plan.client_id),
            "period": {"start": day(version.starts_on)},
            "created": instant(version.created_at),
            "author": ref("Practitioner", author),
            "goal": [ref("Goal", g.pk) for g in goals],
            "activity": activities,
            "note": notes,
        }
    )
