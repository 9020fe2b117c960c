import re

from django.urls import reverse

from kithkin.audit.models import AuditEvent
from kithkin.measures import services
from kithkin.measures.models import Alert, FitReview, OneTimeLink, Response
from kithkin.measures.tests.conftest import (
    GAD7_MILD,
    GAD7_MODERATE,
    PHQ9_MILD,
    PHQ9_MODERATE,
    alliance,
    key,
)

LABEL = "A reflective tool, not a validated instrument"


def url(name, world, *args):
    return reverse(name, args=[world.carol.pk, *args])


def text(response) -> str:
    return response.content.decode()


def items(answers, prefix=""):
    return {f"{prefix}item_{n}": str(v) for n, v in answers.items()}


def test_the_measures_page_shows_scores_bands_trajectories_outcome_and_the_alliance_gap(
    world, login, attended, submit
):
    first, second = attended(2)
    submit("phq9", PHQ9_MODERATE, session=first)
    submit("gad7", GAD7_MODERATE, session=first)
    submit("phq9", PHQ9_MILD, session=second)
    submit("gad7", GAD7_MILD, session=second)
    submit("alliance", {**alliance(9), 3: 6}, session=second, free_text="Slower, please")
    submit(
        "alliance",
        alliance(8),
        session=second,
        by=world.alice,
        via="therapist",
        respondent="therapist",
    )
    page = login(world.alice).get(url("measures", world))
    body = text(page)
    assert page.status_code == 200
    assert "5 of 27: Mild" in body and "5 of 21: Mild" in body
    assert "Item 9 (thoughts of self-harm): answered &#x27;Not at all&#x27;" in body
    assert body.count("<svg") == 2 and "PHQ-9 by session" in body and "GAD-7 by session" in body
    assert "Session 1" in body and "Moderate" in body
    assert "Reliable recovery" in body
    assert LABEL in body
    assert "Session 2: each statement" in body
    gap = re.search(
        r"My therapist and I work on my goals together.</th>\s*<td>6</td>\s*"
        r"<td>8</td>\s*<td>-2</td>",
        body,
    )
    assert gap, "the client-versus-therapist gap per item"
    assert "Slower, please" in body
    assert "no risk" not in body.lower()
    event = AuditEvent.objects.filter(action="client.view").latest("seq")
    assert (event.client_id, event.actor_username, event.outcome) == (
        world.carol.pk,
        "alice",
        "allowed",
    )


def test_an_unanswered_item_9_reads_as_unknown_never_as_no_risk(world, login, submit):
    submit("phq9", {**PHQ9_MODERATE, 9: None})
    body = text(login(world.alice).get(url("measures", world)))
    assert "Incomplete: 8 of 9 items answered" in body
    assert "not answered — risk unknown" in body
    assert "no risk" not in body.lower()


def test_the_supervisor_sees_the_risk_alert_and_acknowledges_it(world, login, submit):
    submit("phq9", {**PHQ9_MODERATE, 9: 3})
    alert = Alert.objects.get(kind="risk")
    sam = login(world.sam)
    body = text(sam.get(url("measures", world)))
    assert "Risk: thoughts of self-harm" in body and "Acknowledge as Sam Example" in body
    # sam reads only: no forms that change the record.
    assert "Make the link" not in body and "New fit review" not in body
    done = sam.post(
        url("measures_alert_acknowledge", world, alert.pk), {f"a{alert.pk}-note": "Rang Carol"}
    )
    assert done.status_code == 302
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.note) == (world.sam, "Rang Carol")
    assert AuditEvent.objects.filter(
        action="measures.alert.acknowledge", actor_username="sam"
    ).exists()
    assert "acknowledged by Sam Example" in text(sam.get(url("measures", world)))


def test_a_colleague_without_a_relationship_finds_no_measures_page(world, login, submit):
    submit("phq9", {**PHQ9_MODERATE, 9: 3})
    alert = Alert.objects.get()
    bob = login(world.bob)
    assert bob.get(url("measures", world)).status_code == 404
    refused = bob.post(
        url("measures_alert_acknowledge", world, alert.pk), {f"a{alert.pk}-note": "x"}
    )
    assert refused.status_code == 404
    assert Alert.objects.get().is_open


def test_an_acknowledgement_without_a_note_is_refused_and_the_alert_stays_open(
    world, login, submit
):
    submit("phq9", {**PHQ9_MODERATE, 9: 1})
    alert = Alert.objects.get()
    refused = login(world.alice).post(url("measures_alert_acknowledge", world, alert.pk), {})
    assert refused.status_code == 422
    assert "Write a note" in text(refused)
    assert Alert.objects.get().is_open
    assert not AuditEvent.objects.filter(action="measures.alert.acknowledge").exists()


def test_another_clients_alert_is_not_found_through_this_client(world, login, submit):
    submit("phq9", {**PHQ9_MODERATE, 9: 1}, client=world.dave)
    daves = Alert.objects.get()
    answer = login(world.alice).post(
        url("measures_alert_acknowledge", world, daves.pk), {f"a{daves.pk}-note": "x"}
    )
    assert answer.status_code == 404 and Alert.objects.get().is_open


def test_the_therapist_enters_an_office_response_and_her_own_alliance_rating(
    world, login, attended
):
    [session] = attended(1)
    alice = login(world.alice)
    form = alice.get(url("measures_enter", world, "phq9"))
    assert form.status_code == 200 and "Over the last 2 weeks" in text(form)
    saved = alice.post(url("measures_enter", world, "phq9"), {"key": key(), **items(PHQ9_MODERATE)})
    assert saved.status_code == 302
    response = Response.objects.get()
    assert (response.submitted_via, response.respondent, response.entered_by) == (
        "office",
        "client",
        world.alice,
    )
    page = alice.get(url("measures_enter", world, "alliance"))
    assert LABEL in text(page) and "My own rating, as the therapist" in text(page)
    rated = alice.post(
        url("measures_enter", world, "alliance"),
        {"key": key(), "respondent": "therapist", "session": str(session.pk), **items(alliance(7))},
    )
    assert rated.status_code == 302
    mine = Response.objects.get(respondent="therapist")
    assert (mine.submitted_via, mine.session, mine.total) == ("therapist", session, 63)
    assert not Alert.objects.filter(response=mine).exists()


def test_an_office_response_costs_a_constant_number_of_queries(
    world, login, attended, submit, django_assert_num_queries
):
    alice = login(world.alice)
    attended(1)
    alice.post(url("measures_enter", world, "phq9"), {"key": key(), **items(PHQ9_MILD)})
    # The practice's instruments are read once, by the view: the service is handed the one it
    # names rather than reading them again.
    with django_assert_num_queries(27) as few:
        sent = alice.post(url("measures_enter", world, "phq9"), {"key": key(), **items(PHQ9_MILD)})
    assert sent.status_code == 302
    for session in attended(20):
        submit("phq9", PHQ9_MILD, session=session)
        submit("alliance", alliance(9), session=session)
    with django_assert_num_queries(len(few.captured_queries)):
        sent = alice.post(url("measures_enter", world, "phq9"), {"key": key(), **items(PHQ9_MILD)})
    assert sent.status_code == 302


def test_an_answer_out_of_range_answers_422_with_the_reason_and_saves_nothing(world, login):
    refused = login(world.alice).post(
        url("measures_enter", world, "phq9"), {"key": key(), **items({**PHQ9_MODERATE, 4: 7})}
    )
    assert refused.status_code == 422
    assert "PHQ-9 item 4 takes 0, 1, 2 or 3; 7 is not one of them." in text(refused)
    assert not Response.objects.exists()
    assert not AuditEvent.objects.filter(action="measures.response.submit").exists()


def test_an_unknown_questionnaire_is_not_found(world, login):
    assert login(world.alice).get(url("measures_enter", world, "srs")).status_code == 404


def test_the_supervisor_does_not_enter_responses(world, login):
    answer = login(world.sam).post(
        url("measures_enter", world, "phq9"), {"key": key(), **items(PHQ9_MODERATE)}
    )
    assert answer.status_code == 403 and not Response.objects.exists()


def test_a_fit_review_is_saved_from_an_alert_and_an_empty_one_is_refused(world, login, submit):
    submit("alliance", alliance(3))
    alert = Alert.objects.get(kind="low_alliance")
    alice = login(world.alice)
    refused = alice.post(url("measures_fit_review", world), {"key": key()})
    assert refused.status_code == 422 and "Say what the feedback says." in text(refused)
    assert not FitReview.objects.exists()
    saved = alice.post(
        url("measures_fit_review", world),
        {
            "key": key(),
            "feedback": "She feels rushed",
            "tried": "Slower pace",
            "decision": "adjust",
            "opened_from": str(alert.pk),
        },
    )
    assert saved.status_code == 302
    review = FitReview.objects.get()
    assert (review.decision, review.opened_from) == ("adjust", alert)
    body = text(alice.get(url("measures", world)))
    assert "Adjust the approach" in body and "She feels rushed" in body


def test_the_fit_check_shows_as_due_after_the_third_session(world, login, attended):
    attended(3)
    assert "A fit check is due" in text(login(world.alice).get(url("measures", world)))


def test_a_one_time_link_is_shown_once_and_only_its_hash_is_kept(world, login):
    alice = login(world.alice)
    made = alice.post(url("measures_link_create", world), {"instrument": "alliance", "days": "3"})
    assert made.status_code == 200
    [token] = re.findall(r"/q/([A-Za-z0-9_-]+)/", text(made))
    link = OneTimeLink.objects.get()
    assert link.token_hash == services.token_hash(token)
    assert token not in text(alice.get(url("measures", world)))
    event = AuditEvent.objects.get(action="measures.link.create")
    assert token not in event.reason


def test_a_link_form_without_a_questionnaire_answers_422_and_makes_nothing(world, login):
    refused = login(world.alice).post(url("measures_link_create", world), {"days": "50"})
    assert refused.status_code == 422
    assert not OneTimeLink.objects.exists()


def test_the_measures_page_reads_a_constant_number_of_queries(
    world, login, attended, submit, django_assert_max_num_queries
):
    alice = login(world.alice)

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert alice.get(url("measures", world)).status_code == 200
        return len(queries)

    sessions = attended(2)
    for session in sessions:
        submit("phq9", PHQ9_MILD, session=session)
        submit("alliance", alliance(9), session=session)
    few = count()
    sessions = attended(40)
    for n, session in enumerate(sessions):
        submit("phq9", {**PHQ9_MODERATE, 9: n % 2}, session=session)
        submit("gad7", GAD7_MODERATE, session=session)
        submit("alliance", alliance(9 - n % 3), session=session)
        submit(
            "alliance",
            alliance(8),
            session=session,
            by=world.alice,
            via="therapist",
            respondent="therapist",
        )
    assert Alert.objects.count() > 20
    with django_assert_max_num_queries(few):
        assert alice.get(url("measures", world)).status_code == 200
