"""The calendar feed (docs/calendar-feed.md): alice subscribes to her sessions and check-ins from
her phone. The feed names no client, and opens only with its live secret."""

import datetime
import hashlib
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Person
from kithkin.partners.models import TherapyPartner
from kithkin.plans import services as plans
from kithkin.plans.models import CheckIn
from kithkin.schedule import feed as calendar_feed
from kithkin.schedule import services
from kithkin.schedule.models import CalendarFeed, Session, SessionAttendee

DAY = datetime.timedelta(days=1)
# The feed and its user; the sessions; the check-ins held; the caseload and its plans in use;
# the fetch's audit event (chain head, event, head update).
FEED_QUERIES = 8
# The session and user, the visit's audit event (three), the feed, the clients with their codes.
PAGE_QUERIES = 7


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


def feed_url(secret: str) -> str:
    return reverse("calendar_feed_ics", args=[secret])


def a_feed(user) -> str:
    _, secret = services.calendar_feed_rotate(user=user)
    return secret


def fetch(client, secret: str):
    client.logout()  # a calendar app has no session
    return client.get(feed_url(secret))


def parsed(response) -> Calendar:
    assert response.status_code == 200, response.content
    return Calendar.from_ical(response.content)


def events(response) -> dict[str, object]:
    return {str(event.uid): event for event in parsed(response).events}


def session(world, *, days=1, client=None, therapist=None, **fields) -> Session:
    return Session.objects.create(
        practice=world.practice,
        client=client or world.carol,
        therapist=therapist or world.alice,
        starts_at=timezone.now() + days * DAY,
        **fields,
    )


def signed_plan(world, *, client=None, by=None):
    """A signed plan with a check-in every four weeks, the default cadence."""
    client = client or world.carol
    by = by or world.alice
    today = timezone.localdate()
    plan = plans.plan_start(client=client, by=by, starts_on=today - 14 * DAY)
    version = plan.versions.get()
    plans.goal_add(
        version=version,
        by=by,
        goal=plans.GoalInput(
            description="Talk to her mother", criterion="A joint session", target_date=today
        ),
    )
    plans.version_sign(version=version, by=by)
    return plan


def held(plan, *, by, on: datetime.date) -> CheckIn:
    return CheckIn.objects.create(
        practice_id=plan.practice_id, plan=plan, version=plan.versions.get(), held_on=on, by=by
    )


def code(client) -> str:
    return f"K-{client.pk:04d}"


# The page where the URL is made


def test_the_feed_page_is_for_clinicians_only(world, client):
    url = reverse("calendar_feed")
    assert client.get(url).status_code == 302  # to the login page
    for user in (world.adam, world.carol_login):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(reverse("calendar_feed_rotate")).status_code == 403
        assert client.post(reverse("calendar_feed_revoke")).status_code == 403
    assert not CalendarFeed.objects.exists()
    for user in (world.alice, world.sam):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_the_calendar_page_links_to_the_feed_page(world, login):
    body = login(world.alice).get(reverse("calendar")).content.decode()
    assert reverse("calendar_feed") in body


def test_making_a_url_shows_it_once_and_keeps_only_its_hash(world, login):
    alice = login(world.alice)
    response = alice.post(reverse("calendar_feed_rotate"))
    assert response.status_code == 200
    body = response.content.decode()
    [secret] = re.findall(r"/calendar/feed/([A-Za-z0-9_-]+)\.ics", body)
    assert len(secret) >= 43  # 32 random bytes in URL-safe base64
    assert "no-store" in response["Cache-Control"]
    feed = CalendarFeed.objects.get(user=world.alice)
    assert feed.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert feed.practice_id == world.practice.pk and feed.is_active
    event = AuditEvent.objects.get(action="calendar_feed.create")
    assert event.actor_id == world.alice.pk and secret not in event.reason
    again = alice.get(reverse("calendar_feed")).content.decode()
    assert secret not in again and "Your feed is on" in again


def test_the_page_lists_her_own_clients_codes_beside_their_names(world, login):
    body = login(world.alice).get(reverse("calendar_feed")).content.decode()
    assert code(world.carol) in body and "Carol Quill" in body
    assert code(world.dave) not in body and "Dave" not in body


def test_rotating_kills_the_old_url(world, client):
    old = a_feed(world.alice)
    client.force_login(world.alice)
    response = client.post(reverse("calendar_feed_rotate"))
    [new] = re.findall(r"/calendar/feed/([A-Za-z0-9_-]+)\.ics", response.content.decode())
    assert new != old
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200
    assert CalendarFeed.objects.filter(user=world.alice).count() == 1
    assert AuditEvent.objects.filter(action="calendar_feed.rotate").count() == 1


def test_turning_the_feed_off_kills_its_url_once(world, client):
    secret = a_feed(world.alice)
    client.force_login(world.alice)
    response = client.post(reverse("calendar_feed_revoke"), follow=True)
    assert "Your calendar feed is off" in response.content.decode()
    again = client.post(reverse("calendar_feed_revoke"), follow=True)
    assert "already off" in again.content.decode()
    assert AuditEvent.objects.filter(action="calendar_feed.revoke").count() == 1
    assert fetch(client, secret).status_code == 404
    # A new URL turns it back on.
    assert fetch(client, a_feed(world.alice)).status_code == 200


def test_revoking_without_a_feed_writes_nothing(world, login):
    response = login(world.alice).post(reverse("calendar_feed_revoke"))
    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendar_feed").exists()


# The feed


def test_the_feed_is_icalendar_with_her_sessions_and_check_ins_in_the_window(world, client):
    soon = session(world, days=1, kind="joint", modality="video")
    last_week = session(world, days=-7, status=Session.Status.ATTENDED)
    session(world, days=-(calendar_feed.DAYS_BACK + 1))  # too long ago
    session(world, days=calendar_feed.DAYS_AHEAD + 1)  # too far ahead
    session(world, client=world.dave, therapist=world.bob)  # bob's
    plan = signed_plan(world)
    last_check_in = held(plan, by=world.alice, on=timezone.localdate() - 7 * DAY)
    response = fetch(client, a_feed(world.alice))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parsed(response)
    assert calendar["PRODID"] == calendar_feed.PRODID
    found = {str(e.uid): e for e in calendar.events}
    due_uid = f"check-in-due-plan-{plan.pk}@kithkin"
    assert set(found) == {
        f"session-{soon.pk}@kithkin",
        f"session-{last_week.pk}@kithkin",
        f"check-in-{last_check_in.pk}@kithkin",
        due_uid,
    }
    first = found[f"session-{soon.pk}@kithkin"]
    assert str(first["SUMMARY"]) == f"Session · client {code(world.carol)}"
    assert first.start == soon.starts_at.replace(microsecond=0)
    assert first.end - first.start == datetime.timedelta(minutes=50)
    assert str(first["STATUS"]) == "CONFIRMED" and str(first["CLASS"]) == "PRIVATE"
    assert "Joint session, video, 50 minutes." in str(first["DESCRIPTION"])
    assert str(first["URL"]).endswith(reverse("session_detail", args=[world.carol.pk, soon.pk]))
    # Every four weeks from the last check-in: an all-day event that does not block time.
    due = found[due_uid]
    assert due.start == timezone.localdate() + 21 * DAY
    assert str(due["SUMMARY"]) == f"Check-in due · client {code(world.carol)}"
    assert str(due["TRANSP"]) == "TRANSPARENT"
    assert found[f"check-in-{last_check_in.pk}@kithkin"].start == last_check_in.held_on


def test_the_uids_stay_the_same_from_fetch_to_fetch(world, client):
    session(world)
    signed_plan(world)
    secret = a_feed(world.alice)
    first = set(events(fetch(client, secret)))
    assert first == set(events(fetch(client, secret)))
    assert len(first) == 2


def test_the_feed_names_no_client_partner_or_therapist_note(world, client):
    world.carol.preferred_name = "Caz"
    world.carol.save()
    mother = Person.objects.create(
        practice=world.practice, client=world.carol, name="Maggie Quill", role="mother"
    )
    TherapyPartner.objects.create(
        practice=world.practice, person=mother, involvement="joint_sessions"
    )
    diane = world.carol.people.get(name="Diane")
    TherapyPartner.objects.create(practice=world.practice, person=diane, involvement="unaware")
    joint = session(world, kind="joint")
    SessionAttendee.objects.create(practice=world.practice, session=joint, person=mother)
    plan = signed_plan(world)
    check_in = held(plan, by=world.alice, on=timezone.localdate())
    check_in.note = "Talked about Diane and the rent"
    check_in.save()
    body = fetch(client, a_feed(world.alice)).content.decode()
    assert code(world.carol) in body
    for text in ("Carol", "Quill", "Caz", "Maggie", "mother", "Diane", "the rent", "carol@"):
        assert text not in body and text.upper() not in body, text


def test_cancelled_sessions_are_marked_so_calendars_remove_them(world, client):
    cancelled = session(world, status=Session.Status.CANCELLED)
    late = session(world, days=2, status=Session.Status.LATE_CANCELLED)
    missed = session(world, days=-1, status=Session.Status.NO_SHOW)
    found = events(fetch(client, a_feed(world.alice)))
    for cancelled_one in (cancelled, late):
        event = found[f"session-{cancelled_one.pk}@kithkin"]
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["TRANSP"]) == "TRANSPARENT"
    assert "(late-cancelled)" in str(found[f"session-{late.pk}@kithkin"]["SUMMARY"])
    no_show = found[f"session-{missed.pk}@kithkin"]
    assert str(no_show["STATUS"]) == "CONFIRMED" and "(no-show)" in str(no_show["SUMMARY"])


def test_a_supervisors_feed_is_their_own_diary(world, client):
    session(world)  # alice's, whom sam supervises
    signed_plan(world)
    assert events(fetch(client, a_feed(world.sam))) == {}


def test_an_unknown_or_malformed_secret_is_not_found(world, client):
    a_feed(world.alice)
    for secret in ("x", "A" * 43, "A" * 300, "%00"):
        assert client.get(feed_url(secret)).status_code == 404
    assert not AuditEvent.objects.filter(action="calendar_feed.fetch").exists()


def test_a_deactivated_users_feed_is_not_found(world, client):
    secret = a_feed(world.alice)
    world.alice.is_active = False
    world.alice.save()
    assert fetch(client, secret).status_code == 404


def test_a_feed_of_someone_no_longer_a_clinician_is_not_found(world, client):
    secret = a_feed(world.alice)
    world.alice.role = "admin"
    world.alice.supervisor = None
    world.alice.save()
    assert fetch(client, secret).status_code == 404


def test_the_feed_answers_get_only(world, client):
    secret = a_feed(world.alice)
    assert client.post(feed_url(secret)).status_code == 405
    assert client.put(feed_url(secret)).status_code == 405
    assert not AuditEvent.objects.filter(action="calendar_feed.fetch").exists()


def test_each_fetch_writes_one_audit_event_naming_the_therapist(world, client):
    session(world)
    session(world, days=2, client=world.carol)
    signed_plan(world)
    secret = a_feed(world.alice)
    fetch(client, secret)
    # Signed in as bob in the same browser, the URL still opens alice's feed, as alice.
    client.force_login(world.bob)
    assert client.get(feed_url(secret)).status_code == 200
    fetches = list(AuditEvent.objects.filter(action="calendar_feed.fetch").order_by("seq"))
    assert len(fetches) == 2
    for event in fetches:
        assert event.actor_id == world.alice.pk
        assert event.client_id is None  # one event for the feed, not one per client
        assert event.resource_type == "CalendarFeed"
        assert event.reason == "2 sessions, 1 check-ins [via calendar feed]"


def test_the_feed_costs_the_same_queries_for_one_session_or_many(
    world, client, django_assert_num_queries
):
    session(world)
    secret = a_feed(world.alice)
    client.logout()
    with django_assert_num_queries(FEED_QUERIES):
        assert len(events(client.get(feed_url(secret)))) == 1
    for day in range(2, 42):
        session(world, days=day)
        session(world, days=-day // 2, status=Session.Status.ATTENDED)
    signed_plan(world)
    with django_assert_num_queries(FEED_QUERIES):
        assert len(events(client.get(feed_url(secret)))) == 1 + 40 + 40 + 1


def test_the_feed_is_bounded(world, client, monkeypatch):
    monkeypatch.setattr(calendar_feed, "MAX_SESSIONS", 3)
    for day in range(1, 6):
        session(world, days=day)
    found = events(fetch(client, a_feed(world.alice)))
    assert len(found) == 3


def test_a_feed_fetched_too_often_is_refused_for_a_while(world, client, settings):
    settings.KITHKIN_CALENDAR_FEED_RATE = "2/h"
    secret = a_feed(world.alice)
    assert fetch(client, secret).status_code == 200
    assert fetch(client, secret).status_code == 200
    refused = fetch(client, secret)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # Another therapist's feed has its own count.
    assert fetch(client, a_feed(world.bob)).status_code == 200
    assert AuditEvent.objects.filter(action="calendar_feed.fetch").count() == 3


def test_another_practices_clinician_sees_nothing_of_ours(world, client):
    session(world)
    signed_plan(world)
    body = fetch(client, a_feed(world.mallory)).content.decode()
    assert "VEVENT" not in body and code(world.carol) not in body
    client.force_login(world.mallory)
    page = client.get(reverse("calendar_feed")).content.decode()
    assert "Quill" not in page and code(world.carol) not in page


def test_the_page_costs_the_same_queries_for_one_client_or_many(
    world, login, django_assert_num_queries
):
    from kithkin.clients.models import Client
    from kithkin.relationships.models import TherapyRelationship

    a_feed(world.alice)
    alice = login(world.alice)
    alice.get(reverse("calendar_feed"))  # the session's first visit writes its start time

    with django_assert_num_queries(PAGE_QUERIES):
        assert alice.get(reverse("calendar_feed")).status_code == 200
    for n in range(20):
        other = Client.objects.create(
            practice=world.practice, given_name=f"Client{n}", family_name="Example"
        )
        TherapyRelationship.objects.create(
            practice=world.practice,
            client=other,
            therapist=world.alice,
            started_on=datetime.date(2026, 1, 5),
        )
    with django_assert_num_queries(PAGE_QUERIES):
        page = alice.get(reverse("calendar_feed")).content.decode()
    assert page.count('<th scope="row"><code>K-') == 21
