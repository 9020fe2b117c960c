import datetime
from unittest import mock

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.core.instruments import InstrumentError
from kithkin.measures import selectors, services
from kithkin.measures.models import Alert, Answer, FitReview, OneTimeLink, Response
from kithkin.measures.services import LinkUnusable, MeasuresError
from kithkin.measures.tests.conftest import (
    GAD7_MILD,
    GAD7_MODERATE,
    PHQ9_MILD,
    PHQ9_MODERATE,
    alliance,
    key,
)


def events(world, prefix="measures."):
    return list(
        AuditEvent.objects.filter(practice=world.practice, action__startswith=prefix).order_by(
            "seq"
        )
    )


def kinds(client=None):
    return sorted(Alert.objects.values_list("kind", flat=True))


# --- Scoring and storing -----------------------------------------------------------------------


def test_a_phq9_is_stored_with_its_total_band_answers_and_an_audit_event(world, attended, submit):
    attended(1)
    response = submit("phq9", PHQ9_MODERATE, ip="10.0.0.7")
    response.refresh_from_db()
    assert (response.total, response.band, response.complete) == (12, "Moderate", True)
    assert (response.instrument_version, response.submitted_via) == ("1.0", "portal")
    assert response.item9 == "not_endorsed"
    assert dict(Answer.objects.values_list("item", "value")) == PHQ9_MODERATE
    assert selectors.history_of(world.carol).placed[response.pk] == 1
    [event] = events(world)
    assert (event.action, event.client_id, event.ip) == (
        "measures.response.submit",
        world.carol.pk,
        "10.0.0.7",
    )
    # Ids and codes only: the score stays in the row.
    assert "12" not in event.reason and "Moderate" not in event.reason


def test_an_incomplete_phq9_has_no_total_and_an_unanswered_item_9_is_unknown(world, submit):
    answers = {**PHQ9_MODERATE, 9: None}
    response = submit("phq9", answers)
    response.refresh_from_db()
    assert (response.total, response.band, response.complete, response.answered) == (
        None,
        "",
        False,
        8,
    )
    assert response.item9 == "unknown"
    assert not Answer.objects.filter(item=9).exists()
    assert not Alert.objects.filter(kind="risk").exists()


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_item_9_of_1_or_more_raises_a_risk_alert_whatever_the_total(world, submit, item9):
    answers = {**{n: 0 for n in range(1, 9)}, 9: item9}
    response = submit("phq9", answers)
    [alert] = Alert.objects.filter(kind="risk")
    assert (response.total, response.band) == (item9, "Minimal")
    assert alert.response == response and alert.client == world.carol
    assert "Review risk with the client today" in alert.reason
    assert "risk" in events(world)[-1].reason


def test_a_second_submission_with_the_same_key_returns_the_first_and_stores_nothing(world, submit):
    same = key()
    first = submit("phq9", {**PHQ9_MODERATE, 9: 1}, idempotency_key=same)
    again = submit("phq9", {**PHQ9_MODERATE, 9: 1}, idempotency_key=same)
    assert again.pk == first.pk
    assert (Response.objects.count(), Alert.objects.count(), len(events(world))) == (1, 1, 1)


def test_a_key_used_for_another_clients_response_is_refused(world, submit):
    same = key()
    submit("phq9", PHQ9_MODERATE, idempotency_key=same)
    with pytest.raises(MeasuresError, match="already used"):
        submit("phq9", PHQ9_MODERATE, client=world.dave, idempotency_key=same)
    assert Response.objects.count() == 1


def test_an_answer_out_of_range_is_refused_with_the_reason_and_nothing_is_stored(world, submit):
    with pytest.raises(InstrumentError, match="PHQ-9 item 4 takes 0, 1, 2 or 3; 4 is not"):
        submit("phq9", {**PHQ9_MODERATE, 4: 4})
    with pytest.raises(InstrumentError, match="has no item 12"):
        submit("gad7", {**GAD7_MILD, 12: 1})
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert events(world) == []


def test_an_unknown_instrument_is_refused_and_nothing_is_stored(world, submit):
    with pytest.raises(InstrumentError, match="There is no questionnaire called 'srs'"):
        submit("srs", {1: 5})
    assert not Response.objects.exists()


def test_a_session_of_another_client_is_refused(world, attended, submit):
    [daves] = attended(1, client=world.dave, therapist=world.bob)
    with pytest.raises(MeasuresError, match="not one of this client's"):
        submit("phq9", PHQ9_MODERATE, session=daves)
    assert not Response.objects.exists()


def failing_audit():
    return mock.patch(
        "kithkin.measures.services.audit_record", side_effect=DatabaseError("disk full")
    )


def test_when_the_audit_write_fails_no_response_answer_or_alert_is_left(world, submit):
    with failing_audit(), pytest.raises(DatabaseError):
        submit("phq9", {**PHQ9_MODERATE, 9: 3})
    assert (Response.objects.count(), Answer.objects.count(), Alert.objects.count()) == (0, 0, 0)


def test_the_free_text_is_stored_encrypted(world, submit):
    submit("alliance", alliance(9), free_text="  Less talk about my roommate Diane ")
    assert Response.objects.get().free_text == "Less talk about my roommate Diane"
    with connection.cursor() as cursor:
        cursor.execute("SELECT free_text FROM measures_response")
        [(stored,)] = cursor.fetchall()
    assert "Diane" not in stored
    assert "Diane" not in events(world)[-1].reason


def test_free_text_for_an_instrument_without_a_question_in_words_is_refused(world, submit):
    with pytest.raises(InstrumentError, match="no question answered in words"):
        submit("phq9", PHQ9_MODERATE, free_text="hello")
    assert not Response.objects.exists()


# --- Alerts over the history --------------------------------------------------------------------


def test_the_alliance_is_read_as_an_item_mean_against_the_cutoff_of_72(world, attended, submit):
    attended(2)
    submit("alliance", alliance(8))  # 72: on the line, not under it
    assert not Alert.objects.filter(kind="low_alliance").exists()
    submit("alliance", {**alliance(8), 1: 7})  # 71
    [low] = Alert.objects.filter(kind="low_alliance")
    assert "under the cut-off of 8" in low.reason


def test_the_practice_sets_its_own_alliance_cutoff(world, attended, submit):
    world.practice.alliance_cutoff = 54
    world.practice.save()
    world.carol.practice.refresh_from_db()
    attended(1)
    submit("alliance", alliance(6))  # 54, mean 6.0, on the practice's line
    assert not Alert.objects.filter(kind="low_alliance").exists()


def test_an_alliance_drop_from_the_previous_session_is_flagged(world, attended, submit):
    first, second = attended(2)
    submit("alliance", alliance(10), session=first)
    submit("alliance", alliance(9), session=second)
    [drop] = Alert.objects.filter(kind="alliance_drop")
    assert drop.session_number == 2


def test_an_identical_open_alert_is_not_raised_twice(world, attended, submit):
    attended(1)
    submit("phq9", {**PHQ9_MODERATE, 9: 2})
    submit("gad7", GAD7_MODERATE)  # the same session's item 9 is read again
    assert Alert.objects.filter(kind="risk").count() == 1
    # Once acknowledged, the same answer again is a new alert.
    services.alert_acknowledge(
        alert=Alert.objects.get(kind="risk"), by=world.alice, note="Safety plan reviewed"
    )
    submit("phq9", {**PHQ9_MODERATE, 9: 2})
    assert Alert.objects.filter(kind="risk").count() == 2


def test_the_therapists_own_alliance_rating_raises_no_alert(world, attended, submit):
    attended(1)
    response = submit(
        "alliance", alliance(2), by=world.alice, via="therapist", respondent="therapist"
    )
    assert response.respondent == "therapist" and response.entered_by == world.alice
    assert not Alert.objects.exists()


def test_the_therapist_rates_the_alliance_only(world, submit):
    with pytest.raises(MeasuresError, match="alliance check-in only"):
        submit("phq9", PHQ9_MODERATE, by=world.alice, via="therapist", respondent="therapist")
    assert not Response.objects.exists()


def test_reliable_deterioration_is_not_on_track_at_any_session(world, attended, submit):
    first, second = attended(2)
    submit("phq9", PHQ9_MILD, session=first)
    submit("gad7", GAD7_MILD, session=first)
    submit("phq9", {**PHQ9_MODERATE, 9: 0}, session=second)
    submit("gad7", GAD7_MODERATE, session=second)
    assert Alert.objects.filter(kind="not_on_track", session_number=2).exists()


def test_a_late_entry_is_read_against_its_own_session(world, attended, submit):
    first, _, _ = attended(3)
    submit("phq9", {**PHQ9_MODERATE, 9: 1}, session=first, via="office", by=world.alice)
    [risk] = Alert.objects.filter(kind="risk")
    assert risk.session_number == 1


def test_scores_before_the_first_session_count_as_session_1(world, submit):
    response = submit("phq9", {**PHQ9_MODERATE, 9: 1})
    assert selectors.history_of(world.carol).placed[response.pk] == 1
    assert Alert.objects.get(kind="risk").session_number == 1


# --- One-time links ------------------------------------------------------------------------------


def test_a_link_is_stored_only_as_a_hash_and_works_once(world):
    link, token = services.link_create(
        client=world.carol, instrument_code="alliance", by=world.alice
    )
    assert link.token_hash == services.token_hash(token) and token not in link.token_hash
    assert link.expires_at - link.created_at == datetime.timedelta(days=7)
    response = services.link_redeem(token=token, answers=alliance(9), idempotency_key=key())
    link.refresh_from_db()
    assert (response.client, response.submitted_via, response.entered_by) == (
        world.carol,
        "link",
        None,
    )
    assert link.used_at is not None and link.response == response
    assert [e.action for e in events(world)] == [
        "measures.link.create",
        "measures.response.submit",
        "measures.link.redeem",
    ]
    with pytest.raises(LinkUnusable, match="expired or was already used"):
        services.link_redeem(token=token, answers=alliance(1), idempotency_key=key())
    assert Response.objects.count() == 1


def test_the_same_link_form_sent_twice_returns_its_one_response(world):
    _, token = services.link_create(client=world.carol, instrument_code="gad7", by=world.alice)
    same = key()
    first = services.link_redeem(token=token, answers=GAD7_MILD, idempotency_key=same)
    again = services.link_redeem(token=token, answers=GAD7_MILD, idempotency_key=same)
    assert first.pk == again.pk and Response.objects.count() == 1


def test_an_expired_or_unknown_link_is_refused_alike_and_stores_nothing(world):
    link, token = services.link_create(client=world.carol, instrument_code="gad7", by=world.alice)
    OneTimeLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    for attempt in (token, "not-a-token"):
        with pytest.raises(LinkUnusable) as refused:
            services.link_redeem(token=attempt, answers=GAD7_MILD, idempotency_key=key())
        assert str(refused.value) == "This link has expired or was already used."
    assert not Response.objects.exists()


def test_a_link_answers_only_its_own_questionnaire(world):
    _, token = services.link_create(client=world.carol, instrument_code="gad7", by=world.alice)
    # PHQ-9 answers through a GAD-7 link: item 8 and 9 do not exist in the GAD-7.
    with pytest.raises(InstrumentError, match="GAD-7 has no item 8"):
        services.link_redeem(token=token, answers=PHQ9_MODERATE, idempotency_key=key())
    assert not Response.objects.exists()
    assert OneTimeLink.objects.get().used_at is None


def test_when_the_audit_write_fails_the_link_stays_unused(world):
    _, token = services.link_create(client=world.carol, instrument_code="gad7", by=world.alice)
    with failing_audit(), pytest.raises(DatabaseError):
        services.link_redeem(token=token, answers=GAD7_MILD, idempotency_key=key())
    assert OneTimeLink.objects.get().used_at is None and not Response.objects.exists()


def test_a_link_lasts_from_1_to_30_days(world):
    with pytest.raises(MeasuresError, match="from 1 to 30 days"):
        services.link_create(client=world.carol, instrument_code="gad7", by=world.alice, days=31)
    with pytest.raises(InstrumentError):
        services.link_create(client=world.carol, instrument_code="ors", by=world.alice)
    assert not OneTimeLink.objects.exists()


# --- Acknowledging and fit reviews ----------------------------------------------------------------


@pytest.fixture
def risk_alert(world, submit):
    submit("phq9", {**PHQ9_MODERATE, 9: 2})
    return Alert.objects.get(kind="risk")


def test_an_alert_is_acknowledged_by_a_named_person_with_an_encrypted_note(world, risk_alert):
    done = services.alert_acknowledge(
        alert=risk_alert, by=world.sam, note="Called her; safety plan in place", ip="10.0.0.2"
    )
    assert (done.acknowledged_by, done.note) == (world.sam, "Called her; safety plan in place")
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM measures_alert")
        [(stored,)] = cursor.fetchall()
    assert "safety" not in stored
    event = events(world)[-1]
    assert (event.action, event.actor_username) == ("measures.alert.acknowledge", "sam")
    assert "safety" not in event.reason


def test_an_acknowledgement_needs_a_note_and_is_given_once(world, risk_alert):
    with pytest.raises(MeasuresError, match="Write a note"):
        services.alert_acknowledge(alert=risk_alert, by=world.alice, note="   ")
    services.alert_acknowledge(alert=risk_alert, by=world.alice, note="Seen")
    with pytest.raises(MeasuresError, match="already acknowledged by Alice Example"):
        services.alert_acknowledge(alert=risk_alert, by=world.sam, note="Seen too")


def test_when_the_audit_write_fails_the_alert_stays_open(world, risk_alert):
    with failing_audit(), pytest.raises(DatabaseError):
        services.alert_acknowledge(alert=risk_alert, by=world.alice, note="Seen")
    risk_alert.refresh_from_db()
    assert risk_alert.is_open and risk_alert.note == ""


def test_a_fit_review_records_the_decision_and_refer_records_only_the_intent(world, risk_alert):
    review = services.fit_review_create(
        client=world.carol,
        by=world.alice,
        feedback="Alliance dipped after we moved to weekly",
        tried="Talked about pace",
        decision="refer",
        opened_from=risk_alert,
        idempotency_key=key(),
    )
    assert (review.decision, review.opened_from, review.by) == ("refer", risk_alert, world.alice)
    event = events(world)[-1]
    assert event.action == "measures.fit_review.create" and "weekly" not in event.reason


def test_a_fit_review_is_refused_without_feedback_or_from_another_clients_alert(
    world, risk_alert, submit
):
    with pytest.raises(MeasuresError, match="what the feedback says"):
        services.fit_review_create(
            client=world.carol,
            by=world.alice,
            feedback="",
            decision="continue",
            idempotency_key=key(),
        )
    with pytest.raises(MeasuresError, match="not one of this client's"):
        services.fit_review_create(
            client=world.dave,
            by=world.bob,
            feedback="x",
            decision="continue",
            opened_from=risk_alert,
            idempotency_key=key(),
        )
    assert not FitReview.objects.exists()


def test_a_fit_review_form_sent_twice_records_one_review(world):
    same = key()
    for _ in range(2):
        services.fit_review_create(
            client=world.carol,
            by=world.alice,
            feedback="We vibe",
            decision="continue",
            idempotency_key=same,
        )
    assert FitReview.objects.count() == 1


def test_the_fit_check_is_due_after_the_third_session_until_a_review_is_written(world, attended):
    attended(2)
    assert selectors.fit_check_due(world.carol, selectors.attended_sessions(world.carol)) is None
    attended(1)
    sessions = selectors.attended_sessions(world.carol)
    assert selectors.fit_check_due(world.carol, sessions) == sessions[2]
    services.fit_review_create(
        client=world.carol,
        by=world.alice,
        feedback="We vibe",
        decision="continue",
        idempotency_key=key(),
    )
    assert selectors.fit_check_due(world.carol, sessions) is None
