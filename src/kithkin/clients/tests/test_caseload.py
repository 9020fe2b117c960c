import datetime

from django.urls import reverse
from django.utils import timezone

from kithkin.clients import presenters
from kithkin.clients.models import Client
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule.models import Session

URL = reverse("caseload")


def test_it_lists_the_therapists_own_clients_only(world, login):
    response = login(world.alice).get(URL)
    assert response.status_code == 200
    assert b"Carol Quill" in response.content
    assert b"Dave Marsh" not in response.content
    assert b"Eve Farrow" not in response.content


def test_the_supervisor_sees_the_clients_of_their_supervisees(world, login):
    response = login(world.sam).get(URL)
    assert response.status_code == 200
    assert b"Carol Quill" in response.content
    assert b"Dave Marsh" not in response.content


def test_an_ended_relationship_leaves_the_caseload(world, login):
    TherapyRelationship.objects.filter(client=world.carol).update(
        ended_on=datetime.date(2026, 6, 1)
    )
    assert b"Carol Quill" not in login(world.alice).get(URL).content


def test_it_shows_the_last_attended_and_next_scheduled_session(world, login):
    now = timezone.now()
    make = lambda when, status: Session.objects.create(  # noqa: E731
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=when,
        status=status,
    )
    make(now - datetime.timedelta(days=14), Session.Status.ATTENDED)
    make(now - datetime.timedelta(days=7), Session.Status.NO_SHOW)
    make(now + datetime.timedelta(days=3), Session.Status.SCHEDULED)
    response = login(world.alice).get(URL)
    [row] = response.context["rows"]
    last, upcoming = now - datetime.timedelta(days=14), now + datetime.timedelta(days=3)
    assert row.last_session.date() == timezone.localtime(last).date()
    assert row.next_session.date() == timezone.localtime(upcoming).date()
    body = response.content.decode()
    assert f"{row.last_session.day} {row.last_session:%b %Y}" in body
    assert f"{row.next_session.day} {row.next_session:%b %Y, %H:%M}" in body
    assert f'<a href="/clients/{world.carol.pk}/">Carol Quill</a>' in body


def test_its_dates_read_as_strftime_writes_them_in_every_month():
    for month in range(1, 13):
        moment = datetime.datetime(2026, month, 7, 5, 3, tzinfo=datetime.UTC)
        assert presenters._day_text(moment) == f"{moment.day} {moment:%b %Y}"


def test_admins_and_clients_have_no_caseload(world, login):
    assert login(world.adam).get(URL).status_code == 403
    assert login(world.carol_login).get(URL).status_code == 403


def test_a_visitor_is_sent_to_log_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_its_query_count_does_not_grow_with_the_caseload(world, login, django_assert_num_queries):
    alice = login(world.alice)
    alice.get(URL)  # the first visit also starts the practice's audit chain
    # 14: the open measures alerts are one more.
    with django_assert_num_queries(12) as small:
        alice.get(URL)
    for n in range(40):
        c = Client.objects.create(practice=world.practice, given_name=f"C{n}", family_name="Bulk")
        TherapyRelationship.objects.create(
            practice=world.practice,
            client=c,
            therapist=world.alice,
            started_on=datetime.date(2026, 1, 1),
        )
        Session.objects.create(
            practice=world.practice,
            client=c,
            therapist=world.alice,
            starts_at=timezone.now() - datetime.timedelta(days=n + 1),
            status=Session.Status.ATTENDED,
        )
    with django_assert_num_queries(len(small.captured_queries)):
        response = alice.get(URL)
    assert len(response.context["rows"]) == 41


def test_names_and_pronouns_are_escaped_on_the_caseload(world, login):
    Client.objects.filter(pk=world.carol.pk).update(
        given_name="<script>alert(1)</script>", pronouns="<b>she</b>"
    )
    body = login(world.alice).get(URL).content.decode()
    assert "<script>alert(1)</script>" not in body and "<b>she</b>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Quill" in body
    assert "(&lt;b&gt;she&lt;/b&gt;)" in body
