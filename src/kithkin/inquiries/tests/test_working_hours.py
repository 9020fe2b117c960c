"""The working-hours screen: the practice admin sets the days, the hours and the time zone that
the time to first response counts; nobody else does, bad input saves nothing, and inquiries
already answered keep the time they waited."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.accounts.models import User
from kithkin.audit.models import AuditEvent
from kithkin.inquiries import selectors, services
from kithkin.inquiries.models import Inquiry, WorkingHours
from kithkin.inquiries.tests.conftest import robins_inquiry

NEW_YORK = ZoneInfo("America/New_York")
URL = "/practice/settings/working-hours/"


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


def saturdays_too(**changes) -> dict:
    return {
        "weekdays": ["0", "1", "2", "3", "4", "5"],
        "opens": "08:00",
        "closes": "14:30",
        "time_zone": "Europe/London",
        **changes,
    }


def test_the_screen_has_its_address():
    assert reverse("practice_hours") == URL


def test_the_admin_sees_the_hours_in_force(world, login):
    response = login(world.adam).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mon-Fri 9:00-17:00" in body and "UTC time" in body
    assert 'value="09:00"' in body and 'value="17:00"' in body
    assert '<option value="Europe/London">Europe/London</option>' in body
    assert "America/New York" in body  # the zones are written as people read them


def test_the_admin_changes_the_hours_and_the_time_zone(world, login):
    adam = login(world.adam)
    response = adam.post(URL, saturdays_too())
    assert response.status_code == 302 and response["Location"] == URL
    row = WorkingHours.objects.get(practice=world.practice)
    assert (row.weekdays, row.opens, row.closes) == (
        [0, 1, 2, 3, 4, 5],
        datetime.time(8),
        datetime.time(14, 30),
    )
    world.practice.refresh_from_db()
    assert world.practice.time_zone == "Europe/London"
    hours = selectors.hours_for(world.practice)
    assert hours.weekdays == frozenset(range(6)) and hours.time_zone == "Europe/London"
    body = adam.get(URL).content.decode()
    assert "Saved. Waiting times now count Mon-Sat 8:00-14:30 (Europe/London)." in body


def test_saving_is_audited_without_anything_clinical(world, login):
    login(world.adam).post(URL, saturdays_too(), REMOTE_ADDR="198.51.100.9")
    event = AuditEvent.objects.get(action="working_hours.set")
    assert (event.actor_id, event.resource_type, event.resource_id, event.client_id) == (
        world.adam.pk,
        "Practice",
        str(world.practice.pk),
        None,
    )
    assert event.ip == "198.51.100.9"
    assert event.reason == (
        "working hours Mon-Sat 8:00-14:30 (Europe/London); were Mon-Fri 9:00-17:00 (UTC)"
    )


def test_saving_the_same_hours_again_writes_nothing(world, login):
    adam = login(world.adam)
    adam.post(URL, saturdays_too())
    again = adam.post(URL, saturdays_too(), follow=True)
    assert "Nothing changed" in again.content.decode()
    assert AuditEvent.objects.filter(action="working_hours.set").count() == 1
    assert WorkingHours.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weekdays": []}, "weekdays", "Choose at least one day."),
        ({"weekdays": ["7"]}, "weekdays", "Choose days from Monday to Sunday."),
        ({"closes": "08:00"}, "closes", "The closing time must be after the opening time."),
        ({"closes": "07:30"}, "closes", "The closing time must be after the opening time."),
        ({"opens": "25:00"}, "opens", "Write a time: 09:00."),
        ({"opens": ""}, "opens", "Give the opening time."),
        ({"closes": ""}, "closes", "Give the closing time."),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Choose a time zone from the list."),
        ({"time_zone": "Etc/GMT+5"}, "time_zone", "Choose a time zone from the list."),
    ],
)
def test_bad_hours_are_refused_beside_the_field_and_nothing_is_saved(
    world, login, changes, field, message
):
    response = login(world.adam).post(URL, saturdays_too(**changes))
    assert response.status_code == 422
    body = response.content.decode()
    assert f'<p class="field-error" id="id_{field}_error" role="alert">{message}</p>' in body
    assert not WorkingHours.objects.exists()
    world.practice.refresh_from_db()
    assert world.practice.time_zone == "UTC"
    assert not AuditEvent.objects.filter(action="working_hours.set").exists()


def test_the_service_refuses_unusable_hours_and_writes_nothing(world):
    for bad in (
        {"weekdays": []},
        {"closes": datetime.time(8)},
        {"time_zone": "Mars/Olympus_Mons"},
        {"weekdays": [9]},
    ):
        arguments = {
            "weekdays": [0, 1],
            "opens": datetime.time(9),
            "closes": datetime.time(12),
            "time_zone": "Europe/Paris",
            **bad,
        }
        with pytest.raises(services.InquiryError):
            services.working_hours_set(practice=world.practice, by=world.adam, **arguments)
    assert not WorkingHours.objects.exists()
    world.practice.refresh_from_db()
    assert world.practice.time_zone == "UTC"
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["alice", "sam", "carol_login"])
def test_only_the_practice_admin_changes_the_hours(world, login, who):
    person = login(getattr(world, who))
    assert person.get(URL).status_code == 403
    assert person.post(URL, saturdays_too()).status_code == 403
    assert not WorkingHours.objects.exists()
    refusal = AuditEvent.objects.filter(actor_id=getattr(world, who).pk).last()
    assert (refusal.action, refusal.outcome) == ("practice.manage", "denied")


def test_another_practice_s_admin_changes_only_their_own(world, login):
    mona = User.objects.create_user(
        username="mona", password=None, role=User.Roles.ADMIN, practice=world.elsewhere
    )
    login(mona).post(URL, saturdays_too())
    assert WorkingHours.objects.get().practice == world.elsewhere
    world.practice.refresh_from_db()
    assert world.practice.time_zone == "UTC"
    assert selectors.hours_for(world.practice).weekdays == frozenset(range(5))


def test_changing_the_hours_leaves_answered_inquiries_as_they_waited(world, login, monkeypatch):
    world.practice.time_zone = "America/New_York"
    world.practice.save()
    answered = robins_inquiry(world)
    waiting = robins_inquiry(world, name="Sky")
    # Answered: received Friday 19:00, answered Monday 09:30, half an hour of working time.
    Inquiry.objects.filter(pk=answered.pk).update(received_at=at("2026-03-06 19:00"))
    Inquiry.objects.filter(pk=waiting.pk).update(received_at=at("2026-03-09 09:00"))
    answered.refresh_from_db()
    services.inquiry_respond(
        inquiry=answered, by=world.alice, how="phone", note="", ip=None, at=at("2026-03-09 09:30")
    )
    monkeypatch.setattr(timezone, "now", lambda: at("2026-03-09 12:00"))
    before = selectors.hours_for(world.practice)
    assert selectors.queue_row(
        Inquiry.objects.get(pk=waiting.pk), hours=before, now=timezone.now()
    ).waited == (3 * 3600)

    # Opening at 10:00 would make Monday's 09:30 answer "instant"; the past must not move.
    login(world.adam).post(
        URL,
        {
            "weekdays": ["0", "1", "2", "3", "4"],
            "opens": "10:00",
            "closes": "18:00",
            "time_zone": "America/New_York",
        },
    )
    after = selectors.hours_for(world.practice)
    assert after.opens == datetime.time(10)
    answered.refresh_from_db()
    assert answered.response_working_seconds == 30 * 60
    row = selectors.queue_row(answered, hours=after, now=timezone.now())
    assert row.waited == 30 * 60 and row.waited_phrase == "30 min"
    figures = selectors.response_figures(practice=world.practice, hours=after, now=timezone.now())
    assert (figures.count, figures.median) == (1, 30 * 60)
    # Someone still waiting is counted with the new hours from now on: 10:00 to 12:00.
    still = selectors.queue_row(Inquiry.objects.get(pk=waiting.pk), hours=after, now=timezone.now())
    assert still.waited == 2 * 3600


def test_the_queue_shows_the_hours_and_the_admin_a_link_to_change_them(world, login):
    adam_body = login(world.adam).get(reverse("inquiries")).content.decode()
    assert "Working hours: Mon-Fri 9:00-17:00 (UTC) · " in adam_body
    assert f'href="{URL}"' in adam_body
    alice_body = login(world.alice).get(reverse("inquiries")).content.decode()
    assert "Working hours: Mon-Fri 9:00-17:00 (UTC)" in alice_body
    assert f'href="{URL}"' not in alice_body  # she could not follow it


def test_the_screen_reads_in_a_fixed_number_of_queries(world, login, django_assert_num_queries):
    adam = login(world.adam)
    adam.post(URL, saturdays_too())
    adam.get(URL)
    # Session, user, the practice, its hours.
    with django_assert_num_queries(4):
        assert adam.get(URL).status_code == 200
