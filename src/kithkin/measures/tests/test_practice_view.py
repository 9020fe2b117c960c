import datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client
from kithkin.measures.models import FeedbackSummary
from kithkin.measures.summaries import summaries_rebuild, summaries_refresh
from kithkin.measures.tests.conftest import (
    GAD7_MILD,
    GAD7_MODERATE,
    PHQ9_MILD,
    PHQ9_MODERATE,
    alliance,
)
from kithkin.relationships.models import Episode, TherapyRelationship
from kithkin.schedule import services as schedule
from kithkin.schedule.models import Session

URL = reverse("practice_feedback")
DAY = datetime.timedelta(days=1)
FIELDS = [
    "client_id",
    "therapist_id",
    "attended_sessions",
    "feedback_sessions",
    "alliance_sum",
    "alliance_0_2",
    "alliance_2_4",
    "alliance_4_6",
    "alliance_6_8",
    "alliance_8_10",
    "outcome_assessed",
    "case_at_start",
    "reliable_improvement",
    "recovered",
    "reliable_recovery",
    "reliable_deterioration",
]


def summaries():
    return sorted(FeedbackSummary.objects.values_list(*FIELDS))


def new_client(world, n: int, therapist) -> Client:
    client = Client.objects.create(
        practice=world.practice, given_name=f"Client{n}", family_name="Example"
    )
    TherapyRelationship.objects.create(
        practice=world.practice,
        client=client,
        therapist=therapist,
        started_on=datetime.date(2026, 1, 5),
    )
    return client


def recovering(attended, submit, client, therapist):
    """Two sessions: moderate on both measures, then mild, an alliance check-in at each."""
    first, second = attended(2, client=client, therapist=therapist)
    for session, phq9, gad7, score in (
        (first, PHQ9_MODERATE, GAD7_MODERATE, 7),
        (second, PHQ9_MILD, GAD7_MILD, 9),
    ):
        submit("phq9", phq9, client=client, by=therapist, via="office", session=session)
        submit("gad7", gad7, client=client, by=therapist, via="office", session=session)
        submit(
            "alliance", alliance(score), client=client, by=therapist, via="office", session=session
        )


def close(world, client, therapist, ending):
    relationship = TherapyRelationship.objects.get(client=client, therapist=therapist)
    Episode.objects.create(
        practice=world.practice,
        relationship=relationship,
        phase="closed",
        ending_type=ending,
        opened_on=datetime.date(2026, 1, 5),
        closed_on=datetime.date(2026, 3, 5),
        opened_by=therapist,
    )


# --- The summaries -------------------------------------------------------------------------------


def test_a_response_updates_the_clients_summary_in_the_same_transaction(world, attended, submit):
    (session,) = attended(1)
    submit("alliance", alliance(7), session=session)
    (row,) = FeedbackSummary.objects.all()
    assert (row.client_id, row.therapist_id) == (world.carol.pk, world.alice.pk)
    assert (row.attended_sessions, row.feedback_sessions, row.alliance_sum) == (1, 1, 7.0)
    assert (row.alliance_6_8, row.alliance_8_10) == (1, 0)
    assert not row.outcome_assessed


def test_a_course_with_two_paired_sessions_carries_its_talking_therapies_outcome(
    world, attended, submit
):
    recovering(attended, submit, world.carol, world.alice)
    (row,) = FeedbackSummary.objects.all()
    # PHQ-9 12 -> 5 (a fall of 7, reliable at 6) and GAD-7 11 -> 5 (6, reliable at 4), from
    # caseness to below it on both: a reliable recovery.
    assert row.outcome_assessed and row.case_at_start
    assert row.reliable_improvement and row.recovered and row.reliable_recovery
    assert not row.reliable_deterioration
    assert (row.attended_sessions, row.feedback_sessions, row.alliance_sum) == (2, 2, 16.0)


def test_a_client_seen_by_two_therapists_has_a_course_with_each(world, attended, submit):
    TherapyRelationship.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.bob,
        started_on=datetime.date(2026, 2, 1),
    )
    with_alice = attended(2)
    with_bob = attended(1, therapist=world.bob)
    submit("alliance", alliance(9), session=with_alice[0])
    submit("alliance", alliance(3), session=with_bob[0])
    rows = {row.therapist_id: row for row in FeedbackSummary.objects.all()}
    assert (rows[world.alice.pk].attended_sessions, rows[world.alice.pk].feedback_sessions) == (
        2,
        1,
    )
    assert (rows[world.bob.pk].attended_sessions, rows[world.bob.pk].alliance_2_4) == (1, 1)


def test_the_therapists_own_rating_is_not_the_clients_feedback(world, attended, submit):
    (session,) = attended(1)
    submit("alliance", alliance(8), session=session)
    submit(
        "alliance",
        alliance(4),
        session=session,
        by=world.alice,
        via="therapist",
        respondent="therapist",
    )
    (row,) = FeedbackSummary.objects.all()
    assert (row.feedback_sessions, row.alliance_sum) == (1, 8.0)


def test_the_rebuild_writes_what_the_responses_wrote_as_they_came(world, attended, submit):
    recovering(attended, submit, world.carol, world.alice)
    (session,) = attended(1, client=world.dave, therapist=world.bob)
    submit("alliance", alliance(2), client=world.dave, session=session)
    as_written = summaries()
    FeedbackSummary.objects.all().delete()
    assert summaries_rebuild(world.practice) == 2
    assert summaries() == as_written
    # Another practice's rows are not touched, and a rebuild run twice writes the same rows.
    assert summaries_rebuild(world.practice) == 2
    assert summaries() == as_written


def test_a_refresh_replaces_the_rows_rather_than_adding_to_them(world, attended, submit):
    (session,) = attended(1)
    submit("alliance", alliance(7), session=session)
    summaries_refresh(world.carol)
    summaries_refresh(world.carol)
    assert FeedbackSummary.objects.count() == 1


# --- The page ------------------------------------------------------------------------------------


@pytest.fixture
def practice_with_feedback(world, attended, submit):
    """Six of alice's clients recover; dave, bob's only client, gives one low check-in; one of
    alice's episodes lapsed and one ended as planned."""
    clients = [new_client(world, n, world.alice) for n in range(6)]
    for client in clients:
        recovering(attended, submit, client, world.alice)
    (session,) = attended(1, client=world.dave, therapist=world.bob)
    submit("alliance", alliance(2), client=world.dave, session=session)
    close(world, clients[0], world.alice, "lapsed")
    close(world, clients[1], world.alice, "planned")
    return clients


def line(body: str, heading: str) -> str:
    start = body.index(f">{heading}</h2>")
    end = body.find("</section>", start)
    return body[start:end]


def test_alice_sees_the_practice_and_her_own_figures(world, login, practice_with_feedback):
    page = login(world.alice).get(URL)
    body = page.content.decode()
    assert page.status_code == 200
    practice = line(body, "The whole practice")
    assert "Courses with feedback</dt><dd>7" in practice
    # Seven courses: six of alice's at 7 then 9, and dave's one at 2: (6 * 16 + 2) / 13 = 7.5.
    assert "7.5 out of 10 (13 check-ins)" in practice
    assert "100% (13 of 13 sessions attended)" in practice
    own = line(body, "Alice Example")
    assert "100% (6 of 6 clients assessed)" in own  # reliable improvement
    assert "100% (6 of 6 clients at caseness at the start)" in own  # recovery
    assert "withheld: fewer than 5 episodes closed" in own  # 1 of 2 dropped out: too few
    assert "8.0 out of 10 (12 check-ins)" in own
    assert "Bob Example" not in body


def test_no_client_is_named_on_the_practice_view(world, login, practice_with_feedback):
    body = login(world.adam).get(URL).content.decode()
    for client in [*practice_with_feedback, world.dave, world.carol]:
        assert client.given_name not in body
        assert client.family_name not in body or client.family_name == "Example"
    assert "Client0" not in body and "Dave" not in body


def test_a_figure_over_one_client_is_withheld(world, login, practice_with_feedback):
    body = login(world.adam).get(URL).content.decode()
    bob = line(body, "Bob Example")
    assert "withheld: fewer than 5 clients gave check-ins" in bob
    assert "withheld: fewer than 5 clients" in bob
    assert "2.0" not in bob and "0 to under 2" not in bob


def test_the_supervisor_sees_alice_and_the_admin_sees_everyone(
    world, login, practice_with_feedback
):
    sam = login(world.sam).get(URL).content.decode()
    assert "Alice Example" in sam and "Bob Example" not in sam
    adam = login(world.adam).get(URL).content.decode()
    assert "Alice Example" in adam and "Bob Example" in adam


def test_bob_sees_his_own_line_only(world, login, practice_with_feedback):
    body = login(world.bob).get(URL).content.decode()
    assert "Bob Example" in body and "Alice Example" not in body


@pytest.mark.parametrize("persona", ["carol_login", "dave_login"])
def test_clients_cannot_open_the_practice_view(world, login, persona):
    assert login(getattr(world, persona)).get(URL).status_code == 403


def test_another_practice_sees_only_its_own_figures(world, login, practice_with_feedback):
    body = login(world.mallory).get(URL).content.decode()
    assert "none yet (no alliance check-ins)" in body
    assert "Alice Example" not in body


def test_opening_the_practice_view_is_audited(world, login, practice_with_feedback):
    login(world.adam).get(URL)
    event = AuditEvent.objects.filter(actor=world.adam).latest("pk")
    assert (event.action, event.outcome) == ("practice_feedback.view", "allowed")


def test_the_practice_view_reads_the_same_number_of_queries_for_more_clients(
    world, login, attended, submit, django_assert_num_queries, practice_with_feedback
):
    reader = login(world.adam)
    reader.get(URL)
    with django_assert_num_queries(QUERIES):
        reader.get(URL)
    for n in range(6, 12):
        client = new_client(world, n, world.bob)
        (session,) = attended(1, client=client, therapist=world.bob)
        submit("alliance", alliance(8), client=client, by=world.bob, via="office", session=session)
    with django_assert_num_queries(QUERIES):
        page = reader.get(URL)
    # dave's 2 and six new clients' 8: 50 / 7.
    assert "7.1 out of 10 (7 check-ins)" in line(page.content.decode(), "Bob Example")


# The session and the user; the audit append (the chain head, the event, the head's update);
# the summaries, the closed episodes and the therapists' names.
QUERIES = 8


def test_recording_a_session_updates_the_summary_in_its_transaction(world, attended, submit):
    (first,) = attended(1)
    submit("alliance", alliance(8), session=first)
    later = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() - DAY / 2,
    )
    schedule.session_set_status(session=later, by=world.alice, status="attended")
    row = FeedbackSummary.objects.get()
    assert (row.attended_sessions, row.feedback_sessions) == (2, 1)
    # Corrected to a no-show, it no longer counts as a session without feedback.
    schedule.session_set_status(session=later, by=world.alice, status="no_show")
    row.refresh_from_db()
    assert (row.attended_sessions, row.feedback_sessions) == (1, 1)


def test_a_summary_that_fails_to_write_takes_the_session_status_with_it(world, attended, submit):
    later = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() - DAY,
    )
    with (
        mock.patch.object(FeedbackSummary.objects, "bulk_create", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        schedule.session_set_status(session=later, by=world.alice, status="attended")
    later.refresh_from_db()
    assert later.status == "scheduled"
    assert not FeedbackSummary.objects.exists()


def test_moving_an_attended_session_refreshes_the_outcome(world, attended, submit):
    first, second = attended(2)
    submit("phq9", PHQ9_MILD, session=first)
    submit("gad7", GAD7_MILD, session=first)
    submit("phq9", PHQ9_MODERATE, session=second)
    submit("gad7", GAD7_MODERATE, session=second)
    row = FeedbackSummary.objects.get()
    assert row.reliable_deterioration and not row.reliable_improvement
    # The first session is moved after the second: the scores now read moderate, then mild.
    schedule.session_update(
        session=first,
        by=world.alice,
        starts_at=second.starts_at + DAY / 4,
        duration_minutes=first.duration_minutes,
        modality=first.modality,
        kind=first.kind,
        attendee_ids=[],
    )
    row.refresh_from_db()
    assert row.reliable_improvement and not row.reliable_deterioration


def test_the_command_rebuilds_a_practices_summaries(world, attended, submit):
    (session,) = attended(1)
    submit("alliance", alliance(7), session=session)
    FeedbackSummary.objects.all().delete()
    out = StringIO()
    call_command("summaries", "--practice", "riverside", stdout=out)
    assert out.getvalue() == "Rebuilt 1 feedback summaries for Riverside.\n"
    assert FeedbackSummary.objects.get().alliance_sum == 7.0


def test_the_command_refuses_an_unknown_practice(world):
    with pytest.raises(CommandError, match="There is no practice with the slug 'nowhere'"):
        call_command("summaries", "--practice", "nowhere")
