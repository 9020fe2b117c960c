"""The "No alliance feedback" alert, raised when the third attended session in a row without an
alliance check-in is recorded: silence sends no response, so the recording is what raises it.
Once per silence, in the transaction that records the session, and audited."""

import threading
from unittest import mock

import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.measures import services
from kithkin.measures.models import Alert, FitReview
from kithkin.measures.tests.conftest import DAY, PHQ9_MILD, alliance, key
from kithkin.schedule.models import Session
from kithkin.schedule.services import session_set_status


@pytest.fixture
def held(world):
    """carol's sessions with alice, a week apart, the last one yesterday, none recorded yet."""

    def make(count: int, client=None) -> list[Session]:
        client = client or world.carol
        now = timezone.now()
        return [
            Session.objects.create(
                practice=client.practice,
                client=client,
                therapist=world.alice,
                starts_at=now - (count - n) * 7 * DAY - DAY,
            )
            for n in range(count)
        ]

    return make


@pytest.fixture
def record(world):
    """Records a session's outcome as alice does on the session page; returns the new alerts."""

    def set_status(session, status="attended"):
        return session_set_status(session=session, by=world.alice, status=status).new_alerts

    return set_status


def no_feedback():
    return list(Alert.objects.filter(kind="no_feedback").order_by("pk"))


# --- Raising it ---------------------------------------------------------------------------------


def test_the_third_silent_session_raises_one_alert_with_its_session_and_no_response(
    world, held, record
):
    first, second, third = held(3)
    assert record(first) == [] and record(second) == []
    [raised] = record(third)
    assert no_feedback() == [raised]
    assert (raised.kind, raised.session, raised.response, raised.session_number) == (
        "no_feedback",
        third,
        None,
        3,
    )
    assert raised.reason.startswith("No alliance check-in at the last 3 sessions (1, 2 and 3).")
    assert raised.client == world.carol and raised.is_open


def test_a_fourth_silent_session_does_not_raise_a_second_alert_while_the_first_is_open(
    held, record
):
    sessions = held(5)
    for session in sessions:
        record(session)
    [alert] = no_feedback()
    assert alert.session == sessions[2]


def test_after_acknowledging_the_next_silent_session_raises_it_again(world, held, record):
    sessions = held(5)
    for session in sessions[:3]:
        record(session)
    [first] = no_feedback()
    services.alert_acknowledge(alert=first, by=world.alice, note="Asked her about the check-in")
    # The core still finds three silent sessions (2, 3 and 4): the silence goes on.
    [again] = record(sessions[3])
    assert again.reason.startswith("No alliance check-in at the last 3 sessions (2, 3 and 4).")
    assert record(sessions[4]) == []
    assert no_feedback() == [first, again]


def test_an_alliance_check_in_in_between_starts_the_count_again(world, held, record, submit):
    sessions = held(6)
    record(sessions[0])
    record(sessions[1])
    submit("alliance", alliance(9), session=sessions[1])
    record(sessions[2])
    record(sessions[3])
    assert no_feedback() == []
    [alert] = record(sessions[4])
    assert alert.reason.startswith("No alliance check-in at the last 3 sessions (3, 4 and 5).")


def test_a_new_silence_after_feedback_resumed_raises_its_own_alert(world, held, record, submit):
    sessions = held(7)
    for session in sessions[:3]:
        record(session)
    record(sessions[3])
    submit("alliance", alliance(9), session=sessions[3])
    for session in sessions[4:]:
        record(session)
    # The first is still open, but speaks of an earlier silence.
    assert [a.session for a in no_feedback()] == [sessions[2], sessions[6]]


def test_other_scores_are_not_alliance_feedback(world, held, record, submit):
    first, second, third = held(3)
    for session in (first, second):
        record(session)
        submit("phq9", PHQ9_MILD, session=session)
    assert len(record(third)) == 1


def test_the_therapists_own_rating_is_not_the_clients_feedback(world, held, record, submit):
    first, second, third = held(3)
    record(first)
    record(second)
    submit(
        "alliance",
        alliance(9),
        session=second,
        by=world.alice,
        via="therapist",
        respondent="therapist",
    )
    assert len(record(third)) == 1


def test_a_cancelled_or_missed_session_raises_nothing(world, held, record):
    first, second, third, fourth = held(4)
    record(first)
    record(second)
    assert record(third, "cancelled") == []
    assert record(fourth, "no_show") == []
    assert no_feedback() == []
    fourth.refresh_from_db()
    assert services.session_recorded(session=fourth, by=world.alice) == []


def test_recording_the_same_session_again_raises_nothing_new(world, held, record):
    sessions = held(3)
    for session in sessions:
        record(session)
    [alert] = no_feedback()
    assert record(sessions[2]) == []  # sent twice
    record(sessions[2], "no_show")  # corrected, then corrected back
    assert record(sessions[2]) == []
    # Even once acknowledged: that session has had its say, and the database holds one alert
    # of a kind per recorded session.
    services.alert_acknowledge(alert=alert, by=world.alice, note="Seen")
    sessions[2].refresh_from_db()
    assert services.session_recorded(session=sessions[2], by=world.alice) == []
    assert no_feedback() == [alert]


def test_a_session_recorded_late_raises_the_alert_when_it_completes_the_silence(held, record):
    first, second, third = held(3)
    record(first)
    record(third)
    [alert] = record(second)
    # Raised by the late recording, at the newest session.
    assert (alert.session, alert.session_number) == (second, 3)


def test_a_session_recorded_late_behind_feedback_raises_nothing(world, held, record, submit):
    first, second, third, fourth = held(4)
    record(first)
    record(fourth)
    submit("alliance", alliance(9), session=fourth)
    # Sessions 2 and 3, recorded after the check-in at 4: the silence they make is already over.
    assert record(second) == []
    assert record(third) == []
    assert no_feedback() == []


def test_a_response_never_raises_it(world, attended, submit):
    # Sessions written straight to the table, as an import would: no recording, no alert; a
    # PHQ-9 at the third is not alliance feedback and cannot start a silence either.
    _, _, third = attended(3)
    response = submit("phq9", PHQ9_MILD, session=third)
    assert response.new_alerts == [] and no_feedback() == []


# --- Audit and atomicity ------------------------------------------------------------------------


def test_raising_it_writes_an_audit_event_by_the_therapist(world, held, record):
    sessions = held(3)
    record(sessions[0])
    record(sessions[1])
    assert not AuditEvent.objects.filter(action="measures.alert.raise").exists()
    [alert] = record(sessions[2])
    [event] = AuditEvent.objects.filter(action="measures.alert.raise")
    assert (event.actor_username, event.resource_type, event.resource_id) == (
        "alice",
        "Alert",
        str(alert.pk),
    )
    assert event.client_id == world.carol.pk and event.practice_id == world.practice.pk
    assert event.reason == (
        f"no_feedback alert at session 3, raised by recording session {sessions[2].pk} as attended"
    )
    # Recorded again: nothing raised, nothing audited.
    record(sessions[2], "no_show")
    record(sessions[2])
    assert AuditEvent.objects.filter(action="measures.alert.raise").count() == 1


def test_when_the_alert_cannot_be_saved_the_session_stays_unrecorded(world, held, record):
    sessions = held(3)
    record(sessions[0])
    record(sessions[1])
    with (
        mock.patch.object(Alert, "save", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        record(sessions[2])
    sessions[2].refresh_from_db()
    assert sessions[2].status == "scheduled"
    assert not Alert.objects.exists()
    assert not AuditEvent.objects.filter(
        action="session.status", resource_id=str(sessions[2].pk)
    ).exists()


def test_when_the_audit_write_fails_neither_the_alert_nor_the_status_is_kept(world, held, record):
    sessions = held(3)
    record(sessions[0])
    record(sessions[1])
    real = services.audit_record

    def refuse_the_raise(**event):
        if event["action"] == "measures.alert.raise":
            raise DatabaseError("audit unavailable")
        return real(**event)

    with (
        mock.patch.object(services, "audit_record", side_effect=refuse_the_raise),
        pytest.raises(DatabaseError),
    ):
        record(sessions[2])
    sessions[2].refresh_from_db()
    assert sessions[2].status == "scheduled" and not Alert.objects.exists()


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="needs concurrent connections to a database server",
)
@pytest.mark.django_db(transaction=True)
def test_two_sessions_recorded_at_once_raise_one_alert(world, held, record):
    # The second waits for the first (the client row, then the audit's chain head) and then
    # reads its session and alert. Each commit also runs its reminder job here: before the job
    # locked only the session row, the job and the other recording deadlocked.
    sessions = held(4)
    record(sessions[0])
    record(sessions[1])
    barrier = threading.Barrier(2)
    errors = []

    def attend(session):
        try:
            barrier.wait()
            record(session)
        except Exception as error:  # reported below, in the test's own thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attend, args=(s,)) for s in sessions[2:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Session.objects.filter(status="attended").count() == 4
    assert len(no_feedback()) == 1


# --- Where it shows -----------------------------------------------------------------------------


@pytest.fixture
def silent(world, held, record):
    """carol's three silent sessions, recorded: one open "No alliance feedback" alert."""
    sessions = held(3)
    for session in sessions:
        record(session)
    [alert] = no_feedback()
    return alert


def measures_url(world, *args, name="measures"):
    return reverse(name, args=[world.carol.pk, *args])


def test_the_session_page_says_the_alert_was_raised(world, login, held, record):
    sessions = held(3)
    record(sessions[0])
    record(sessions[1])
    outcome = reverse("session_outcome", args=[world.carol.pk, sessions[2].pk])
    page = login(world.alice).post(
        outcome, {"expected_status": "scheduled", "status": "attended"}, follow=True
    )
    body = page.content.decode()
    assert "The session is recorded as attended." in body
    assert "Alert raised: No alliance feedback." in body
    assert len(no_feedback()) == 1


def test_it_shows_on_the_caseload_dashboard_and_the_client_page(world, login, silent):
    alice = login(world.alice)
    [row] = alice.get(reverse("caseload")).context["rows"]
    assert (row.alerts, row.risk_alerts, row.needs_attention) == (1, 0, True)
    page = alice.get(reverse("client_detail", args=[world.carol.pk]))
    [shown] = page.context["open_alerts"]
    assert (shown["kind"], shown["session_number"]) == ("no_feedback", 3)
    assert "No alliance feedback, raised" in page.content.decode()


def test_the_measures_page_gives_the_reason_and_the_session_that_raised_it(world, login, silent):
    body = login(world.alice).get(measures_url(world)).content.decode()
    assert "No alliance check-in at the last 3 sessions (1, 2 and 3)." in body
    day = timezone.localtime(silent.session.starts_at).strftime("%-d %b %Y")
    assert f"{day}</time> was recorded as attended." in body


def test_the_measures_page_reads_no_more_queries_for_more_alerts_raised_by_sessions(
    world, login, held, record, submit, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    alice = login(world.alice)
    sessions = held(12)
    for session in sessions[:4]:
        record(session)
    submit("alliance", alliance(9), session=sessions[3])
    alice.get(measures_url(world))
    with CaptureQueriesContext(connection) as one:
        alice.get(measures_url(world))
    # Feedback at session 8 too, silence between: two more open alerts, each naming the
    # session whose recording raised it.
    for n, session in enumerate(sessions[4:], start=5):
        record(session)
        if n % 4 == 0:
            submit("alliance", alliance(9), session=session)
    assert [a.session_number for a in no_feedback() if a.is_open] == [3, 7, 11]
    with django_assert_max_num_queries(len(one)):
        assert alice.get(measures_url(world)).status_code == 200


def test_acknowledging_it_and_opening_a_fit_review_from_it(world, login, silent):
    alice = login(world.alice)
    done = alice.post(
        measures_url(world, silent.pk, name="measures_alert_acknowledge"),
        {f"a{silent.pk}-note": "Asked her; the email went to spam"},
    )
    assert done.status_code == 302
    silent.refresh_from_db()
    assert (silent.acknowledged_by, silent.note) == (
        world.alice,
        "Asked her; the email went to spam",
    )
    body = alice.get(measures_url(world)).content.decode()
    assert "No open alerts." in body and "acknowledged by Alice Example" in body
    saved = alice.post(
        measures_url(world, name="measures_fit_review"),
        {
            "key": key(),
            "feedback": "No check-ins for three sessions",
            "decision": "continue",
            "opened_from": str(silent.pk),
        },
    )
    assert saved.status_code == 302
    assert FitReview.objects.get().opened_from == silent
