import datetime

from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Person
from kithkin.relationships.models import TherapyRelationship
from kithkin.relationships.services import episode_open, episode_transition
from kithkin.schedule.models import Session, SessionAttendee
from kithkin.schedule.tests.conftest import soon

WHEN = "%Y-%m-%dT%H:%M"
# The session and user, the access check and its audit event, the sessions, their attendees
# with their people, and the policy's answer on whether to show the forms.
QUERIES = 8


def sessions_url(world):
    return reverse("client_sessions", args=[world.carol.pk])


def new_url(world):
    return reverse("session_new", args=[world.carol.pk])


def detail_url(session):
    return reverse("session_detail", args=[session.client_id, session.pk])


def outcome_url(session):
    return reverse("session_outcome", args=[session.client_id, session.pk])


def edit_url(session):
    return reverse("session_edit", args=[session.client_id, session.pk])


def form_data(**fields):
    data = {
        "idempotency_key": "f" * 32,
        "starts_at": timezone.localtime(soon()).strftime(WHEN),
        "duration_minutes": "50",
        "modality": "in_person",
        "kind": "individual",
    }
    data.update(fields)
    return data


def with_mother(world, mother, make_session, **fields):
    session = make_session(kind="joint", **fields)
    SessionAttendee.objects.create(practice=world.practice, session=session, person=mother)
    return session


# --- the list -----------------------------------------------------------------------------


def test_the_client_page_links_to_the_sessions(world, login):
    body = login(world.alice).get(reverse("client_detail", args=[world.carol.pk])).content
    assert sessions_url(world).encode() in body


def test_the_list_shows_what_is_to_come_and_what_has_been(world, login, mother, make_session):
    to_come = with_mother(world, mother, make_session, starts_at=soon(days=2))
    been = make_session(starts_at=soon(days=-7), status="attended")
    response = login(world.alice).get(sessions_url(world))
    assert response.status_code == 200
    sessions = response.context["sessions"]
    assert (sessions.upcoming, sessions.past) == ([to_come], [been])
    body = response.content.decode()
    assert "Schedule a session" in body
    assert "Her mother" in body
    assert detail_url(to_come) in body and detail_url(been) in body


def test_the_supervisor_reads_the_list_without_the_schedule_button(world, login, make_session):
    make_session()
    response = login(world.sam).get(sessions_url(world))
    assert response.status_code == 200
    assert "Schedule a session" not in response.content.decode()


# --- scheduling ---------------------------------------------------------------------------


def test_the_form_carries_a_fresh_token_and_offers_only_who_may_attend(world, login, diane, mother):
    alice = login(world.alice)
    first = alice.get(new_url(world))
    second = alice.get(new_url(world))
    assert first.status_code == 200
    key = first.context["form"].initial["idempotency_key"]
    assert len(key) >= 32 and key != second.context["form"].initial["idempotency_key"]
    body = first.content.decode()
    assert f'name="idempotency_key" value="{key}"' in body
    offered = [value for value, _ in first.context["form"].fields["attendees"].widget.choices]
    assert offered == [mother.pk]
    assert "Not offered: Diane, who must not know they are discussed (unaware)." in body
    assert "<legend>Who else attends" in body


def test_scheduling_the_joint_session_redirects_to_it(world, login, mother):
    response = login(world.alice).post(
        new_url(world), form_data(kind="joint", modality="video", attendees=[mother.pk])
    )
    session = Session.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(session)
    assert (session.kind, session.modality, session.therapist) == ("joint", "video", world.alice)
    assert session.attendees.get().person == mother
    page = login(world.alice).get(response.url).content.decode()
    assert "The session is scheduled." in page


def test_the_form_sent_twice_creates_one_session_and_both_land_on_it(world, login, mother):
    alice = login(world.alice)
    data = form_data(kind="joint", attendees=[mother.pk])
    first = alice.post(new_url(world), data)
    second = alice.post(new_url(world), data)
    session = Session.objects.get()
    assert first.url == second.url == detail_url(session)
    assert SessionAttendee.objects.count() == 1
    assert AuditEvent.objects.filter(action="session.schedule").count() == 1
    assert "This form was already sent" in alice.get(second.url).content.decode()


def test_a_session_in_a_closed_episode_is_refused_with_the_reason(world, login):
    relationship = world.carol.therapy_relationships.get()
    opened = timezone.localdate() - datetime.timedelta(days=30)
    episode = episode_open(relationship=relationship, by=world.alice, on=opened)
    episode_transition(episode=episode, by=world.alice, to="closed", ending_type="client_ended")
    response = login(world.alice).post(new_url(world), form_data())
    assert response.status_code == 422
    body = response.content.decode()
    assert "This episode is closed: open a new episode to schedule sessions." in body
    assert response.context["form"].errors["starts_at"]
    assert not Session.objects.exists()
    # The refused form keeps its token, so sending it again once fixed schedules once.
    assert f'value="{"f" * 32}"' in body


def test_an_unaware_partner_sent_anyway_is_refused_in_plain_words(world, login, diane):
    response = login(world.alice).post(
        new_url(world), form_data(kind="joint", attendees=[diane.pk])
    )
    assert response.status_code == 422
    assert "Diane cannot attend: they are an unaware therapy partner" in response.content.decode()
    assert not Session.objects.exists()


def test_a_person_of_another_client_is_not_a_choice(world, login):
    daves = Person.objects.create(practice=world.practice, client=world.dave, name="Dave's sister")
    response = login(world.alice).post(
        new_url(world), form_data(kind="joint", attendees=[daves.pk])
    )
    assert response.status_code == 422
    assert response.context["form"].errors["attendees"]
    assert "Dave&#x27;s sister" not in response.content.decode()
    assert not Session.objects.exists()


def test_a_joint_session_without_attendees_is_refused_beside_the_field(world, login):
    response = login(world.alice).post(new_url(world), form_data(kind="couple"))
    assert response.status_code == 422
    assert response.context["form"].errors["attendees"] == [
        "A couple session is with someone from the client's life: choose who attends."
    ]


def test_an_incomplete_form_says_what_is_missing(world, login):
    response = login(world.alice).post(new_url(world), {"idempotency_key": "f" * 32})
    assert response.status_code == 422
    assert set(response.context["form"].errors) >= {"starts_at", "duration_minutes", "kind"}


def test_another_therapist_of_the_client_schedules_their_own_sessions(world, login):
    TherapyRelationship.objects.create(
        practice=world.practice, client=world.carol, therapist=world.bob, started_on=soon().date()
    )
    response = login(world.bob).post(new_url(world), form_data())
    assert response.status_code == 302
    assert Session.objects.get().therapist == world.bob


# --- a session and its outcome ------------------------------------------------------------


def test_the_session_page_shows_what_it_is_and_who_attends(world, login, mother, make_session):
    session = with_mother(world, mother, make_session, modality="video", starts_at=soon(days=-1))
    response = login(world.alice).get(detail_url(session))
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Scheduled", "Video", "Joint", "Her mother", "Planned", "Record the outcome"):
        assert text in body
    assert timezone.localtime(session.starts_at).strftime("%-d %B %Y") in body


def test_the_supervisor_reads_the_session_without_controls(world, login, make_session):
    session = make_session()
    response = login(world.sam).get(detail_url(session))
    assert response.status_code == 200
    assert response.context["outcome_form"] is None
    assert "Record the outcome" not in response.content.decode()
    assert login(world.sam).post(outcome_url(session), {"status": "attended"}).status_code == 403


def test_recording_that_she_and_her_mother_came(world, login, mother, make_session):
    session = with_mother(world, mother, make_session, starts_at=soon(days=-1))
    response = login(world.alice).post(
        outcome_url(session),
        {"expected_status": "scheduled", "status": "attended", "attended": [mother.pk]},
    )
    assert response.status_code == 302 and response.url == detail_url(session)
    session.refresh_from_db()
    assert session.status == "attended"
    assert session.attendees.get().attendance == "attended"
    page = login(world.alice).get(response.url).content.decode()
    assert "recorded as attended" in page


def test_a_short_notice_cancellation_is_recorded_as_late(world, login, make_session):
    session = make_session(starts_at=timezone.now() + datetime.timedelta(hours=3))
    response = login(world.alice).post(
        outcome_url(session), {"expected_status": "scheduled", "status": "cancelled"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == "late_cancelled"


def test_an_outcome_too_early_is_refused_with_the_reason(world, login, make_session):
    session = make_session(starts_at=soon(days=2))
    response = login(world.alice).post(
        outcome_url(session), {"expected_status": "scheduled", "status": "attended"}
    )
    assert response.status_code == 422
    assert "has not begun yet" in response.content.decode()


def test_an_empty_outcome_says_what_is_missing(world, login, make_session):
    response = login(world.alice).post(outcome_url(make_session()), {})
    assert response.status_code == 422
    assert response.context["outcome_form"].errors["status"]


def test_a_session_of_another_client_is_not_found(world, login, make_session):
    TherapyRelationship.objects.create(
        practice=world.practice, client=world.dave, therapist=world.alice, started_on=soon().date()
    )
    daves = make_session(client=world.dave)
    alice = login(world.alice)
    wrong = reverse("session_detail", args=[world.carol.pk, daves.pk])
    assert alice.get(wrong).status_code == 404
    wrong = reverse("session_outcome", args=[world.carol.pk, daves.pk])
    assert alice.post(wrong, {"status": "cancelled"}).status_code == 404


def test_another_therapist_s_session_is_read_but_not_changed(world, login, make_session):
    TherapyRelationship.objects.create(
        practice=world.practice, client=world.carol, therapist=world.bob, started_on=soon().date()
    )
    bobs = make_session(therapist=world.bob, starts_at=soon(days=-1))
    alice = login(world.alice)
    response = alice.get(detail_url(bobs))
    assert response.status_code == 200 and response.context["outcome_form"] is None
    assert alice.post(outcome_url(bobs), {"status": "attended"}).status_code == 403
    assert alice.get(edit_url(bobs)).status_code == 403
    bobs.refresh_from_db()
    assert bobs.status == "scheduled"


# --- changes ------------------------------------------------------------------------------


def test_changing_a_session_into_a_joint_one(world, login, mother, make_session):
    session = make_session()
    alice = login(world.alice)
    form = alice.get(edit_url(session))
    assert form.status_code == 200
    assert "idempotency_key" not in form.context["form"].fields
    data = form_data(kind="joint", attendees=[mother.pk], modality="phone")
    del data["idempotency_key"]
    response = alice.post(edit_url(session), data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.kind, session.modality) == ("joint", "phone")
    assert session.attendees.get().person == mother


def test_a_refused_change_answers_422(world, login, diane, make_session):
    session = make_session()
    data = form_data(kind="joint", attendees=[diane.pk])
    response = login(world.alice).post(edit_url(session), data)
    assert response.status_code == 422
    assert "Diane cannot attend" in response.content.decode()


# --- query counts -------------------------------------------------------------------------


def many_sessions(world, people, count):
    sessions = Session.objects.bulk_create(
        Session(
            practice=world.practice,
            client=world.carol,
            therapist=world.alice,
            starts_at=soon(days=-2 * n + 20),
            kind="family",
        )
        for n in range(count)
    )
    SessionAttendee.objects.bulk_create(
        SessionAttendee(practice=world.practice, session=s, person=p)
        for s in sessions
        for p in people
    )


def test_the_sessions_list_keeps_its_query_count_as_sessions_grow(
    world, login, mother, django_assert_num_queries
):
    father = Person.objects.create(practice=world.practice, client=world.carol, name="Father")
    alice = login(world.alice)
    many_sessions(world, [mother, father], 5)
    alice.get(sessions_url(world))  # the first visit also starts the practice's audit chain
    with django_assert_num_queries(QUERIES):
        alice.get(sessions_url(world))
    many_sessions(world, [mother, father], 35)
    with django_assert_num_queries(QUERIES):
        response = alice.get(sessions_url(world))
    assert response.status_code == 200


def test_the_session_page_keeps_its_query_count_as_attendees_grow(
    world, login, make_session, django_assert_num_queries
):
    session = make_session(kind="family", starts_at=soon(days=-1))
    alice = login(world.alice)

    def add(n):
        for i in range(n):
            person = Person.objects.create(
                practice=world.practice, client=world.carol, name=f"Cousin {i}"
            )
            SessionAttendee.objects.create(practice=world.practice, session=session, person=person)

    add(1)
    alice.get(detail_url(session))
    with django_assert_num_queries(QUERIES):
        alice.get(detail_url(session))
    add(12)
    with django_assert_num_queries(QUERIES):
        alice.get(detail_url(session))
