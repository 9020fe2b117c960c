"""The alert: an inquiry waiting more than one working day for a first response is marked by the
periodic scan, audited, and shown on the queue and the clinicians' worklist."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.inquiries import services, tasks
from kithkin.inquiries.models import Inquiry
from kithkin.inquiries.tests.conftest import robins_inquiry

NEW_YORK = ZoneInfo("America/New_York")


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


@pytest.fixture
def friday_evening(world):
    """Robin reached out on Friday 6 March 2026 at 19:00, New York time."""
    world.practice.time_zone = "America/New_York"
    world.practice.save()
    inquiry = robins_inquiry(world)
    Inquiry.objects.filter(pk=inquiry.pk).update(received_at=at("2026-03-06 19:00"))
    inquiry.refresh_from_db()
    return inquiry


def test_a_friday_evening_inquiry_is_not_late_over_the_weekend_or_on_monday(friday_evening):
    for now in ("2026-03-07 12:00", "2026-03-08 23:00", "2026-03-09 16:59", "2026-03-09 17:00"):
        assert services.inquiries_mark_overdue(now=at(now)) == 0
    friday_evening.refresh_from_db()
    assert friday_evening.overdue_at is None
    assert not AuditEvent.objects.filter(action="inquiry.overdue").exists()


def test_it_raises_the_alert_once_a_working_day_has_gone_by(friday_evening):
    assert services.inquiries_mark_overdue(now=at("2026-03-10 09:05")) == 1
    friday_evening.refresh_from_db()
    # Marked at the moment the working day ran out: Monday at closing time.
    assert friday_evening.overdue_at == at("2026-03-09 17:00")
    event = AuditEvent.objects.get(action="inquiry.overdue")
    assert (event.actor_id, event.resource_id) == (None, str(friday_evening.pk))
    assert event.reason == "waited more than one working day for a first response"
    # A second scan raises nothing new.
    assert services.inquiries_mark_overdue(now=at("2026-03-10 12:00")) == 0
    assert AuditEvent.objects.filter(action="inquiry.overdue").count() == 1


def test_an_answered_inquiry_raises_no_alert(world, friday_evening):
    services.inquiry_respond(
        inquiry=friday_evening,
        by=world.alice,
        how="phone",
        note="",
        ip=None,
        at=at("2026-03-09 10:00"),
    )
    assert services.inquiries_mark_overdue(now=at("2026-03-12 12:00")) == 0


def test_a_closed_inquiry_raises_no_alert(world, friday_evening):
    services.inquiry_close(inquiry=friday_evening, by=world.alice, reason="spam", ip=None)
    assert services.inquiries_mark_overdue(now=at("2026-03-12 12:00")) == 0


def test_each_practice_is_measured_by_its_own_hours_and_zone(world, friday_evening):
    other = services.inquiry_receive(
        practice=world.elsewhere,
        data={"name": "Lee", "email": "lee@example.net", "concerns": "Work stress."},
        ip=None,
    )
    # Elsewhere keeps UTC: received Monday 09:00 UTC, its working day is over at 17:00 UTC.
    monday_nine_utc = datetime.datetime(2026, 3, 9, 9, 0, tzinfo=datetime.UTC)
    Inquiry.objects.filter(pk=other.pk).update(received_at=monday_nine_utc)
    # Monday 16:00 in New York is 20:00 UTC: Lee's working day ran out at 17:00 UTC; Robin's
    # (all of Monday in New York) has an hour to go.
    assert services.inquiries_mark_overdue(now=at("2026-03-09 16:00")) == 1
    assert Inquiry.objects.get(overdue_at__isnull=False) == other
    # Monday 17:30 New York: Robin's answer-by has passed too, though no more working time has.
    assert services.inquiries_mark_overdue(now=at("2026-03-09 17:30")) == 1
    other.refresh_from_db()
    assert other.overdue_at == datetime.datetime(2026, 3, 9, 17, 0, tzinfo=datetime.UTC)
    events = AuditEvent.objects.filter(action="inquiry.overdue")
    assert {e.practice_id for e in events} == {world.practice.pk, world.elsewhere.pk}


def test_the_periodic_task_runs_the_scan(friday_evening, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at("2026-03-11 09:00"))
    tasks.inquiries_overdue_scan.call_local()
    friday_evening.refresh_from_db()
    assert friday_evening.overdue_at == at("2026-03-09 17:00")


def test_the_worklist_shows_the_alert_to_clinicians(world, friday_evening, login):
    alice = login(world.alice)
    assert "Inquiries waiting more than one working day (0)" in (
        alice.get(reverse("worklist")).content.decode()
    )
    services.inquiries_mark_overdue(now=at("2026-03-10 12:00"))
    body = alice.get(reverse("worklist")).content.decode()
    assert "1 person has waited more than one working day for a first response." in body
    assert reverse("inquiries") in body
    # The alert names nobody and quotes nothing: the worklist is no place for the inquiry.
    assert "Robin" not in body and "father" not in body


def test_the_alert_leaves_the_worklist_once_answered(world, friday_evening, login):
    services.inquiries_mark_overdue(now=at("2026-03-10 12:00"))
    services.inquiry_respond(inquiry=friday_evening, by=world.bob, how="email", note="", ip=None)
    body = login(world.alice).get(reverse("worklist")).content.decode()
    assert "Inquiries waiting more than one working day (0)" in body


def test_the_other_practice_s_worklist_does_not_count_it(world, friday_evening, login):
    services.inquiries_mark_overdue(now=at("2026-03-10 12:00"))
    body = login(world.mallory).get(reverse("worklist")).content.decode()
    assert "Inquiries waiting more than one working day (0)" in body


def test_the_queue_flags_it(world, friday_evening, login, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at("2026-03-10 12:00"))
    response = login(world.sam).get(reverse("inquiries"))
    (row,) = response.context["queue"]["waiting"]
    assert row.overdue and row.waited == 11 * 3600
    assert "1 working day 3 h" in response.content.decode()
    assert "over one working day" in response.content.decode()
