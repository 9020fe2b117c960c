"""The import page and the previous therapist's record, through HTTP, with their audit rows."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client
from kithkin.imports.models import PreviousGoal, PreviousRecord, PreviousScore
from kithkin.imports.reader import MAX_BYTES
from kithkin.imports.services import previous_record_import
from kithkin.imports.tests.conftest import changed, resource

IMPORT = reverse("client_import")


def upload(text: str | bytes, name="record.json") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="application/fhir+json")


def post(browser, text, phase="reaching_out"):
    return browser.post(IMPORT, {"bundle": upload(text), "phase": phase})


def test_the_form_offers_the_file_and_the_starting_phase(world, login):
    page = login(world.alice).get(IMPORT)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in body
    assert "Reaching out" in body and "Assessment" in body


def test_an_import_goes_to_the_new_clients_page_which_links_the_previous_record(world, login, good):
    alice = login(world.alice)
    answer = post(alice, good, phase="assessment")
    client = Client.objects.get(family_name="Park")
    assert answer.status_code == 302
    assert answer.url == reverse("client_detail", args=[client.pk])
    page = alice.get(answer.url).content.decode()
    assert "Nin Park was added to your caseload with the previous therapist&#x27;s record." in page
    assert reverse("previous_record", args=[client.pk]) in page
    assert client.therapy_relationships.get().episodes.get().phase == "assessment"
    event = AuditEvent.objects.get(action="client.import")
    assert (event.actor_id, event.client_id) == (world.alice.pk, client.pk)
    assert event.ip == "127.0.0.1"


def test_a_client_without_a_previous_record_has_no_link(world, login):
    page = login(world.alice).get(reverse("client_detail", args=[world.carol.pk]))
    assert reverse("previous_record", args=[world.carol.pk]) not in page.content.decode()


def test_a_refused_file_lists_every_problem_and_writes_nothing(world, login):
    def two_problems(data):
        resource(data, "CarePlan")["goal"][0] = {"reference": "Goal/gone"}
        resource(data, "Observation")["valueInteger"] = 40

    before = (Client.objects.count(), AuditEvent.objects.filter(action="client.import").count())
    answer = post(login(world.alice), changed(two_problems))
    body = answer.content.decode()
    assert answer.status_code == 422
    assert "Nothing was imported. The file has 2 problems:" in body
    assert "entry[3] (CarePlan): broken reference goal[0] -&gt; Goal/gone" in body
    assert "entry[6] (Observation/score-1): a PHQ-9 total lies between 0 and 27." in body
    after = (Client.objects.count(), AuditEvent.objects.filter(action="client.import").count())
    assert after == before
    assert not PreviousRecord.objects.exists()


def test_a_file_that_is_not_json_is_refused_on_the_page(world, login):
    answer = post(login(world.alice), "<Bundle xmlns='http://hl7.org/fhir'/>")
    assert answer.status_code == 422
    assert "The file is not valid JSON (line 1, column 1)." in answer.content.decode()


def test_no_file_is_told_to_choose_one(world, login):
    answer = login(world.alice).post(IMPORT, {"phase": "reaching_out"})
    assert answer.status_code == 422
    assert "Choose the file to import." in answer.content.decode()


def test_a_file_over_the_cap_is_refused_before_it_is_read(world, login):
    answer = post(login(world.alice), b" " * (MAX_BYTES + 1))
    assert answer.status_code == 422
    assert "the import takes at most 5 MB" in answer.content.decode()
    assert not Client.objects.filter(family_name="Park").exists()


def test_a_file_that_is_not_utf8_is_refused(world, login):
    answer = post(login(world.alice), "{}".encode("utf-16"))
    assert answer.status_code == 422
    assert "The file is not UTF-8 text" in answer.content.decode()


def test_the_admin_and_clients_may_not_import(world, login, good):
    for user in (world.adam, world.carol_login):
        assert post(login(user), good).status_code == 403
    assert not Client.objects.filter(family_name="Park").exists()
    denied = AuditEvent.objects.filter(action="client.create", outcome="denied")
    assert set(denied.values_list("actor_id", flat=True)) == {world.adam.pk, world.carol_login.pk}


# --- The previous therapist's record ---------------------------------------------------------


def imported(world, good) -> Client:
    return previous_record_import(by=world.alice, bundle_text=good)


def test_the_record_is_labelled_as_the_previous_providers(world, login, good):
    client = imported(world, good)
    page = login(world.alice).get(reverse("previous_record", args=[client.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    day = datetime.date.today()
    assert "From Riverside Counselling, received <time" in body
    assert f"{day.day} {day:%b %Y}</time>" in body
    for shown in (
        "Nina worked on sleep and on reaching out to friends.",
        "Sleep and friendships",
        "Sleep six hours most nights, by 15 Jan 2026",
        "See a friend every week",
        "Saw two friends in March",
        "Prefers morning sessions",
        '<td>PHQ-9</td><td><time datetime="2025-09-01">1 Sep 2025</time></td><td>17</td>',
        "1 Observation (Blood pressure): not a PHQ-9 or GAD-7 total (not imported)",
    ):
        assert shown in body, shown


def test_reading_it_is_audited_as_a_read_of_the_record(world, login, good):
    client = imported(world, good)
    login(world.sam).get(reverse("previous_record", args=[client.pk]))
    event = AuditEvent.objects.filter(actor_id=world.sam.pk).latest("seq")
    assert (event.action, event.client_id, event.outcome) == ("client.view", client.pk, "allowed")


def test_only_the_treating_therapist_and_her_supervisor_read_it(world, login, good):
    client = imported(world, good)
    url = reverse("previous_record", args=[client.pk])
    assert login(world.alice).get(url).status_code == 200
    assert login(world.sam).get(url).status_code == 200
    for outsider in (world.bob, world.adam, world.carol_login, world.mallory):
        answer = login(outsider).get(url)
        assert answer.status_code == 404, outsider.username
        assert "Riverside" not in answer.content.decode()
    # Each refusal is audited: bob's under the client, mallory's in her own practice's trail,
    # as a request for a record that does not exist there.
    assert AuditEvent.objects.filter(
        actor_id=world.bob.pk, client_id=client.pk, outcome="denied"
    ).exists()
    assert AuditEvent.objects.filter(
        actor_id=world.mallory.pk,
        practice=world.elsewhere,
        resource_id=str(client.pk),
        client_id=None,
        outcome="denied",
    ).exists()


def test_a_client_without_one_is_told_so(world, login):
    page = login(world.alice).get(reverse("previous_record", args=[world.carol.pk]))
    assert "No record from a previous therapist was imported for Carol Quill." in (
        page.content.decode()
    )


def test_its_query_count_does_not_grow_with_the_history(
    world, login, good, django_assert_max_num_queries
):
    client = imported(world, good)
    alice = login(world.alice)
    url = reverse("previous_record", args=[client.pk])
    alice.get(url)  # the first visit starts nothing new, but warms the session
    with django_assert_max_num_queries(20) as small:
        alice.get(url)
    record = PreviousRecord.objects.get(client=client)
    plan = record.plans.get()
    PreviousGoal.objects.bulk_create(
        PreviousGoal(
            practice=world.practice,
            record=record,
            plan=plan if n % 2 else None,
            number=10 + n,
            description=f"Goal {n}",
            lifecycle="active",
        )
        for n in range(40)
    )
    PreviousScore.objects.bulk_create(
        PreviousScore(
            practice=world.practice,
            record=record,
            instrument="phq9",
            total=n % 27,
            measured_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=7 * n),
        )
        for n in range(100)
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = alice.get(url)
    assert "Goal 39" in page.content.decode()
