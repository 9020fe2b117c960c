from django.db import transaction
from django.utils import timezone

from kithkin.accounts.models import User
from kithkin.clients.models import Client
from kithkin.demo.builder import load_demo
from kithkin.schedule.models import Session, SessionAttendee


def test_alexis_s_mother_is_the_planned_attendee_of_an_upcoming_joint_session(db):
    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    [joint] = Session.objects.filter(client=alexis, kind="joint")
    assert joint.therapist.username == "alice"
    assert joint.status == "scheduled" and joint.starts_at > timezone.now()
    [attendee] = joint.attendees.select_related("person__partner")
    assert (attendee.person.role, attendee.attendance) == ("mother", "planned")
    assert attendee.person.partner.involvement == "joint_sessions"


def test_no_demo_session_seats_an_unaware_partner(db):
    load_demo(password="a demo passphrase")
    assert not SessionAttendee.objects.filter(person__partner__involvement="unaware").exists()


def test_alice_sees_the_joint_session_with_her_mother(db, client):
    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    joint = Session.objects.get(client=alexis, kind="joint")
    client.force_login(User.objects.get(username="alice"))
    body = client.get(f"/clients/{alexis.pk}/sessions/{joint.pk}/").content.decode()
    assert "Joint" in body and "Mother" in body and "Planned" in body


def test_the_demo_sessions_are_deterministic(db):
    def one_run():
        with transaction.atomic():
            load_demo(password="a demo passphrase")
            rows = list(
                SessionAttendee.objects.order_by("pk").values_list(
                    "session__client__email", "session__starts_at", "person__name", "attendance"
                )
            )
            transaction.set_rollback(True)
        return rows

    assert one_run() == one_run()
