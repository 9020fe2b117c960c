"""The practice's queue: who reads what, the first response and its working time, closing, and
the time-to-first-response figures."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.inquiries import selectors, services
from kithkin.inquiries.models import Inquiry, WorkingHours
from kithkin.inquiries.tests.conftest import CONCERNS, robins_inquiry

NEW_YORK = ZoneInfo("America/New_York")


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


@pytest.fixture
def new_york(world):
    world.practice.time_zone = "America/New_York"
    world.practice.save()
    return world


def test_the_queue_lists_who_is_waiting_oldest_first(world, login):
    later = robins_inquiry(world, name="Sky")
    first = robins_inquiry(world)
    Inquiry.objects.filter(pk=first.pk).update(
        received_at=later.received_at - datetime.timedelta(days=7)
    )
    response = login(world.alice).get(reverse("inquiries"))
    assert response.status_code == 200
    assert [row.inquiry.name for row in response.context["queue"]["waiting"]] == ["Robin", "Sky"]
    body = response.content.decode()
    assert "over one working day" in body  # Robin's day has gone by
    # The list never shows what anyone wrote: that is read, and audited, one inquiry at a time.
    assert "father" not in body
    assert "/reach-out/riverside/" in body


def test_the_queue_visit_is_audited(world, login):
    login(world.adam).get(reverse("inquiries"))
    event = AuditEvent.objects.get(action="inquiries.view")
    assert (event.actor_id, event.resource_type, event.outcome) == (
        world.adam.pk,
        "Practice",
        "allowed",
    )


def test_a_clinician_reads_what_they_wrote_and_each_view_is_audited(world, login):
    inquiry = robins_inquiry(world)
    alice = login(world.alice)
    for _ in range(2):
        body = alice.get(reverse("inquiry", args=[inquiry.pk])).content.decode()
        assert CONCERNS in body and "robin@example.net" in body
    events = AuditEvent.objects.filter(action="inquiries.view", resource_type="Inquiry")
    assert events.count() == 2
    assert {e.resource_id for e in events} == {str(inquiry.pk)}
    assert all(e.actor_id == world.alice.pk and e.outcome == "allowed" for e in events)


def test_the_admin_gets_the_contact_details_but_not_what_they_wrote(world, login):
    inquiry = robins_inquiry(world)
    response = login(world.adam).get(reverse("inquiry", args=[inquiry.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "robin@example.net" in body and "by video" in body
    assert "father" not in body and "sister" not in body
    assert "read by the practice's therapists only" in body
    event = AuditEvent.objects.get(action="inquiries.view", resource_type="Inquiry")
    assert "withheld" in event.reason


def test_clients_work_no_queue(world, login):
    inquiry = robins_inquiry(world)
    carol = login(world.carol_login)
    assert carol.get(reverse("inquiries")).status_code == 403
    assert carol.get(reverse("inquiry", args=[inquiry.pk])).status_code == 403
    denied = AuditEvent.objects.filter(actor_id=world.carol_login.pk, outcome="denied")
    assert denied.count() == 2


def test_another_practice_does_not_find_the_inquiry(world, login):
    inquiry = robins_inquiry(world)
    mallory = login(world.mallory)
    response = mallory.get(reverse("inquiry", args=[inquiry.pk]))
    assert response.status_code == 404
    assert mallory.get(reverse("inquiry", args=[987654])).status_code == 404
    assert "Robin" not in mallory.get(reverse("inquiries")).content.decode()
    respond = mallory.post(reverse("inquiry_respond", args=[inquiry.pk]), {"how": "phone"})
    assert respond.status_code == 404
    inquiry.refresh_from_db()
    assert inquiry.status == "new" and inquiry.first_response_at is None
    event = AuditEvent.objects.filter(actor_id=world.mallory.pk, resource_type="Inquiry").first()
    assert event.outcome == "denied" and event.reason == "no such inquiry"


def test_recording_the_first_response(new_york, login, monkeypatch):
    world = new_york
    inquiry = robins_inquiry(world)
    # Received Friday 19:00, answered Monday 09:30: half an hour of working time.
    Inquiry.objects.filter(pk=inquiry.pk).update(received_at=at("2026-03-06 19:00"))
    monkeypatch.setattr(timezone, "now", lambda: at("2026-03-09 09:30"))
    response = login(world.bob).post(
        reverse("inquiry_respond", args=[inquiry.pk]),
        {"how": "phone", "note": "Left a voicemail."},
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == "responded"
    assert inquiry.first_response_at == at("2026-03-09 09:30")
    assert (inquiry.responded_by, inquiry.response_how) == (world.bob, "phone")
    assert inquiry.response_working_seconds == 30 * 60
    event = AuditEvent.objects.get(action="inquiry.respond")
    assert event.actor_id == world.bob.pk
    assert event.reason == "first response by phone after 30 min of working time"
    assert "voicemail" not in event.reason


def test_the_first_response_is_recorded_once(world, login):
    inquiry = robins_inquiry(world)
    services.inquiry_respond(inquiry=inquiry, by=world.alice, how="email", note="", ip=None)
    response = login(world.bob).post(
        reverse("inquiry_respond", args=[inquiry.pk]), {"how": "phone"}
    )
    assert response.status_code == 422
    assert "already recorded" in response.content.decode()
    inquiry.refresh_from_db()
    assert (inquiry.responded_by, inquiry.response_how) == (world.alice, "email")
    assert AuditEvent.objects.filter(action="inquiry.respond").count() == 1


def test_an_empty_response_form_says_what_is_missing(world, login):
    inquiry = robins_inquiry(world)
    response = login(world.alice).post(reverse("inquiry_respond", args=[inquiry.pk]), {})
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.first_response_at is None


def test_closing_an_inquiry(world, login):
    inquiry = robins_inquiry(world)
    alice = login(world.alice)
    response = alice.post(
        reverse("inquiry_close", args=[inquiry.pk]), {"reason": "referred_elsewhere"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("inquiries")
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.close_reason, inquiry.closed_by) == (
        "closed",
        "referred_elsewhere",
        world.alice,
    )
    assert AuditEvent.objects.get(action="inquiry.close").reason == "closed: referred elsewhere"
    assert "Robin" not in alice.get(reverse("inquiries")).content.decode()
    again = alice.post(reverse("inquiry_close", args=[inquiry.pk]), {"reason": "spam"})
    assert again.status_code == 422 and "already closed" in again.content.decode()
    refused = alice.post(reverse("inquiry_respond", args=[inquiry.pk]), {"how": "phone"})
    assert refused.status_code == 422 and "closed" in refused.content.decode()


def test_the_practice_s_own_working_hours_count(new_york):
    world = new_york
    WorkingHours.objects.create(
        practice=world.practice,
        weekdays=[0, 1, 2, 3, 4, 5],
        opens=datetime.time(10),
        closes=datetime.time(14),
    )
    inquiry = robins_inquiry(world)
    Inquiry.objects.filter(pk=inquiry.pk).update(received_at=at("2026-03-06 19:00"))
    inquiry.refresh_from_db()
    answered = services.inquiry_respond(
        inquiry=inquiry, by=world.alice, how="email", note="", ip=None, at=at("2026-03-09 11:00")
    )
    # Saturday 10:00-14:00 and Monday 10:00-11:00.
    assert answered.response_working_seconds == 5 * 3600


def test_the_practice_figures_are_median_and_90th_percentile_of_the_last_90_days(new_york):
    world = new_york
    now = at("2026-03-20 12:00")
    # Ten answered inquiries, 1 to 10 working hours each, and one older than 90 days.
    for n in range(1, 11):
        inquiry = robins_inquiry(world)
        Inquiry.objects.filter(pk=inquiry.pk).update(received_at=at("2026-03-02 09:00"))
        inquiry.refresh_from_db()
        services.inquiry_respond(
            inquiry=inquiry,
            by=world.alice,
            how="phone",
            note="",
            ip=None,
            at=at("2026-03-02 09:00") + datetime.timedelta(hours=n if n <= 8 else n + 16),
        )
    old = robins_inquiry(world)
    Inquiry.objects.filter(pk=old.pk).update(
        received_at=at("2025-11-03 09:00"),
        first_response_at=at("2025-11-20 09:00"),
        response_working_seconds=100 * 3600,
    )
    robins_inquiry(world)  # not answered yet: not in the figures
    hours = selectors.hours_for(world.practice)
    figures = selectors.response_figures(practice=world.practice, hours=hours, now=now)
    assert (figures.count, figures.median, figures.p90) == (10, 5 * 3600, 9 * 3600)


def test_the_figures_show_on_the_queue(world, login):
    inquiry = robins_inquiry(world)
    services.inquiry_respond(
        inquiry=inquiry,
        by=world.alice,
        how="phone",
        note="",
        ip=None,
        at=inquiry.received_at + datetime.timedelta(minutes=20),
    )
    response = login(world.alice).get(reverse("inquiries"))
    assert response.context["figures"].count == 1
    assert "Median" in response.content.decode()


def test_the_queue_query_count_does_not_grow(world, login, django_assert_max_num_queries):
    for n in range(40):
        robins_inquiry(world, name=f"Person {n}")
    for inquiry in Inquiry.objects.all()[:15]:
        services.inquiry_respond(inquiry=inquiry, by=world.alice, how="email", note="", ip=None)
    alice = login(world.alice)
    alice.get(reverse("inquiries"))
    with django_assert_max_num_queries(12):
        response = alice.get(reverse("inquiries"))
    assert len(response.context["queue"]["waiting"]) == 25
    assert len(response.context["queue"]["answered"]) == 15
