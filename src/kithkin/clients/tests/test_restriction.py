"""A GDPR erasure request becomes a restriction of processing (issue 10, retention): adam
records it, and carol's record is kept and not used until he lifts it. Personas (STYLE.md):
alice treats carol, sam supervises alice, bob has no relationship with her, adam administers
the practice, carol is the client, mallory works in another practice."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kithkin.accounts.services import emergency_access_grant
from kithkin.audit.models import AuditEvent
from kithkin.clients import selectors
from kithkin.clients.models import Client, Restriction
from kithkin.clients.restrictions import RestrictionError, restriction_lift, restriction_record
from kithkin.lapses import selectors as lapse_selectors
from kithkin.lapses import services as lapse_services
from kithkin.lapses.models import Lapse
from kithkin.lapses.tests.conftest import quiet_carol
from kithkin.measures import services as measures
from kithkin.measures.models import Response
from kithkin.measures.reminders import reminder_send
from kithkin.measures.tests.conftest import PHQ9_MODERATE, key
from kithkin.partners import selectors as partner_selectors
from kithkin.partners.models import PlannedAction, TherapyPartner
from kithkin.plans.selectors import caseload_ids
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule.models import Session

TODAY = timezone.localdate()
REQUEST = "Letter of 2 March: please delete everything you hold about me."


def restrict(world, client=None) -> Restriction:
    return restriction_record(
        client=client or world.carol,
        by=world.adam,
        request=REQUEST,
        requested_on=TODAY - datetime.timedelta(days=3),
    )


# --- The services -------------------------------------------------------------------------------


def test_recording_keeps_the_request_encrypted_and_audits_it(world):
    restriction = restrict(world)
    assert (restriction.client, restriction.recorded_by) == (world.carol, world.adam)
    assert restriction.lifted_at is None
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT request FROM clients_restriction WHERE id = %s", [restriction.pk])
        stored = cursor.fetchone()[0]
    assert "delete" not in stored
    event = AuditEvent.objects.get(action="client.restrict")
    assert (event.client_id, event.resource_type, event.actor_id) == (
        world.carol.pk,
        "Restriction",
        world.adam.pk,
    )
    assert "delete" not in event.reason


@pytest.mark.parametrize(
    "request_text, requested_on, field",
    [
        ("   ", TODAY, "request"),
        (REQUEST, TODAY + datetime.timedelta(days=1), "requested_on"),
        ("x" * 4001, TODAY, "request"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(world, request_text, requested_on, field):
    with pytest.raises(RestrictionError) as refused:
        restriction_record(
            client=world.carol, by=world.adam, request=request_text, requested_on=requested_on
        )
    assert refused.value.field == field
    assert not Restriction.objects.exists()
    assert not AuditEvent.objects.filter(action="client.restrict").exists()


def test_a_client_is_restricted_once_at_a_time(world):
    restrict(world)
    with pytest.raises(RestrictionError, match="already restricted"):
        restrict(world)
    assert Restriction.objects.count() == 1


def test_the_database_holds_one_restriction_in_force_per_client(world):
    first = restrict(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Restriction.objects.create(
            practice=world.practice,
            client=world.carol,
            request="again",
            requested_on=TODAY,
            recorded_by=world.adam,
            recorded_at=timezone.now(),
        )
    restriction_lift(restriction=first, by=world.adam, reason="Withdrawn in writing.")
    restrict(world)  # a new request after the lift
    assert Restriction.objects.filter(client=world.carol).count() == 2


def test_only_the_admin_records_or_lifts(world):
    for someone in (world.alice, world.sam, world.bob, world.carol_login, world.mallory):
        with pytest.raises(RestrictionError):
            restriction_record(client=world.carol, by=someone, request=REQUEST, requested_on=TODAY)
    restriction = restrict(world)
    with pytest.raises(RestrictionError):
        restriction_lift(restriction=restriction, by=world.alice, reason="She asked.")
    assert Restriction.objects.active().count() == 1


def test_lifting_records_who_and_why_and_audits_it(world):
    restriction = restrict(world)
    with pytest.raises(RestrictionError) as refused:
        restriction_lift(restriction=restriction, by=world.adam, reason=" ")
    assert refused.value.field == "reason"
    lifted = restriction_lift(
        restriction=restriction, by=world.adam, reason="Withdrawn in writing on 9 March."
    )
    assert (lifted.lifted_by, lifted.lift_reason) == (
        world.adam,
        "Withdrawn in writing on 9 March.",
    )
    assert AuditEvent.objects.filter(
        action="client.restriction_lift", client_id=world.carol.pk
    ).exists()
    with pytest.raises(RestrictionError, match="already lifted"):
        restriction_lift(restriction=restriction, by=world.adam, reason="Again.")
    assert AuditEvent.objects.filter(action="client.restriction_lift").count() == 1


def test_the_restriction_never_cascades(world):
    restrict(world)
    with pytest.raises(ProtectedError), transaction.atomic():
        Client.objects.filter(pk=world.carol.pk).delete()
    assert Restriction.objects.filter(client=world.carol).exists()


# --- The admin's pages --------------------------------------------------------------------------


def test_the_admin_finds_the_client_by_name_and_birth_and_restricts_the_record(world, login):
    Client.objects.filter(pk=world.carol.pk).update(date_of_birth=datetime.date(1990, 4, 1))
    admin = login(world.adam)
    found = admin.post(
        reverse("practice_restrictions"),
        {"full_name": "Carol Quill", "date_of_birth": "1990-04-01"},
    )
    page = reverse("client_restriction", args=[world.carol.pk])
    assert found.status_code == 302 and found["Location"] == page
    shown = admin.get(page)
    assert b'data-restricted="no"' in shown.content
    assert b"emergency access" in shown.content
    missing = admin.post(page, {"request": REQUEST, "requested_on": str(TODAY)})
    assert missing.status_code == 422  # the confirmation is not ticked
    assert not Restriction.objects.exists()
    done = admin.post(page, {"request": REQUEST, "requested_on": str(TODAY), "confirm": "on"})
    assert done.status_code == 302
    assert Restriction.objects.active().get().client == world.carol
    listed = admin.get(reverse("practice_restrictions"))
    assert b"Carol Quill" in listed.content
    assert b'data-restricted="yes"' in admin.get(page).content


def test_no_single_match_tells_the_admin_and_lists_nobody(world, login):
    answer = login(world.adam).post(
        reverse("practice_restrictions"),
        {"full_name": "Carol Quill", "date_of_birth": "1980-01-01"},
    )
    assert answer.status_code == 422
    assert b"No single client" in answer.content
    miss = AuditEvent.objects.get(action="client.restrict", outcome="denied")
    assert (miss.actor, miss.reason) == (world.adam, "no single match")


def test_the_admin_lifts_it_with_a_reason(world, login):
    restrict(world)
    admin = login(world.adam)
    url = reverse("client_restriction_lift", args=[world.carol.pk])
    assert admin.post(url, {"reason": "Withdrawn.", "confirm": ""}).status_code == 422
    answer = admin.post(url, {"reason": "Withdrawn in writing.", "confirm": "on"})
    assert answer.status_code == 302
    assert not Restriction.objects.active().exists()


def test_the_restrictions_page_is_two_queries_whatever_their_number(
    world, django_assert_max_num_queries
):
    for n in range(30):
        client = Client.objects.create(practice=world.practice, given_name=f"C{n}", family_name="X")
        restrict(world, client)
    with django_assert_max_num_queries(2):
        found = selectors.restrictions(practice_id=world.practice.pk)
        names = [r.client.display_name + r.recorded_by.display_name for r in found["active"]]
    assert len(names) == 30


# --- The record, while restricted ---------------------------------------------------------------


def test_the_therapist_no_longer_reaches_the_record(world, login):
    restrict(world)
    therapist = login(world.alice)
    assert therapist.get(reverse("client_detail", args=[world.carol.pk])).status_code == 404
    assert therapist.get(reverse("client_edit", args=[world.carol.pk])).status_code == 404
    event = AuditEvent.objects.filter(action="client.view", client_id=world.carol.pk).last()
    assert event.outcome == "denied"
    assert "restricted at their request" in event.reason
    assert login(world.sam).get(reverse("client_detail", args=[world.carol.pk])).status_code == 404


def test_emergency_access_reads_it_read_only_and_audited(world, login):
    restrict(world)
    emergency_access_grant(by=world.alice, client=world.carol, reason="Crisis call tonight.")
    therapist = login(world.alice)
    assert therapist.get(reverse("client_detail", args=[world.carol.pk])).status_code == 200
    assert therapist.get(reverse("client_edit", args=[world.carol.pk])).status_code == 403
    assert AuditEvent.objects.filter(
        action="client.view", client_id=world.carol.pk, emergency=True, outcome="allowed"
    ).exists()


def test_the_client_still_reads_their_portal_and_adds_nothing(world, login):
    restrict(world)
    client = login(world.carol_login)
    assert client.get(reverse("portal")).status_code == 200
    assert client.get(reverse("portal_access_log")).status_code == 200
    answer = client.post(reverse("portal_measure", args=["phq9"]), {"key": key()})
    assert answer.status_code == 403
    assert not Response.objects.exists()


def test_lifting_gives_the_record_back(world, login):
    restriction = restrict(world)
    restriction_lift(restriction=restriction, by=world.adam, reason="Withdrawn.")
    assert (
        login(world.alice).get(reverse("client_detail", args=[world.carol.pk])).status_code == 200
    )


# --- Off every list and job ---------------------------------------------------------------------


def test_the_client_is_off_the_caseload_page_and_the_api(world, login, client):
    restrict(world)
    page = login(world.alice).get(reverse("caseload"))
    assert b"Carol Quill" not in page.content
    assert b"Carol Quill" not in login(world.sam).get(reverse("caseload")).content
    api = client.get("/api/clients", **bearer(world.alice))
    assert api.status_code == 200
    assert api.json()["items"] == []
    assert login(world.bob).get(reverse("caseload")).status_code == 200  # dave's is untouched
    assert world.dave.pk in caseload_ids(_actor(world.bob))


def test_the_api_refuses_the_record_itself(world, client):
    restrict(world)
    answer = client.get(f"/api/clients/{world.carol.pk}", **bearer(world.alice))
    assert answer.status_code == 404


def bearer(user) -> dict:
    from kithkin.api.services import token_create

    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, by=None)[1]}"}


def _actor(user):
    from kithkin.accounts.access import actor_for

    return actor_for(user)


def test_the_caseload_filter_adds_no_query(world, django_assert_num_queries):
    for n in range(20):
        client = Client.objects.create(practice=world.practice, given_name=f"C{n}", family_name="X")
        TherapyRelationship.objects.create(
            practice=world.practice, client=client, therapist=world.alice, started_on=TODAY
        )
        if n % 2:
            restrict(world, client)
    actor = _actor(world.alice)
    with django_assert_num_queries(1):
        ids = caseload_ids(actor)
    assert len(ids) == 11  # carol and the ten unrestricted


def test_the_partner_worklist_leaves_the_client_out(world):
    diane = world.carol.people.get(name="Diane")
    partner = TherapyPartner.objects.create(
        practice=world.practice, person=diane, involvement="aware"
    )
    PlannedAction.objects.create(
        practice=world.practice,
        partner=partner,
        text="Talk about the rent",
        planned_on=TODAY,
        window_start=TODAY,
        created_by=world.alice,
    )
    count = lambda: sum(map(len, partner_selectors.worklist(actor=_actor(world.alice)).values()))  # noqa: E731
    assert count() == 1
    restrict(world)
    assert count() == 0


def test_the_lapse_scan_and_worklist_leave_the_client_out(world):
    quiet_carol(world, TODAY)
    restrict(world)
    assert lapse_services.lapses_scan(today=TODAY) == 0
    assert not Lapse.objects.exists()


def test_a_lapse_found_before_leaves_the_worklist(world):
    quiet_carol(world, TODAY)
    assert lapse_services.lapses_scan(today=TODAY) == 1
    assert len(lapse_selectors.worklist(actor=_actor(world.alice), today=TODAY)) == 1
    restrict(world)
    assert lapse_selectors.worklist(actor=_actor(world.alice), today=TODAY) == []


def test_no_reminder_is_sent_after_a_session(world):
    session = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        status=Session.Status.ATTENDED,
    )
    restrict(world)
    assert reminder_send(session_id=session.pk) is None
    assert mail.outbox == []


def test_a_link_sent_before_takes_no_answers(world, client):
    _, token = measures.link_create(client=world.carol, instrument_code="phq9", by=world.alice)
    restrict(world)
    assert client.get(reverse("measures_link", args=[token])).status_code == 404
    with pytest.raises(measures.LinkUnusable):
        measures.link_redeem(token=token, answers=PHQ9_MODERATE, idempotency_key=key())
    assert not Response.objects.exists()


def test_a_transfer_to_a_colleague_waits_unseen(world):
    from kithkin.referrals.selectors import awaiting_answer

    restrict(world)
    assert list(awaiting_answer(world.bob)) == []


@pytest.mark.parametrize("reason", ["  ", "x" * 1001])
def test_a_lift_without_a_fit_reason_is_refused_and_changes_nothing(world, reason):
    restriction = restrict(world)
    with pytest.raises(RestrictionError) as refused:
        restriction_lift(restriction=restriction, by=world.adam, reason=reason)
    assert refused.value.field == "reason"
    restriction.refresh_from_db()
    assert restriction.lifted_at is None and restriction.lift_reason == ""
    assert not AuditEvent.objects.filter(action="client.restriction_lift").exists()


def test_clinicians_and_clients_reach_no_restriction_page(world, login):
    for someone in (world.alice, world.sam, world.bob, world.carol_login):
        browser = login(someone)
        for url in (
            reverse("practice_restrictions"),
            reverse("client_restriction", args=[world.carol.pk]),
        ):
            assert browser.get(url).status_code in (403, 404), (someone, url)
        lift = browser.post(
            reverse("client_restriction_lift", args=[world.carol.pk]), {"reason": "x"}
        )
        assert lift.status_code in (403, 404)
    assert not Restriction.objects.exists()


def test_the_bulk_export_leaves_the_client_out_until_the_lift(world, settings, tmp_path):
    import json

    from kithkin.accounts.models import User
    from kithkin.fhir import export

    settings.VAR_DIR = tmp_path
    ada = User.objects.create_user(
        username="ada", role="admin", practice=world.practice, may_bulk_export=True
    )

    def exported_patients() -> set[str]:
        job = export.export_start(user=ada, types=["Patient"], request_url="x")
        job = export.export_run(job.pk)
        assert job.status == "completed", job.error
        lines = export.file_path(job, "Patient").read_text().splitlines()
        return {json.loads(line)["id"] for line in lines}

    everyone = exported_patients()
    assert str(world.carol.pk) in everyone
    restriction = restrict(world)
    assert exported_patients() == everyone - {str(world.carol.pk)}
    restriction_lift(restriction=restriction, by=world.adam, reason="Withdrawn in writing.")
    assert exported_patients() == everyone


def test_the_caseload_and_the_reminders_come_back_after_the_lift(world):
    session = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        status=Session.Status.ATTENDED,
    )
    restriction = restrict(world)
    assert world.carol.pk not in caseload_ids(_actor(world.alice))
    restriction_lift(restriction=restriction, by=world.adam, reason="Withdrawn in writing.")
    assert world.carol.pk in caseload_ids(_actor(world.alice))
    reminder_send(session_id=session.pk)
    assert len(mail.outbox) == 1


def test_the_client_restriction_page_takes_the_same_queries_restricted_or_not(world, login):
    # The page reads the client (with its restriction flag) and the one restriction in force,
    # whose recorder comes with it: nothing per restriction or per audit event.
    admin = login(world.adam)
    page = reverse("client_restriction", args=[world.carol.pk])
    admin.get(page)  # the session's first request
    with CaptureQueriesContext(connection) as before:
        assert admin.get(page).status_code == 200
    restrict(world)
    restriction_lift(
        restriction=Restriction.objects.active().get(),
        by=world.adam,
        reason="Withdrawn in writing.",
    )
    restrict(world)
    with CaptureQueriesContext(connection) as during:
        assert b'data-restricted="yes"' in admin.get(page).content
    # Ten today: the session, the user, the client, its therapists, the audit event (five) and
    # the restriction.
    assert len(during) == len(before) <= 10
