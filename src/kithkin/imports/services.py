"""Referral in: a client arrives with the history of their previous provider.

``previous_record_import`` is one transaction: the file is read and refused before anything is
written, and anything failing after that takes the client, the episode and the record with it,
so a client is never left half-imported (the issue's "nothing is half-imported").
"""

from django.db import transaction

from kithkin.accounts.access import actor_for
from kithkin.audit.services import audit_record
from kithkin.clients.models import Client
from kithkin.clients.services import client_create
from kithkin.core.episodes import Phase
from kithkin.imports.models import (
    PreviousGoal,
    PreviousPlan,
    PreviousRecord,
    PreviousScore,
    pack_lines,
)
from kithkin.imports.reader import ImportRefused, Received, read_bundle
from kithkin.plans.selectors import caseload_ids
from kithkin.relationships.services import episode_open, episode_transition

# Seed 004: the first contact already matters, and a referred client may come ready for the
# assessment; anything further along is the new therapist's to decide with the client.
PHASES = (Phase.REACHING_OUT, Phase.ASSESSMENT)


@transaction.atomic
def previous_record_import(
    *, by, bundle_text: str, phase: Phase | str = Phase.REACHING_OUT, ip: str | None = None
) -> Client:
    """A new client on ``by``'s caseload, in an episode at ``phase``, with the previous
    provider's plan, goals, scores and summary attached as theirs. Raises
    :class:`ImportRefused` (writing nothing) for a file that cannot be imported whole."""
    if phase not in PHASES:
        raise ImportRefused(["An imported client starts at reaching out or at assessment."])
    received = read_bundle(bundle_text)
    _refuse_a_second_copy(by, received)
    patient = received.patient
    client = client_create(
        by=by,
        ip=ip,
        given_name=patient.given_name,
        family_name=patient.family_name,
        preferred_name=patient.preferred_name,
        date_of_birth=patient.date_of_birth,
        email=patient.email,
        phone=patient.phone,
    )
    relationship = client.therapy_relationships.get(therapist=by)
    episode = episode_open(relationship=relationship, by=by, ip=ip)
    if phase == Phase.ASSESSMENT:
        episode_transition(episode=episode, by=by, to=Phase.ASSESSMENT, ip=ip)
    record = PreviousRecord.objects.create(
        practice_id=client.practice_id,
        client=client,
        provider_name=received.provider,
        imported_by=by,
        bundle_sha256=received.sha256,
        bundle_type=received.bundle_type,
        summary=received.summary,
        not_imported_text=pack_lines(received.not_imported),
    )
    previous_history_store(record=record, received=received)
    audit_record(
        practice_id=client.practice_id,
        actor=by,
        action="client.import",
        resource_type="PreviousRecord",
        resource_id=record.pk,
        client_id=client.pk,
        # Counts and the provider's name only: the history itself is clinical text.
        reason=(
            f"from {received.provider or 'an unnamed provider'}: {received.counts}; "
            f"{len(received.not_imported)} not imported; sha256 {received.sha256[:12]}"
        ),
        ip=ip,
    )
    return client


def previous_history_store(*, record: PreviousRecord, received: Received) -> None:
    """The plans, goals and scores of ``received`` under ``record``. Called inside the import's
    transaction only."""
    practice_id = record.practice_id
    plans = PreviousPlan.objects.bulk_create(
        PreviousPlan(
            practice_id=practice_id,
            record=record,
            number=n,
            title=plan.title,
            description=plan.description,
            status=plan.status,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            activities_text=pack_lines(plan.activities),
            notes_text=pack_lines(plan.notes),
        )
        for n, plan in enumerate(received.plans, start=1)
    )
    plan_of: dict[str, PreviousPlan] = {}
    for row, plan in zip(plans, received.plans, strict=True):
        for key in plan.goal_keys:
            plan_of.setdefault(key, row)
    PreviousGoal.objects.bulk_create(
        PreviousGoal(
            practice_id=practice_id,
            record=record,
            plan=plan_of.get(goal.key),
            number=n,
            description=goal.description,
            lifecycle=goal.lifecycle,
            achievement=goal.achievement,
            due_on=goal.due_on,
        )
        for n, goal in enumerate(received.goals, start=1)
    )
    PreviousScore.objects.bulk_create(
        PreviousScore(
            practice_id=practice_id,
            record=record,
            instrument=score.instrument,
            total=score.total,
            measured_on=score.measured_on,
        )
        for score in received.scores
    )


def _refuse_a_second_copy(by, received: Received) -> None:
    """The same client imported twice is two records of one person, with their history split
    between them. Only the importer's own caseload is searched: a client treated by a colleague
    is none of the importer's business, and the answer must not tell them that such a client
    exists (a denied read is a 404 everywhere else too)."""
    patient = received.patient
    mine = Client.objects.for_practice(by.practice_id).filter(pk__in=caseload_ids(actor_for(by)))
    same_file = PreviousRecord.objects.filter(
        client__in=mine, bundle_sha256=received.sha256
    ).select_related("client")
    found = next(iter(same_file), None)
    if found is not None:
        raise ImportRefused(
            [
                f"This file was already imported on {found.received_at:%d %b %Y}, for "
                f"{found.client.display_name}: open their record instead."
            ]
        )
    if patient.date_of_birth is None:
        return
    twin = mine.filter(
        given_name__iexact=patient.given_name,
        family_name__iexact=patient.family_name,
        date_of_birth=patient.date_of_birth,
    ).first()
    if twin is not None:
        raise ImportRefused(
            [
                f"{twin.display_name}, born {patient.date_of_birth:%d %b %Y}, is already on "
                "your caseload. Nothing was imported, so the record is not split in two."
            ]
        )
