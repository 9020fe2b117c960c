import datetime
from unittest import mock

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Person
from kithkin.relationships.models import Episode, TherapyRelationship
from kithkin.relationships.services import episode_open, episode_transition
from kithkin.schedule import services
from kithkin.schedule.models import Session, SessionAttendee
from kithkin.schedule.services import (
    SessionError,
    session_schedule,
    session_set_status,
    session_update,
)
from kithkin.schedule.tests.conftest import soon


def session_events(world):
    return list(
        AuditEvent.objects.filter(practice=world.practice, resource_type="Session").order_by("seq")
    )


def schedule(world, **fields):
    fields = {"client": world.carol, "by": world.alice, "starts_at": soon(), **fields}
    return session_schedule(**fields)


def close_carols_episode(world, *, opened_days_ago=60):
    relationship = world.carol.therapy_relationships.get()
    opened = timezone.localdate() - datetime.timedelta(days=opened_days_ago)
    episode = episode_open(relationship=relationship, by=world.alice, on=opened)
    return episode_transition(episode=episode, by=world.alice, to="closed", ending_type="lapsed")


def test_the_joint_session_records_her_mother_as_a_planned_attendee(world, mother):
    session, created = schedule(
        world, kind="joint", modality="video", attendee_ids=[mother.pk], ip="10.0.0.9"
    )
    assert created
    assert (session.therapist, session.kind, session.modality, session.status) == (
        world.alice,
        "joint",
        "video",
        "scheduled",
    )
    [attendee] = session.attendees.all()
    assert (attendee.person, attendee.attendance) == (mother, "planned")
    [event] = session_events(world)
    assert (event.action, event.resource_id, event.client_id, event.ip) == (
        "session.schedule",
        str(session.pk),
        world.carol.pk,
        "10.0.0.9",
    )
    assert "joint, video, 50 min" in event.reason
    assert "mother" not in event.reason  # who attends stays on the session's own rows


def test_a_joint_session_needs_someone_from_the_client_s_life(world):
    with pytest.raises(SessionError, match="A joint session is with someone") as refused:
        schedule(world, kind="joint")
    assert refused.value.field == "attendees"
    assert not Session.objects.exists()


def test_an_individual_session_takes_no_attendees(world, mother):
    with pytest.raises(SessionError, match="individual session has no other attendees"):
        schedule(world, kind="individual", attendee_ids=[mother.pk])
    assert not Session.objects.exists()


def test_a_person_from_another_client_s_life_cannot_attend(world):
    daves_brother = Person.objects.create(
        practice=world.practice, client=world.dave, name="Dave's brother"
    )
    with pytest.raises(SessionError, match="Only people in this client's life") as refused:
        schedule(world, kind="family", attendee_ids=[daves_brother.pk])
    assert refused.value.field == "attendees"
    assert "Dave" not in str(refused.value)
    assert not Session.objects.exists() and not SessionAttendee.objects.exists()


def test_a_person_that_does_not_exist_cannot_attend(world):
    with pytest.raises(SessionError, match="Only people in this client's life"):
        schedule(world, kind="joint", attendee_ids=[987654321])


def test_an_unaware_partner_cannot_attend_and_the_reason_says_why(world, diane, mother):
    with pytest.raises(SessionError) as refused:
        schedule(world, kind="joint", attendee_ids=[mother.pk, diane.pk])
    assert str(refused.value).startswith(
        "Diane cannot attend: they are an unaware therapy partner, who must not know they are "
        "discussed."
    )
    assert not Session.objects.exists() and not SessionAttendee.objects.exists()
    assert session_events(world) == []


def test_a_person_who_is_not_yet_a_therapy_partner_may_attend(world):
    father = Person.objects.create(
        practice=world.practice, client=world.carol, name="Her father", role="father"
    )
    session, _ = schedule(world, kind="family", attendee_ids=[father.pk])
    assert session.attendees.get().person == father


def test_a_session_in_a_closed_episode_is_refused(world):
    close_carols_episode(world)
    with pytest.raises(SessionError) as refused:
        schedule(world)
    assert str(refused.value) == (
        "This episode is closed: open a new episode to schedule sessions."
    )
    assert refused.value.field == "starts_at"
    assert not Session.objects.exists()


def test_a_new_episode_opens_the_way_again(world):
    close_carols_episode(world)
    episode_open(relationship=world.carol.therapy_relationships.get(), by=world.alice)
    session, created = schedule(world)
    assert created and session.pk


def test_a_session_before_the_open_episode_opened_is_refused(world):
    episode_open(relationship=world.carol.therapy_relationships.get(), by=world.alice)
    with pytest.raises(SessionError, match="falls outside it"):
        schedule(world, starts_at=soon(days=-10))


def test_a_relationship_from_before_episodes_were_kept_accepts_any_date(world):
    session, _ = schedule(world, starts_at=soon(days=-30))
    assert session.starts_at == soon(days=-30)


def test_only_a_therapist_of_the_client_schedules_their_sessions(world):
    with pytest.raises(SessionError, match="Only a therapist of this client"):
        schedule(world, by=world.bob)
    relationship = world.carol.therapy_relationships.get()
    relationship.ended_on = timezone.localdate()
    relationship.save()
    with pytest.raises(SessionError, match="Only a therapist of this client"):
        schedule(world)
    assert not Session.objects.exists()


def test_a_bad_modality_or_length_is_refused(world):
    with pytest.raises(SessionError, match="not a modality"):
        schedule(world, modality="carrier pigeon")
    with pytest.raises(SessionError, match="at least a minute"):
        schedule(world, duration_minutes=0)
    with pytest.raises(SessionError, match="not a kind of session"):
        schedule(world, kind="walk")


def test_a_form_sent_twice_schedules_one_session(world, mother):
    once = dict(kind="joint", attendee_ids=[mother.pk], idempotency_key="k" * 32)
    first, created = schedule(world, **once)
    again, created_again = schedule(world, **once)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Session.objects.count() == 1 and SessionAttendee.objects.count() == 1
    assert len(session_events(world)) == 1


def test_the_same_form_sent_at_the_same_moment_still_schedules_once(world):
    """The other request inserted between this one's look and its insert: the unique key
    refuses the second row, and the answer is the first session."""
    key = "r" * 32
    real = services._sent_before
    calls = []

    def racing(client, by, k):
        calls.append(k)
        if len(calls) == 1:
            Session.objects.create(
                practice=world.practice,
                client=world.carol,
                therapist=world.alice,
                starts_at=soon(),
                idempotency_key=key,
            )
            return None  # it had not committed yet when this request looked
        return real(client, by, k)

    with mock.patch.object(services, "_sent_before", side_effect=racing):
        session, created = schedule(world, idempotency_key=key)
    assert not created
    assert Session.objects.get().pk == session.pk
    assert session_events(world) == []


def test_a_form_token_reused_for_another_client_is_refused(world):
    TherapyRelationship.objects.create(
        practice=world.practice, client=world.dave, therapist=world.alice, started_on=soon().date()
    )
    schedule(world, idempotency_key="t" * 32)
    with pytest.raises(SessionError, match="already used"):
        schedule(world, client=world.dave, idempotency_key="t" * 32)
    assert Session.objects.count() == 1


def test_the_database_keeps_one_session_per_form_in_a_practice(world):
    fields = dict(client=world.carol, therapist=world.alice, starts_at=soon())
    Session.objects.create(practice=world.practice, idempotency_key="x" * 20, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(practice=world.practice, idempotency_key="x" * 20, **fields)
    # Sessions made without a form have no key, and many share the empty one.
    Session.objects.create(practice=world.practice, **fields)
    Session.objects.create(practice=world.practice, **fields)


@pytest.mark.parametrize("bad", [{"status": "rescheduled"}, {"kind": "walk"}, {"modality": "fax"}])
def test_the_database_refuses_an_unknown_status_kind_or_modality(world, bad):
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            practice=world.practice,
            client=world.carol,
            therapist=world.alice,
            starts_at=soon(),
            **bad,
        )


def test_the_database_refuses_the_same_person_twice_at_a_session(world, mother, make_session):
    session = make_session(kind="joint")
    SessionAttendee.objects.create(practice=world.practice, session=session, person=mother)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionAttendee.objects.create(practice=world.practice, session=session, person=mother)


def test_when_the_audit_write_fails_no_session_is_half_written(world, mother):
    with (
        mock.patch("kithkin.schedule.services.audit_record", side_effect=DatabaseError("disk")),
        pytest.raises(DatabaseError),
    ):
        schedule(world, kind="joint", attendee_ids=[mother.pk], idempotency_key="a" * 32)
    assert not Session.objects.exists()
    assert not SessionAttendee.objects.exists()
    assert session_events(world) == []
    # The form's token was not spent: sending it again schedules the session.
    _, created = schedule(world, kind="joint", attendee_ids=[mother.pk], idempotency_key="a" * 32)
    assert created


# --- what happened ------------------------------------------------------------------------


def test_an_attended_joint_session_records_who_came(world, mother, make_session):
    father = Person.objects.create(practice=world.practice, client=world.carol, name="Father")
    session = make_session(kind="family", starts_at=soon(days=-1))
    for person in (mother, father):
        SessionAttendee.objects.create(practice=world.practice, session=session, person=person)
    session = session_set_status(
        session=session, by=world.alice, status="attended", attended_ids=[mother.pk]
    )
    assert session.status == "attended"
    attendance = dict(session.attendees.values_list("person__name", "attendance"))
    assert attendance == {"Her mother": "attended", "Father": "absent"}
    event = session_events(world)[-1]
    assert (event.action, event.reason) == (
        "session.status",
        "scheduled -> attended; 1 of 2 attendee(s) came",
    )


def test_a_cancellation_a_day_ahead_is_not_late(world, make_session):
    session = make_session(starts_at=timezone.now() + datetime.timedelta(hours=30))
    session = session_set_status(session=session, by=world.alice, status="cancelled")
    assert session.status == "cancelled"


def test_a_cancellation_within_24_hours_of_the_start_is_late(world, mother, make_session):
    session = make_session(kind="joint", starts_at=timezone.now() + datetime.timedelta(hours=5))
    SessionAttendee.objects.create(practice=world.practice, session=session, person=mother)
    session = session_set_status(session=session, by=world.alice, status="cancelled")
    assert session.status == "late_cancelled"
    assert session.attendees.get().attendance == "absent"
    assert "scheduled -> late_cancelled; notice " in session_events(world)[-1].reason


def test_a_cancellation_recorded_late_counts_from_the_notice(world, make_session):
    starts = timezone.now() - datetime.timedelta(hours=2)
    session = make_session(starts_at=starts)
    session = session_set_status(
        session=session,
        by=world.alice,
        status="cancelled",
        notice_at=starts - datetime.timedelta(days=2),
    )
    assert session.status == "cancelled"


def test_a_bad_status_is_refused_and_nothing_changes(world, make_session):
    session = make_session(starts_at=soon(days=-1))
    with pytest.raises(SessionError, match="is not a status of a session"):
        session_set_status(session=session, by=world.alice, status="rescheduled")
    with pytest.raises(SessionError, match="cannot go back to scheduled"):
        session_set_status(session=session, by=world.alice, status="scheduled")
    session.refresh_from_db()
    assert session.status == "scheduled"
    assert session_events(world) == []


def test_a_session_to_come_cannot_be_attended_yet(world, make_session):
    session = make_session(starts_at=soon(days=2))
    with pytest.raises(SessionError, match="has not begun yet"):
        session_set_status(session=session, by=world.alice, status="no_show")


def test_only_planned_attendees_can_be_recorded_as_coming(world, mother, make_session):
    session = make_session(starts_at=soon(days=-1))
    with pytest.raises(SessionError, match="planned attendees") as refused:
        session_set_status(
            session=session, by=world.alice, status="attended", attended_ids=[mother.pk]
        )
    assert refused.value.field == "attended"


def test_only_the_session_s_own_therapist_records_its_outcome(world, make_session):
    session = make_session(starts_at=soon(days=-1))
    with pytest.raises(SessionError, match="own therapist"):
        session_set_status(session=session, by=world.bob, status="attended")


def test_an_outcome_sent_twice_is_recorded_once(world, make_session):
    session = make_session(starts_at=soon(days=-1))
    once = dict(session=session, by=world.alice, status="no_show", expected_status="scheduled")
    session_set_status(**once)
    session_set_status(**once)
    assert Session.objects.get().status == "no_show"
    assert len(session_events(world)) == 1


def test_an_outcome_over_one_the_therapist_did_not_see_is_refused(world, make_session):
    session = make_session(starts_at=soon(days=-1))
    session_set_status(session=session, by=world.alice, status="no_show")
    with pytest.raises(SessionError, match="now no-show; the page you used was out of date"):
        session_set_status(
            session=session, by=world.alice, status="attended", expected_status="scheduled"
        )
    assert Session.objects.get().status == "no_show"


def test_an_outcome_may_be_corrected_and_back_to_scheduled_before_the_start(world, make_session):
    session = make_session(starts_at=soon(days=4))
    session_set_status(session=session, by=world.alice, status="cancelled")
    session = session_set_status(session=session, by=world.alice, status="scheduled")
    assert session.status == "scheduled"


def test_when_the_audit_write_fails_the_outcome_is_not_half_written(world, mother, make_session):
    session = make_session(kind="joint", starts_at=soon(days=-1))
    SessionAttendee.objects.create(practice=world.practice, session=session, person=mother)
    with (
        mock.patch("kithkin.schedule.services.audit_record", side_effect=DatabaseError("disk")),
        pytest.raises(DatabaseError),
    ):
        session_set_status(
            session=session, by=world.alice, status="attended", attended_ids=[mother.pk]
        )
    session.refresh_from_db()
    assert session.status == "scheduled"
    assert session.attendees.get().attendance == "planned"


# --- changes ------------------------------------------------------------------------------


def change(session, by, **fields):
    current = dict(
        starts_at=session.starts_at,
        duration_minutes=session.duration_minutes,
        modality=session.modality,
        kind=session.kind,
        attendee_ids=list(session.attendees.values_list("person_id", flat=True)),
    )
    return session_update(session=session, by=by, **{**current, **fields})


def test_a_session_becomes_joint_with_her_mother(world, mother, make_session):
    session = make_session()
    session = change(session, world.alice, kind="joint", attendee_ids=[mother.pk], modality="phone")
    assert (session.kind, session.modality) == ("joint", "phone")
    assert session.attendees.get().person == mother
    session = change(session, world.alice, kind="individual", attendee_ids=[])
    assert not session.attendees.exists()
    assert [e.action for e in session_events(world)] == ["session.update", "session.update"]


def test_rescheduling_into_a_closed_episode_is_refused(world, make_session):
    session = make_session(starts_at=soon(days=-5))
    close_carols_episode(world)
    with pytest.raises(SessionError, match="This episode is closed"):
        change(session, world.alice, starts_at=soon(days=2))
    # The record of a session in that episode may still be corrected where it stands.
    assert change(session, world.alice, modality="video").modality == "video"


def test_changes_keep_the_attendee_rules(world, diane, make_session):
    session = make_session()
    with pytest.raises(SessionError, match="Diane cannot attend"):
        change(session, world.alice, kind="joint", attendee_ids=[diane.pk])
    with pytest.raises(SessionError, match="own therapist"):
        change(session, world.bob, modality="video")
    assert Session.objects.get().kind == "individual"


def test_when_the_audit_write_fails_the_change_is_not_half_written(world, mother, make_session):
    session = make_session()
    with (
        mock.patch("kithkin.schedule.services.audit_record", side_effect=DatabaseError("disk")),
        pytest.raises(DatabaseError),
    ):
        change(session, world.alice, kind="joint", attendee_ids=[mother.pk])
    session.refresh_from_db()
    assert session.kind == "individual"
    assert not SessionAttendee.objects.exists()


def test_episodes_of_another_therapist_do_not_decide(world):
    """Carol's closed episode with bob does not stop alice's sessions with her."""
    with_bob = TherapyRelationship.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.bob,
        started_on=datetime.date(2025, 6, 2),
        ended_on=datetime.date(2025, 8, 1),
    )
    Episode.objects.create(
        practice=world.practice,
        relationship=with_bob,
        phase="closed",
        opened_on=datetime.date(2025, 6, 2),
        closed_on=datetime.date(2025, 8, 1),
        ending_type="referred",
        opened_by=world.bob,
    )
    _, created = schedule(world)
    assert created


def test_the_model_s_choices_are_the_core_s_values():
    from kithkin.core import schedule as core

    assert Session.Status.values == [s.value for s in core.Status]
    assert Session.Kind.values == [k.value for k in core.Kind]
    assert Session.Modality.values == [m.value for m in core.Modality]
    assert SessionAttendee.Attendance.values == [a.value for a in core.Attendance]
