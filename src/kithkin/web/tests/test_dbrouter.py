"""The read-replica router (issue 10): reports, FHIR searches and $export read from the replica;
everything else, every write, and the reads of a user who has just written, from the primary.

Most tests point a second connection, "replica", at the test database itself (Django's TEST
MIRROR of default), and tell the two apart by which connection ran the queries. One test, on
PostgreSQL only, clones the test database into a real second database, so a row can exist on
the replica alone.

Personas (STYLE.md): alice treats carol, bob is her colleague, adam administers the practice.
"""

import json
import os
import subprocess
import sys

import psycopg
import pytest
from django.db import connection, connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kithkin.api.services import token_create
from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client
from kithkin.practices.models import Practice
from kithkin.schedule.models import Session
from kithkin.web import dbrouter
from kithkin.web.dbrouter import REPLICA, ReplicaRouter, pin_to_primary, replica_reads

ROUTER = "kithkin.web.dbrouter.ReplicaRouter"
PIN_MIDDLEWARE = "kithkin.web.dbrouter.ReplicaPinMiddleware"
FHIR = "/fhir/R4/"


# The replica alias is known to the test case from the start, so that Django lets the test use
# it; it is added before the test database is set up for each test (a module fixture runs
# before the function ones).
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


def _mirror() -> dict:
    default = connections.settings["default"]
    return {**default, "TEST": {**default["TEST"], "MIRROR": "default"}}


def _close_pool(alias: str) -> None:
    # A pooled alias keeps its pool, and the pool its database's sessions, past close().
    if connections[alias].vendor == "postgresql":
        connections[alias].close_pool()


def _point_replica_at(settings_dict: dict) -> None:
    if REPLICA in connections.settings:
        connections[REPLICA].close()
        _close_pool(REPLICA)
        del connections[REPLICA]
    connections.settings[REPLICA] = settings_dict


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    _point_replica_at(_mirror())
    yield
    connections[REPLICA].close()
    _close_pool(REPLICA)
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def replica(settings):
    """The replica as Django's TEST MIRROR of default: a second connection to the test
    database, which sees only what is committed (so these tests are transactional)."""
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, PIN_MIDDLEWARE]
    return connections[REPLICA]


@pytest.fixture
def tokens(world):
    return {
        name: token_create(user=getattr(world, name), by=None)[1]
        for name in ("alice", "bob", "adam")
    }


@pytest.fixture
def fhir(client, tokens):
    def call(path, who, method="get", **extra):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[who]}", **extra}
        if method == "post":
            return client.post(FHIR + path, "{}", content_type="application/fhir+json", **headers)
        return client.get(FHIR + path, **headers)

    return call


def on(conn, run):
    """The queries ``run`` sent through the connection ``conn``."""
    with CaptureQueriesContext(conn) as captured:
        run()
    return captured.captured_queries


# --- The router -------------------------------------------------------------------------------


def test_it_reads_from_the_primary_unless_told_otherwise(replica):
    assert router.db_for_read(Client) == "default"
    assert not on(replica, lambda: list(Client.objects.all()))


def test_it_reads_from_the_replica_inside_replica_reads(replica, world):
    with replica_reads():
        assert router.db_for_read(Client) == REPLICA
        names = on(replica, lambda: sorted(c.given_name for c in Client.objects.all()))
    assert len(names) == 1
    assert router.db_for_read(Client) == "default"


def test_the_access_policy_s_facts_are_read_from_the_primary_even_inside_replica_reads(replica):
    from django.apps import apps

    from kithkin.web.dbrouter import ACCESS_FACTS

    with replica_reads():
        for label in sorted(ACCESS_FACTS):
            assert router.db_for_read(apps.get_model(label)) == "default", label
        assert router.db_for_read(Client) == REPLICA


def test_it_writes_to_the_primary_even_inside_replica_reads(replica):
    with replica_reads():
        assert router.db_for_write(Practice) == "default"
        written = on(replica, lambda: Practice.objects.create(name="Hillside", slug="hillside"))
    assert written == []
    assert Practice.objects.using("default").filter(slug="hillside").exists()


def test_it_reads_from_the_primary_inside_a_transaction(replica, world):
    # A service's reads must see its own writes and hold its locks (the audit chain head).
    with replica_reads(), transaction.atomic():
        assert router.db_for_read(Client) == "default"
        assert not on(replica, lambda: list(Client.objects.all()))


def test_it_migrates_the_primary_only():
    assert ReplicaRouter().allow_migrate("default", "clients")
    assert not ReplicaRouter().allow_migrate(REPLICA, "clients")


def test_replica_reads_is_undone_when_the_block_raises(replica):
    with pytest.raises(ZeroDivisionError), replica_reads():
        raise ZeroDivisionError
    assert router.db_for_read(Client) == "default"


def test_without_a_replica_replica_reads_changes_nothing(world, monkeypatch):
    monkeypatch.delitem(connections.settings, REPLICA)
    with replica_reads():
        assert router.db_for_read(Client) == "default"
        assert Client.objects.count() == 3


# --- A user who wrote reads from the primary ----------------------------------------------------


def test_a_user_who_just_wrote_reads_from_the_primary_for_a_while(replica, world, monkeypatch):
    now = 1_000_000.0
    monkeypatch.setattr(dbrouter, "_now", lambda: now)
    pin_to_primary(world.alice.pk)
    with replica_reads(user=world.alice):
        assert router.db_for_read(Client) == "default"
    with replica_reads(user=world.bob):
        assert router.db_for_read(Client) == REPLICA
    now += 9.9
    with replica_reads(user=world.alice):
        assert router.db_for_read(Client) == "default"
    now += 0.2  # past the 10 seconds
    with replica_reads(user=world.alice):
        assert router.db_for_read(Client) == REPLICA


def test_a_post_through_the_api_pins_its_token_user(replica, world, fhir):
    # An empty body is refused, but a request that might have written pins all the same.
    assert fhir("QuestionnaireResponse", "alice", method="post").status_code == 400
    assert dbrouter.wrote_recently(world.alice.pk)
    assert not dbrouter.wrote_recently(world.bob.pk)


def test_a_browser_post_pins_its_session_user(replica, world, client):
    client.force_login(world.alice)
    # Refused (the page takes GETs only), but a request that might have written pins.
    assert client.post("/practice/feedback/").status_code == 405
    client.force_login(world.bob)
    client.get("/")
    assert dbrouter.wrote_recently(world.alice.pk)
    assert not dbrouter.wrote_recently(world.bob.pk)


# --- The pages that read from the replica ------------------------------------------------------


def test_fhir_searches_read_from_the_replica(replica, world, fhir):
    response = None

    def search():
        nonlocal response
        response = fhir(f"Encounter?patient={world.carol.pk}", "alice")

    read = [q["sql"] for q in on(replica, search)]
    assert response.status_code == 200
    # The sessions come from the replica (the access policy's own reads do not: see
    # test_the_access_policy_s_facts_are_read_from_the_primary_even_inside_replica_reads).
    assert any("schedule_session" in sql for sql in read)


def test_fhir_searches_read_from_the_primary_after_the_user_writes(replica, world, fhir):
    fhir("QuestionnaireResponse", "alice", method="post")
    assert not on(replica, lambda: fhir(f"Encounter?patient={world.carol.pk}", "alice"))
    assert on(replica, lambda: fhir(f"Encounter?patient={world.dave.pk}", "bob"))


def test_a_fhir_post_through_a_search_route_reads_from_the_primary(replica, world, fhir):
    assert not on(replica, lambda: fhir("QuestionnaireResponse", "alice", method="post"))


def test_fhir_reads_of_one_resource_stay_on_the_primary(replica, world, fhir):
    response = None

    def read():
        nonlocal response
        response = fhir(f"Patient/{world.carol.pk}", "alice")

    assert not on(replica, read)
    assert response.status_code == 200


def test_the_practice_view_reads_from_the_replica(replica, world, client):
    client.force_login(world.alice)
    response = None

    def read():
        nonlocal response
        response = client.get("/practice/feedback/")

    assert on(replica, read)
    assert response.status_code == 200


def test_the_emergency_access_report_reads_from_the_replica(replica, world, client):
    client.force_login(world.adam)
    assert on(replica, lambda: client.get("/practice/emergency-access/"))


def test_the_bulk_export_reads_from_the_replica(replica, world, client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    world.adam.may_bulk_export = True
    world.adam.save()
    secret = token_create(user=world.adam, by=None)[1]

    def kickoff():
        return client.get(
            FHIR + "$export",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
            HTTP_PREFER="respond-async",
        )

    # The worker runs at once in tests (HUEY_IMMEDIATE), inside the kick-off.
    reads = on(replica, kickoff)
    assert any("clients_client" in query["sql"] for query in reads)
    pin_to_primary(world.adam.pk)
    assert not on(replica, kickoff)


# --- Settings ---------------------------------------------------------------------------------


def _settings_in_child(**env) -> dict:
    code = (
        "import json; from kithkin import settings as s;"
        "print(json.dumps({'replica': s.DATABASES.get('replica'),"
        " 'routers': getattr(s, 'DATABASE_ROUTERS', []),"
        " 'pinning': 'kithkin.web.dbrouter.ReplicaPinMiddleware' in s.MIDDLEWARE}))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KITHKIN_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**environ, "PYTHONPATH": "src", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return {"rc": done.returncode, "err": done.stderr, **(json.loads(done.stdout or "{}"))}


@pytest.mark.subprocess
def test_settings_add_the_replica_only_when_it_is_configured(tmp_path):
    primary = "postgres://postgres@127.0.0.1:5432/primary"
    var = {"KITHKIN_VAR_DIR": str(tmp_path)}
    alone = _settings_in_child(KITHKIN_DATABASE_URL=primary, **var)
    assert alone["replica"] is None and alone["routers"] == [] and not alone["pinning"]

    both = _settings_in_child(
        KITHKIN_DATABASE_URL=primary,
        KITHKIN_REPLICA_DATABASE_URL="postgres://reader@10.0.0.2:5432/kithkin",
        **var,
    )
    assert both["replica"]["HOST"] == "10.0.0.2"
    assert both["replica"]["USER"] == "reader"
    assert both["replica"]["TEST"] == {"MIRROR": "default"}
    assert both["routers"] == [ROUTER] and both["pinning"]


@pytest.mark.subprocess
def test_a_replica_beside_sqlite_is_refused(tmp_path):
    refused = _settings_in_child(
        KITHKIN_VAR_DIR=str(tmp_path),
        KITHKIN_REPLICA_DATABASE_URL="postgres://reader@10.0.0.2:5432/kithkin",
    )
    assert refused["rc"] != 0
    assert "needs a PostgreSQL primary" in refused["err"]


# --- Two real databases (PostgreSQL) ------------------------------------------------------------


def _admin_connection(settings_dict):
    return psycopg.connect(
        dbname="postgres",
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture
def separate_replica(replica):
    """Returns a function that clones the test database, as it is at that moment, into a second
    database and points the replica there; the clone is dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the two-database test runs in the PostgreSQL pass")
    primary = connections.settings["default"]
    name = f"{primary['NAME']}_replica"

    def clone():
        # CREATE DATABASE ... TEMPLATE needs the template to have no open connections.
        connections.close_all()
        for alias in connections:
            _close_pool(alias)
        with _admin_connection(primary) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{primary["NAME"]}"')
        # Still marked a mirror, so the test case never flushes it: it is dropped instead.
        _point_replica_at({**_mirror(), "NAME": name})
        return connections[REPLICA]

    yield clone
    _point_replica_at(_mirror())
    with _admin_connection(primary) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def encounter_ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {
        entry["resource"]["id"]
        for entry in response.json().get("entry", [])
        if entry["resource"]["resourceType"] == "Encounter"
    }


def test_a_row_only_on_the_replica_is_read_by_replica_safe_reads_alone(
    separate_replica, world, fhir, monkeypatch
):
    replica_db = separate_replica()
    assert replica_db.settings_dict["NAME"] != connection.settings_dict["NAME"]
    only_there = Session.objects.db_manager(REPLICA).create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now(),
    )
    seen = str(only_there.pk)

    assert not Session.objects.filter(pk=only_there.pk).exists()
    with replica_reads(user=world.alice):
        assert Session.objects.filter(pk=only_there.pk).exists()
    search = f"Encounter?patient={world.carol.pk}"
    assert seen in encounter_ids(fhir(search, "alice"))

    # Alice writes: her searches now read the primary, which has no such session, until the
    # pin runs out.
    fhir("QuestionnaireResponse", "alice", method="post")
    assert seen not in encounter_ids(fhir(search, "alice"))
    later = dbrouter._now() + dbrouter._pin_seconds() + 1
    monkeypatch.setattr(dbrouter, "_now", lambda: later)
    assert seen in encounter_ids(fhir(search, "alice"))

    # A search's audit event goes to the primary, its chain head read there too (in the
    # event's transaction): the replica's copy of the trail is not touched.
    before = AuditEvent.objects.count(), AuditEvent.objects.using(REPLICA).count()
    assert fhir("Patient", "bob").status_code == 200
    after = AuditEvent.objects.count(), AuditEvent.objects.using(REPLICA).count()
    assert after == (before[0] + 1, before[1])
