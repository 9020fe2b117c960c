"""Bulk ``$export`` of a whole practice as NDJSON, one file per resource type (FHIR Bulk Data
Access IG v2, system level).

The job walks the practice's clients in keyset batches: for each batch it loads every row it
needs in a fixed number of queries, builds each client's resources, passes them through the
release guard (``release.released_json``, with the outbound audience, so an ``unaware``
partner and every reference to them stay home), writes each released resource's JSON as one
line of its type's file, and lets the batch go. Memory holds one batch, whatever the practice's
size. The guard works client by client because it can only withhold the people it is shown with
the rest.

Psychotherapy notes are never read here, and there is no builder for them.
"""

import contextlib
import gc
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.clients.models import Client, Person, restricted
from kithkin.consent.models import Authorization
from kithkin.fhir import resources as build
from kithkin.fhir.compositions import compositions, signed_review
from kithkin.fhir.models import EXPORT_LIFETIME, ExportJob
from kithkin.fhir.release import released_json
from kithkin.fhir.selectors import (
    _episode_of,
    answers_by_response,
    plan_resources,
    response_resources,
    versions_placed,
)
from kithkin.fhir.valid import unremembered
from kithkin.measures.instruments import instruments_on_record
from kithkin.measures.models import Response
from kithkin.plans.models import Plan, PlanVersion
from kithkin.referrals.models import Referral
from kithkin.relationships.models import Episode, TherapyRelationship
from kithkin.schedule.models import Session
from kithkin.spheres.models import SphereEntry, SphereMap
from kithkin.web.dbrouter import replica_reads

log = logging.getLogger(__name__)

# What the export can write, in the manifest's order. Practitioner is the practice's clinicians
# (written once); the rest are the clients' records.
EXPORT_TYPES = (
    "Patient",
    "Practitioner",
    "RelatedPerson",
    "CareTeam",
    "EpisodeOfCare",
    "Encounter",
    "CarePlan",
    "Goal",
    "QuestionnaireResponse",
    "Observation",
    "Consent",
    "ServiceRequest",
    "Task",
    "Composition",
)
OUTPUT_FORMATS = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})
NDJSON = "application/fhir+ndjson"
# Clients per batch: a batch's rows (a few hundred sessions each at most) fit easily in memory,
# and the queries stay a dozen per batch.
BATCH_SIZE = 200
# The status URL's progress is saved (and a cancellation noticed) after each batch that has
# written at least this many resources since the last save.
PROGRESS_EVERY = 1000
CLINICIAN_ROLES = ("therapist", "supervisor")


class ExportRequestError(ValueError):
    """A kick-off request the server will not run, in words for the one who sent it."""


class Cancelled(Exception):
    """The job was cancelled (or expired) while it ran."""


def parse_request(params: dict) -> list[str]:
    """The resource types a kick-off asks for; raises ExportRequestError for anything the
    server does not do (so nothing is queued for a request that would be half-served)."""
    unknown = set(params) - {"_type", "_outputFormat", "_format"}
    if unknown:
        raise ExportRequestError(
            f"Not supported by this server's $export: {', '.join(sorted(unknown))}."
        )
    output_format = params.get("_outputFormat")
    if output_format is not None and output_format not in OUTPUT_FORMATS:
        raise ExportRequestError("_outputFormat: only application/fhir+ndjson is written.")
    if "_type" not in params:
        return list(EXPORT_TYPES)
    asked = [t.strip() for t in params["_type"].split(",")]
    if not all(asked):
        raise ExportRequestError("_type: an empty resource type in the list.")
    unknown = [t for t in asked if t not in EXPORT_TYPES]
    if unknown:
        raise ExportRequestError(
            f"_type: {', '.join(unknown)} cannot be exported; "
            f"the types are {', '.join(EXPORT_TYPES)}."
        )
    return [t for t in EXPORT_TYPES if t in asked]


def job_dir(job) -> Path:
    return Path(settings.VAR_DIR) / "exports" / str(job.pk)


def file_path(job, resource_type: str) -> Path:
    return job_dir(job) / f"{resource_type}.ndjson"


def remove_files(job) -> None:
    shutil.rmtree(job_dir(job), ignore_errors=True)


# --- Services ---------------------------------------------------------------------------------


@transaction.atomic
def export_start(*, user, types: list[str], request_url: str, ip: str | None = None) -> ExportJob:
    """A queued job for ``user``'s whole practice. The caller has asked the policy."""
    now = timezone.now()
    job = ExportJob.objects.create(
        practice_id=user.practice_id,
        user=user,
        types=types,
        request_url=request_url[:2000],
        created_at=now,
        expires_at=now + EXPORT_LIFETIME,
    )
    audit_record(
        practice_id=user.practice_id,
        actor=user,
        action="fhir.export.start",
        resource_type="ExportJob",
        resource_id=job.pk,
        reason=f"bulk export {job.pk} of the practice: {', '.join(types)}",
        ip=ip,
    )
    return job


@transaction.atomic
def export_cancel(*, job: ExportJob, by, ip: str | None = None) -> ExportJob:
    locked = ExportJob.objects.select_for_update().get(pk=job.pk)
    locked.status = ExportJob.Status.CANCELLED
    locked.finished_at = locked.finished_at or timezone.now()
    locked.save(update_fields=["status", "finished_at"])
    remove_files(locked)
    audit_record(
        practice_id=locked.practice_id,
        actor=by,
        action="fhir.export.cancel",
        resource_type="ExportJob",
        resource_id=locked.pk,
        reason=f"bulk export {locked.pk} cancelled; its files are deleted",
        ip=ip,
    )
    return locked


def export_download_audit(*, job: ExportJob, resource_type: str, by, ip: str | None) -> None:
    """One event per file fetched (the file holds many clients; they are not listed)."""
    audit_record(
        practice_id=job.practice_id,
        actor=by,
        action="fhir.export.download",
        resource_type="ExportJob",
        resource_id=job.pk,
        reason=f"{resource_type} file of bulk export {job.pk} "
        f"({job.counts.get(resource_type, 0)} resources)",
        ip=ip,
    )


def export_expire(*, job: ExportJob) -> None:
    """Deletes an expired job's files; the row stays (the audit trail names it)."""
    remove_files(job)
    ExportJob.objects.filter(pk=job.pk).exclude(status=ExportJob.Status.CANCELLED).update(
        status=ExportJob.Status.EXPIRED
    )
    job.refresh_from_db(fields=["status"])


def exports_sweep(*, now=None) -> int:
    """Every job past its expiry loses its files. Returns how many were swept."""
    now = now or timezone.now()
    expired = ExportJob.objects.filter(expires_at__lte=now).exclude(
        status__in=[ExportJob.Status.EXPIRED, ExportJob.Status.CANCELLED]
    )
    swept = 0
    for job in expired.iterator():
        export_expire(job=job)
        swept += 1
    return swept


def progress_text(job: ExportJob) -> str:
    written = sum(job.counts.values())
    return (
        f"{job.clients_done:,} of {job.clients_total:,} clients; "
        f"{written:,} resources written ({job.status})"
    )


# --- The job ----------------------------------------------------------------------------------


@dataclass
class _Writer:
    """One NDJSON file per type, each created 0600 in a 0700 directory."""

    job: ExportJob
    types: list[str]
    files: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)

    def __enter__(self):
        directory = job_dir(self.job)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        for resource_type in self.types:
            fd = os.open(
                file_path(self.job, resource_type), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600
            )
            self.files[resource_type] = os.fdopen(fd, "w", encoding="utf-8")
            self.counts[resource_type] = 0
        return self

    def write(self, data: dict, text: str) -> None:
        """One released resource: a dict from the guard (validated by its model when built)
        and its text."""
        resource_type = data["resourceType"]
        handle = self.files.get(resource_type)
        if handle is None:
            return  # built for the guard's sake, not asked for
        handle.write(text)
        handle.write("\n")
        self.counts[resource_type] += 1

    def __exit__(self, *exc):
        for handle in self.files.values():
            handle.close()
        if exc[0] is None:
            # The IG lists only files with resources in them.
            for resource_type, count in self.counts.items():
                if count == 0:
                    file_path(self.job, resource_type).unlink(missing_ok=True)
        return False


def export_run(job_id: int, *, batch_size: int = BATCH_SIZE) -> ExportJob:
    """Runs a queued job to the end (or until it is cancelled). Called by the huey task."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now()
    )
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if not claimed:
        return job  # cancelled before it started, or already run
    try:
        # The heavy reading may come from the replica (unless the job's user has just written);
        # the job's own row is claimed, saved and finished on the primary.
        with replica_reads(user=job.user):
            counts, clients = _export(job, batch_size=batch_size)
    except Cancelled:
        remove_files(job)
        job.refresh_from_db()
        return job
    except Exception:
        log.exception("bulk export %s failed", job_id)
        remove_files(job)
        _finish(job, status=ExportJob.Status.FAILED, error="The export failed on the server.")
        return job
    job.counts = counts
    job.clients_done = clients
    _finish(job, status=ExportJob.Status.COMPLETED)
    return job


@transaction.atomic
def _finish(job: ExportJob, *, status: str, error: str = "") -> None:
    now = timezone.now()
    updated = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
        status=status,
        error=error,
        counts=job.counts,
        clients_done=job.clients_done,
        finished_at=now,
        # The 24 hours run from when the files are ready.
        expires_at=now + EXPORT_LIFETIME,
    )
    if not updated:
        # Cancelled in the last moment: its files go, and nothing is reported finished.
        remove_files(job)
        job.refresh_from_db()
        return
    job.refresh_from_db()
    written = ", ".join(f"{t} {n}" for t, n in job.counts.items() if n)
    audit_record(
        practice_id=job.practice_id,
        actor=job.user,
        action=f"fhir.export.{'complete' if status == ExportJob.Status.COMPLETED else 'fail'}",
        resource_type="ExportJob",
        resource_id=job.pk,
        allowed=status == ExportJob.Status.COMPLETED,
        reason=f"bulk export {job.pk} {status}: {written or 'nothing written'}",
    )


def _save_progress(job: ExportJob, counts: dict, clients_done: int) -> None:
    # One statement saves the progress and notices a cancellation (the row is no longer running).
    updated = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
        counts=counts, clients_done=clients_done
    )
    if not updated:
        raise Cancelled


def _export(job: ExportJob, *, batch_size: int) -> tuple[dict, int]:
    wanted = set(job.types)
    # A record restricted at the client's request (GDPR Art. 18) is kept, not used: it does not
    # leave the practice in an export while the restriction holds.
    clients = Client.objects.filter(practice_id=job.practice_id).filter(~restricted())
    total = clients.count()
    ExportJob.objects.filter(pk=job.pk).update(clients_total=total)
    job.clients_total = total
    on_record = None
    done = 0
    since_save = 0
    with _Writer(job, list(job.types)) as writer, unremembered(), _batch_collections():
        if "Practitioner" in wanted:
            for data, text in released_json(_practitioners(job.practice_id)):
                writer.write(data, text)
        if not wanted - {"Practitioner"}:
            return dict(writer.counts), 0
        for batch in _client_batches(clients, batch_size):
            if on_record is None and wanted & {"Observation", "QuestionnaireResponse"}:
                on_record = instruments_on_record(batch[0].practice)
            before = sum(writer.counts.values())
            for resources in _batch_resources(batch, wanted=wanted, on_record=on_record or {}):
                for data, text in released_json(resources):
                    writer.write(data, text)
            done += len(batch)
            # A batch's rows point at each other (a prefetched version at its plan and back),
            # so they outlive the batch until the cyclic collector's rare full pass; collecting
            # here keeps the peak at one batch whatever the practice's size (measured: without
            # it the peak doubled from 40 to 160 clients).
            del batch
            gc.collect()
            since_save += sum(writer.counts.values()) - before
            if since_save >= PROGRESS_EVERY:
                _save_progress(job, dict(writer.counts), done)
                since_save = 0
        return dict(writer.counts), done


@contextlib.contextmanager
def _batch_collections():
    """What the process holds before the export is set aside from the collector for its length
    (collected first, and given back after), so that the collection after each batch walks
    that batch's objects only: walking Django's and fhir.resources' own took 0.1 s a batch. In
    a process that froze its objects already (kithkin.wsgi), they stay frozen."""
    was_frozen = gc.get_freeze_count() > 0
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        if not was_frozen:
            gc.unfreeze()


def _practitioners(practice_id: int):
    from kithkin.accounts.models import User

    users = User.objects.filter(practice_id=practice_id, role__in=CLINICIAN_ROLES).order_by("pk")
    for user in users.iterator(chunk_size=BATCH_SIZE):
        yield build.practitioner.data(user)


def _client_batches(clients, batch_size: int):
    """Keyset batches (never OFFSET, which makes a long export quadratic)."""
    last = 0
    while True:
        rows = clients.filter(pk__gt=last).select_related("practice").order_by("pk")
        batch = list(rows[:batch_size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def _grouped(rows, key):
    grouped = {}
    for row in rows:
        grouped.setdefault(key(row), []).append(row)
    return grouped


def _rings(ids) -> dict[int, dict[int, int]]:
    """Each client's people's rings on their latest finished map (as ``selectors.rings_of``)."""
    latest = {}
    maps = (
        SphereMap.objects.filter(client_id__in=ids, status=SphereMap.Status.FINAL)
        .order_by("client_id", "-taken_at", "-pk")
        .values_list("pk", "client_id")
    )
    for map_id, client_id in maps:
        latest.setdefault(client_id, map_id)
    client_of = {map_id: client_id for client_id, map_id in latest.items()}
    rings: dict[int, dict[int, int]] = {}
    entries = SphereEntry.objects.filter(map_id__in=list(client_of)).values_list(
        "map_id", "person_id", "ring"
    )
    for map_id, person_id, ring in entries:
        rings.setdefault(client_of[map_id], {})[person_id] = ring
    return rings


def _batch_resources(batch, *, wanted: set[str], on_record: dict):
    """For each client of the batch, in order, everything held about them (the inside view,
    as ``selectors.resources_for_client`` builds it); each list goes to the guard whole."""
    ids = [client.pk for client in batch]
    people = _grouped(
        Person.objects.filter(client_id__in=ids).select_related("partner").order_by("name", "pk"),
        lambda p: p.client_id,
    )
    rings = _rings(ids) if "RelatedPerson" in wanted else {}
    relationships = {}
    if "CareTeam" in wanted:
        relationships = _grouped(
            TherapyRelationship.objects.filter(client_id__in=ids).select_related("therapist"),
            lambda r: r.client_id,
        )
    episodes = {}
    if wanted & {"EpisodeOfCare", "Encounter", "Composition"}:
        episodes = _grouped(
            Episode.objects.filter(relationship__client_id__in=ids)
            .select_related("relationship", "ending_review")
            .prefetch_related("transitions")
            .order_by("opened_on", "pk"),
            lambda e: e.relationship.client_id,
        )
    sessions = {}
    if "Encounter" in wanted:
        sessions = _grouped(
            Session.objects.filter(client_id__in=ids)
            .prefetch_related(Prefetch("attendees", to_attr="attendee_rows"))
            .order_by("starts_at", "pk"),
            lambda s: s.client_id,
        )
    plans = {}
    # A Composition's entries point at the goals, scores and referral its review reports.
    if wanted & {"CarePlan", "Goal", "Composition"}:
        plans = _grouped(
            Plan.objects.filter(client_id__in=ids)
            .select_related("episode")
            .prefetch_related(
                Prefetch(
                    "versions",
                    queryset=versions_placed(PlanVersion.objects.prefetch_related("goals")),
                ),
                "check_ins",
            )
            .order_by("pk"),
            lambda p: p.client_id,
        )
    responses, answers = {}, {}
    if wanted & {"Observation", "QuestionnaireResponse", "Composition"}:
        responses = _grouped(
            Response.objects.filter(client_id__in=ids).order_by("submitted_at", "pk"),
            lambda r: r.client_id,
        )
        answers = answers_by_response([r for rows in responses.values() for r in rows])
    consents = {}
    if "Consent" in wanted:
        consents = _grouped(
            Authorization.objects.filter(client_id__in=ids).order_by("pk"), lambda a: a.client_id
        )
    referrals = {}
    if wanted & {"ServiceRequest", "Task", "Composition"}:
        referrals = _grouped(
            Referral.objects.filter(client_id__in=ids).order_by("pk"), lambda r: r.client_id
        )
    now = timezone.now()
    today = timezone.localdate()
    for client in batch:
        found = [build.patient.data(client)]
        mine = people.get(client.pk, [])
        client_rings = rings.get(client.pk, {})
        found += [build.related_person.data(p, ring=client_rings.get(p.pk)) for p in mine]
        if "CareTeam" in wanted:
            active = [r.therapist for r in relationships.get(client.pk, []) if r.is_active]
            found.append(build.care_team.data(client, therapists=active, people=mine))
        client_episodes = episodes.get(client.pk, [])
        if "EpisodeOfCare" in wanted:
            for episode in client_episodes:
                transitions = sorted(episode.transitions.all(), key=lambda t: (t.at, t.pk))
                found.append(build.episode_of_care.data(episode, transitions=transitions))
        for session in sessions.get(client.pk, []):
            found.append(
                build.encounter.data(
                    session,
                    attendees=session.attendee_rows,
                    episode=_episode_of(session, client_episodes),
                )
            )
        client_plans = plans.get(client.pk, [])
        if wanted & {"CarePlan", "Goal"}:
            for plan in client_plans:
                found += plan_resources(plan, client_id=client.pk)
        client_responses = responses.get(client.pk, [])
        found += response_resources(client_responses, on_record, answers=answers)
        found += [build.consent.data(a, now=now) for a in consents.get(client.pk, [])]
        client_referrals = referrals.get(client.pk, [])
        if wanted & {"ServiceRequest", "Task"}:
            for referral in client_referrals:
                found += [build.service_request.data(referral), build.task.data(referral)]
        if "Composition" in wanted:
            # Each signed review drafted from the record as its PDF is: the draft's own
            # queries (endings.selectors.facts_for), once per signed review.
            reviews = [(r, e) for e in client_episodes if (r := signed_review(e)) is not None]
            found += compositions(
                client,
                reviews,
                versions=[v for plan in client_plans for v in plan.versions.all()],
                responses=client_responses,
                referrals=client_referrals,
                today=today,
            )
        yield found
