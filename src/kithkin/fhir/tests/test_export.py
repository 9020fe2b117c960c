"""Bulk $export of the whole practice (issue 7): who may run it, what the files hold and what
they never hold, the job's life from kick-off to expiry, and that it streams.

Personas (STYLE.md): ada administers the practice and holds the export permission; adam
administers it without; alice treats carol, sam supervises alice, carol is a client, mallory
works in another practice (and mia administers that one, with the permission).
"""

import datetime
import json
import tracemalloc

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from kithkin.accounts.models import User
from kithkin.api.services import token_create
from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client, Person
from kithkin.fhir import export
from kithkin.fhir.models import ExportJob
from kithkin.fhir.tests.conftest import NOTE, UTC
from kithkin.measures.models import Response
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule.models import Session, SessionAttendee

BASE = "/fhir/R4/"
ASYNC = {"HTTP_PREFER": "respond-async"}


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def people(world):
    world.ada = User.objects.create_user(
        username="ada", role="admin", practice=world.practice, may_bulk_export=True
    )
    world.abe = User.objects.create_user(
        username="abe", role="admin", practice=world.practice, may_bulk_export=True
    )
    world.mia = User.objects.create_user(
        username="mia", role="admin", practice=world.elsewhere, may_bulk_export=True
    )
    return world


@pytest.fixture
def tokens(people):
    names = ("ada", "abe", "adam", "alice", "sam", "carol", "dave", "mallory", "mia")
    users = {name: getattr(people, name, None) for name in names}
    users["carol"], users["dave"] = people.carol_login, people.dave_login
    return {name: token_create(user=user, by=None)[1] for name, user in users.items()}


@pytest.fixture
def fhir(client, tokens):
    def call(path, who=None, method="get", headers=None, **params):
        extra = dict(headers or {})
        if who:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {tokens[who]}"
        url = path if path.startswith("http") else BASE + path
        if method == "delete":
            return client.delete(url, **extra)
        return client.get(url, params, **extra)

    return call


@pytest.fixture
def kickoff(fhir):
    def start(who="ada", **params):
        return fhir("$export", who, headers=ASYNC, **params)

    return start


def manifest_of(fhir, response, who="ada"):
    assert response.status_code == 202, response.content
    status = fhir(response["Content-Location"], who)
    assert status.status_code == 200, status.content
    return status.json()


def files_of(fhir, manifest, who="ada") -> dict[str, bytes]:
    found = {}
    for item in manifest["output"]:
        response = fhir(item["url"], who)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/fhir+ndjson"
        assert response.streaming
        found[item["type"]] = b"".join(response.streaming_content)
    return found


def lines(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines()]


# --- Who may run it ---------------------------------------------------------------------------


def test_an_admin_holding_the_permission_starts_an_export(people, kickoff):
    response = kickoff()
    assert response.status_code == 202
    assert "/fhir/R4/$export-status/" in response["Content-Location"]
    assert ExportJob.objects.get().user == people.ada


@pytest.mark.parametrize("who", ["adam", "alice", "sam", "carol", "mallory"])
def test_everyone_else_is_refused_with_an_outcome_and_no_job(people, kickoff, who):
    response = kickoff(who)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/fhir+json"
    OperationOutcome.model_validate_json(response.content)
    assert not ExportJob.objects.exists()
    refusal = AuditEvent.objects.get(action="practice.bulk_export")
    assert refusal.outcome == AuditEvent.Outcome.DENIED and refusal.actor_username == who


def test_without_a_token_it_is_401(people, kickoff, client):
    response = client.get(BASE + "$export", **ASYNC)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_another_practices_exporter_exports_only_their_own_practice(people, kickoff, fhir):
    manifest = manifest_of(fhir, kickoff("mia"), "mia")
    data = files_of(fhir, manifest, "mia")
    patients = lines(data["Patient"])
    assert [p["id"] for p in patients] == [str(people.eve.pk)]
    assert b"Quill" not in b"".join(data.values())


def test_a_revoked_permission_stops_the_downloads(people, kickoff, fhir):
    manifest = manifest_of(fhir, kickoff())
    User.objects.filter(pk=people.ada.pk).update(may_bulk_export=False)
    assert fhir(manifest["output"][0]["url"], "ada").status_code == 403


def test_a_job_is_its_starters_alone(people, kickoff, fhir):
    started = kickoff()
    manifest = manifest_of(fhir, started)
    assert fhir(started["Content-Location"], "abe").status_code == 404
    assert fhir(manifest["output"][0]["url"], "abe").status_code == 404
    assert fhir(started["Content-Location"], "abe", method="delete").status_code == 404
    assert fhir(manifest["output"][0]["url"]).status_code == 401


# --- Bad requests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params,headers",
    [
        ({}, {}),
        ({}, {"HTTP_PREFER": "return=representation"}),
        ({"_type": "Patient,Condition"}, ASYNC),
        ({"_type": "Patient,"}, ASYNC),
        ({"_outputFormat": "application/fhir+json"}, ASYNC),
        ({"_since": "2026-01-01T00:00:00Z"}, ASYNC),
        ({"patient": "1"}, ASYNC),
    ],
)
def test_a_bad_request_is_refused_and_queues_nothing(people, fhir, params, headers):
    response = fhir("$export", "ada", headers=headers, **params)
    assert response.status_code == 400
    assert OperationOutcome.model_validate_json(response.content).issue[0].diagnostics
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="fhir.export").exists()


def test_a_post_is_not_supported(people, client, tokens):
    response = client.post(BASE + "$export", HTTP_AUTHORIZATION=f"Bearer {tokens['ada']}")
    assert response.status_code == 405


# --- What the files hold ----------------------------------------------------------------------


@pytest.fixture
def record(carols_record, people):
    """carols_record (Diane unaware and in a joint session, Maria her mother, a PHQ-9, a note)
    and a session of dave's."""
    Session.objects.create(
        practice=people.practice,
        client=people.dave,
        therapist=people.bob,
        starts_at=datetime.datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
        status="attended",
    )
    return carols_record


def test_the_manifest_lists_each_file_and_the_counts_match_the_database(record, kickoff, fhir):
    world = record
    manifest = manifest_of(fhir, kickoff())
    assert manifest["requiresAccessToken"] is True
    assert manifest["error"] == []
    assert manifest["request"].endswith("/fhir/R4/$export")
    assert manifest["transactionTime"].endswith("Z")
    counts = {item["type"]: item["count"] for item in manifest["output"]}
    practice = {"practice": world.practice}
    people = Person.objects.filter(**practice).exclude(pk=world.diane.pk)
    assert counts == {
        "Patient": Client.objects.filter(**practice).count(),
        "Practitioner": User.objects.filter(
            **practice, role__in=["therapist", "supervisor"]
        ).count(),
        "RelatedPerson": people.count(),
        "CareTeam": Client.objects.filter(**practice).count(),
        "Encounter": Session.objects.filter(**practice).count(),
        "CarePlan": 1,
        "QuestionnaireResponse": Response.objects.filter(**practice).count(),
        "Observation": Response.objects.filter(**practice).count(),
    }
    data = files_of(fhir, manifest)
    assert {t: len(lines(d)) for t, d in data.items()} == counts


def test_every_line_parses_with_its_r4b_model(record, kickoff, fhir):
    data = files_of(fhir, manifest_of(fhir, kickoff()))
    for resource_type, content in data.items():
        for line in content.decode().splitlines():
            parsed = get_fhir_model_class(resource_type).model_validate_json(line)
            assert parsed.get_resource_type() == resource_type
            # Written from the guard's dict, byte for byte as the model writes itself.
            assert parsed.model_dump_json() == line


def test_the_unaware_roommate_and_the_psychotherapy_note_are_in_no_file(record, kickoff, fhir):
    world = record
    data = files_of(fhir, manifest_of(fhir, kickoff()))
    everything = b"".join(data.values())
    assert b"Diane" not in everything
    assert f"RelatedPerson/{world.diane.pk}".encode() not in everything
    assert NOTE.encode() not in everything
    assert b"Transference" not in everything
    # The joint session is there, with Maria and without Diane.
    [joint] = [e for e in lines(data["Encounter"]) if e["id"] == str(world.session.pk)]
    members = [p["individual"]["reference"] for p in joint["participant"]]
    assert f"RelatedPerson/{world.maria.pk}" in members
    # And the files on disk hold exactly what was downloaded.
    directory = export.job_dir(ExportJob.objects.get())
    on_disk = b"".join(p.read_bytes() for p in sorted(directory.iterdir()))
    assert b"Diane" not in on_disk and NOTE.encode() not in on_disk


def test_type_asks_for_some_types_only(record, kickoff, fhir):
    manifest = manifest_of(fhir, kickoff(_type="Encounter,Patient", _outputFormat="ndjson"))
    assert [item["type"] for item in manifest["output"]] == ["Patient", "Encounter"]
    encounters = lines(files_of(fhir, manifest)["Encounter"])
    assert b"Diane" not in json.dumps(encounters).encode()


def test_the_files_are_private_to_the_server_user(record, kickoff, fhir):
    manifest_of(fhir, kickoff())
    directory = export.job_dir(ExportJob.objects.get())
    assert directory.stat().st_mode & 0o777 == 0o700
    for path in directory.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600


# --- The job's life ---------------------------------------------------------------------------


def test_start_completion_and_each_download_leave_one_event(record, kickoff, fhir):
    manifest = manifest_of(fhir, kickoff())
    fhir(manifest["output"][0]["url"], "ada")
    fhir(manifest["output"][0]["url"], "ada")
    events = AuditEvent.objects.filter(action__startswith="fhir.export").order_by("seq")
    assert [e.action for e in events] == [
        "fhir.export.start",
        "fhir.export.complete",
        "fhir.export.download",
        "fhir.export.download",
    ]
    assert all(e.actor_username == "ada" and e.client_id is None for e in events)
    assert "Patient file" in events[2].reason


def test_a_queued_or_running_job_reports_progress(people, fhir):
    job = export.export_start(user=people.ada, types=["Patient"], request_url="x")
    url = f"$export-status/{job.pk}"
    response = fhir(url, "ada")
    assert response.status_code == 202
    assert response["Retry-After"] == "5"
    assert response["X-Progress"].startswith("0 of 0 clients")
    ExportJob.objects.filter(pk=job.pk).update(
        status="running", clients_done=400, clients_total=1200, counts={"Encounter": 4000}
    )
    response = fhir(url, "ada")
    assert response["X-Progress"] == "400 of 1,200 clients; 4,000 resources written (running)"


def test_cancel_removes_the_files_and_the_job_answers_404(record, kickoff, fhir):
    started = kickoff()
    manifest = manifest_of(fhir, started)
    directory = export.job_dir(ExportJob.objects.get())
    assert any(directory.iterdir())
    assert fhir(started["Content-Location"], "ada", method="delete").status_code == 202
    assert not directory.exists()
    assert ExportJob.objects.get().status == "cancelled"
    assert fhir(started["Content-Location"], "ada").status_code == 404
    assert fhir(manifest["output"][0]["url"], "ada").status_code == 404
    assert AuditEvent.objects.filter(action="fhir.export.cancel").count() == 1


def test_a_job_cancelled_while_it_runs_stops_and_leaves_no_files(record, people, monkeypatch):
    monkeypatch.setattr(export, "PROGRESS_EVERY", 1)
    job = export.export_start(user=people.ada, types=list(export.EXPORT_TYPES), request_url="x")
    save = export._save_progress

    def cancel_then_save(job, counts, done):
        ExportJob.objects.filter(pk=job.pk).update(status="cancelled")
        save(job, counts, done)

    monkeypatch.setattr(export, "_save_progress", cancel_then_save)
    export.export_run(job.pk, batch_size=1)
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert not export.job_dir(job).exists()
    assert not AuditEvent.objects.filter(action="fhir.export.complete").exists()


def test_an_expired_job_loses_its_files_when_polled(record, kickoff, fhir):
    started = kickoff()
    manifest_of(fhir, started)
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    assert fhir(started["Content-Location"], "ada").status_code == 404
    assert not export.job_dir(job).exists()
    assert ExportJob.objects.get().status == "expired"


def test_the_sweep_deletes_expired_files_and_keeps_fresh_ones(record, kickoff, fhir):
    manifest_of(fhir, kickoff())
    manifest_of(fhir, kickoff())
    old, fresh = ExportJob.objects.order_by("pk")
    ExportJob.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert export.exports_sweep() == 1
    assert not export.job_dir(old).exists()
    assert export.job_dir(fresh).exists()
    assert export.exports_sweep() == 0


def test_a_failed_job_answers_500_and_leaves_no_files(record, kickoff, fhir, monkeypatch):
    def broken(client):
        raise RuntimeError("a builder broke")

    monkeypatch.setattr(export.build, "patient", broken)
    started = kickoff()
    response = fhir(started["Content-Location"], "ada")
    assert response.status_code == 500
    assert OperationOutcome.model_validate_json(response.content).issue[0].code == "exception"
    assert b"builder" not in response.content  # the cause is logged, not sent
    assert not export.job_dir(ExportJob.objects.get()).exists()
    assert AuditEvent.objects.filter(action="fhir.export.fail").count() == 1


def test_the_statement_lists_export_and_it_is_served(people, client, kickoff):
    statement = CapabilityStatement.model_validate_json(client.get(BASE + "metadata").content)
    [operation] = statement.rest[0].operation
    assert operation.name == "export"
    assert operation.definition == "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
    assert kickoff().status_code == 202


# --- The permission on the command line ------------------------------------------------------


def test_the_permission_is_granted_and_revoked_on_the_command_line(people, kickoff):
    call_command("export", "grant", "--user", "adam")
    assert kickoff("adam").status_code == 202
    call_command("export", "revoke", "--user", "adam")
    assert kickoff("adam").status_code == 403
    events = AuditEvent.objects.filter(action__startswith="fhir.export.permission")
    assert [e.action for e in events.order_by("seq")] == [
        "fhir.export.permission.grant",
        "fhir.export.permission.revoke",
    ]


@pytest.mark.parametrize("username", ["alice", "carol", "nobody"])
def test_only_an_admin_can_be_granted_it(people, username):
    with pytest.raises(CommandError):
        call_command("export", "grant", "--user", username)
    assert not User.objects.filter(username=username, may_bulk_export=True).exists()
    assert not AuditEvent.objects.filter(action__startswith="fhir.export").exists()


# --- It streams -------------------------------------------------------------------------------


NAMES = ("Jo", "Sam", "Lee", "Kim", "Alex", "Robin", "Max", "Ali")


def seed(world, clients: int, *, sessions: int = 3, first: int = 0) -> None:
    """``clients`` more clients of alice's, each with a partner and a few sessions."""
    made = Client.objects.bulk_create(
        Client(practice=world.practice, given_name=f"Client{first + n}", family_name="Seed")
        for n in range(clients)
    )
    TherapyRelationship.objects.bulk_create(
        TherapyRelationship(
            practice=world.practice,
            client=c,
            therapist=world.alice,
            started_on=datetime.date(2026, 1, 5),
        )
        for c in made
    )
    partners = Person.objects.bulk_create(
        # Names repeat, as given names do: each distinct withheld name costs the guard's
        # ``redact`` one compiled pattern in ``re``'s cache (bounded, 512), not the export.
        Person(practice=world.practice, client=c, name=NAMES[c.pk % 8], role="friend")
        for c in made
    )
    start = datetime.datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
    made_sessions = Session.objects.bulk_create(
        Session(
            practice=world.practice,
            client=c,
            therapist=world.alice,
            starts_at=start + datetime.timedelta(days=7 * k),
            status="attended",
        )
        for c in made
        for k in range(sessions)
    )
    by_client = {p.client_id: p for p in partners}
    SessionAttendee.objects.bulk_create(
        SessionAttendee(
            practice=world.practice,
            session=s,
            person=by_client[s.client_id],
            attendance="attended",
        )
        for s in made_sessions[::sessions]
    )


def _run(world, *, batch_size: int) -> ExportJob:
    job = export.export_start(user=world.ada, types=list(export.EXPORT_TYPES), request_url="x")
    return export.export_run(job.pk, batch_size=batch_size)


def test_the_queries_are_per_batch_not_per_row(people):
    seed(people, 10)
    _run(people, batch_size=100)  # the first job creates the audit chain's head
    with CaptureQueriesContext(connection) as small:
        job = _run(people, batch_size=100)
    assert job.status == "completed"
    seed(people, 20, first=10)
    with CaptureQueriesContext(connection) as large:
        job = _run(people, batch_size=100)
    assert job.counts["Encounter"] == 90
    # Three times the rows in one batch: the same queries.
    assert len(large) == len(small)
    # Three batches of ten: about three times one batch's queries, never one per client.
    with CaptureQueriesContext(connection) as batched:
        _run(people, batch_size=11)
    assert len(batched) <= len(small) + 2 * 12


def _peak(world, *, batch_size: int) -> int:
    tracemalloc.start()
    try:
        job = _run(world, batch_size=batch_size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert job.status == "completed"
    return peak


def test_memory_stays_flat_as_the_practice_grows(people):
    seed(people, 40)
    _peak(people, batch_size=20)  # warm the caches (models, instruments) before measuring
    small = _peak(people, batch_size=20)
    seed(people, 120, first=40)
    large = _peak(people, batch_size=20)
    assert ExportJob.objects.order_by("pk").last().counts["Patient"] == 162
    assert large < small * 1.3, (small, large)


def test_an_export_sets_the_process_objects_aside_from_the_collector_only_while_it_runs():
    import gc

    from kithkin.fhir.export import _batch_collections

    before = gc.get_freeze_count()
    with _batch_collections():
        assert gc.get_freeze_count() > before
    assert gc.get_freeze_count() == before


def test_authorizations_and_referrals_are_exported_as_consent_service_request_and_task(
    record, kickoff, fhir
):
    from kithkin.referrals.tests.conftest import carols_referral

    referral = carols_referral(record)
    manifest = manifest_of(fhir, kickoff(_type="Consent,ServiceRequest,Task"))
    assert [item["type"] for item in manifest["output"]] == ["Consent", "ServiceRequest", "Task"]
    data = files_of(fhir, manifest)
    [consent] = lines(data["Consent"])
    assert consent["id"] == str(referral.authorization_id) and consent["status"] == "active"
    [request] = lines(data["ServiceRequest"])
    assert request["supportingInfo"] == [{"reference": f"Consent/{referral.authorization_id}"}]
    [task] = lines(data["Task"])
    assert task["focus"] == {"reference": f"ServiceRequest/{referral.pk}"}
