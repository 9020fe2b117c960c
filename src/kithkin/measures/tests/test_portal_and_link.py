import datetime

from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.measures import services
from kithkin.measures.models import Alert, OneTimeLink, Response
from kithkin.measures.tests.conftest import GAD7_MILD, PHQ9_MODERATE, alliance, key

LABEL = "A reflective tool, not a validated instrument"
NEUTRAL = "This link has expired or was already used."


def text(response) -> str:
    return response.content.decode()


def items(answers):
    return {f"item_{n}": str(v) for n, v in answers.items()}


# --- The portal ----------------------------------------------------------------------------------


def test_the_client_sees_her_questionnaires_and_answers_one(world, login):
    carol = login(world.carol_login)
    listing = carol.get(reverse("portal_measures"))
    assert listing.status_code == 200
    assert "PHQ-9" in text(listing) and "GAD-7" in text(listing) and LABEL in text(listing)
    form = carol.get(reverse("portal_measure", args=["alliance"]))
    assert LABEL in text(form) and "What could be better?" in text(form)
    sent = carol.post(
        reverse("portal_measure", args=["alliance"]),
        {"key": key(), **items(alliance(9)), "free_text": "More breaks"},
    )
    assert sent.status_code == 302
    response = Response.objects.get()
    assert (response.client, response.submitted_via, response.entered_by) == (
        world.carol,
        "portal",
        world.carol_login,
    )
    assert response.free_text == "More breaks"
    assert "You last answered it on" in text(carol.get(reverse("portal_measures")))
    assert AuditEvent.objects.filter(
        action="measures.response.submit", actor_username="carol"
    ).exists()


def test_an_answer_out_of_range_in_the_portal_answers_422_and_saves_nothing(world, login):
    refused = login(world.carol_login).post(
        reverse("portal_measure", args=["gad7"]), {"key": key(), **items({**GAD7_MILD, 2: 9})}
    )
    assert refused.status_code == 422
    assert "GAD-7 item 2 takes 0, 1, 2 or 3; 9 is not one of them." in text(refused)
    assert not Response.objects.exists()


def test_a_client_who_endorses_item_9_is_told_where_to_turn(world, login):
    carol = login(world.carol_login)
    sent = carol.post(
        reverse("portal_measure", args=["phq9"]),
        {"key": key(), **items({**PHQ9_MODERATE, 9: 2})},
        follow=True,
    )
    assert "call your local emergency number" in text(sent)
    assert Alert.objects.filter(kind="risk", client=world.carol).exists()


def test_each_client_answers_for_herself_only(world, login):
    login(world.dave_login).post(
        reverse("portal_measure", args=["gad7"]), {"key": key(), **items(GAD7_MILD)}
    )
    assert Response.objects.get().client == world.dave


def test_staff_do_not_answer_in_the_portal(world, login):
    answer = login(world.alice).post(
        reverse("portal_measure", args=["gad7"]), {"key": key(), **items(GAD7_MILD)}
    )
    assert answer.status_code == 403 and not Response.objects.exists()


# --- One-time links ------------------------------------------------------------------------------


def make_link(world, code="alliance"):
    link, token = services.link_create(client=world.carol, instrument_code=code, by=world.alice)
    return link, reverse("measures_link", args=[token])


def test_a_link_shows_the_questionnaire_with_the_first_name_only_and_takes_one_answer(
    world, client
):
    _, path = make_link(world)
    page = client.get(path)
    body = text(page)
    assert page.status_code == 200
    assert "Hello, Carol" in body and LABEL in body
    assert "Quill" not in body and "carol@example.org" not in body
    opened = AuditEvent.objects.filter(action="measures.link.open", client_id=world.carol.pk)
    assert opened.exists()
    sent = client.post(path, {"key": key(), **items(alliance(5)), "free_text": "Listen more"})
    assert sent.status_code == 200 and "Thank you" in text(sent)
    response = Response.objects.get()
    assert (response.client, response.submitted_via, response.total) == (world.carol, "link", 45)
    assert Alert.objects.filter(kind="low_alliance", response=response).exists()


def test_a_used_expired_or_unknown_link_answers_the_same_neutral_page(world, client):
    _, used = make_link(world)
    client.post(used, {"key": key(), **items(alliance(9))})
    expired_link, expired = make_link(world, "gad7")
    OneTimeLink.objects.filter(pk=expired_link.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    unknown = reverse("measures_link", args=["made-up-token"])
    answers = []
    for path in (used, expired, unknown):
        for method in ("get", "post"):
            answer = getattr(client, method)(path, {"key": key(), **items(GAD7_MILD)})
            answers.append((answer.status_code, text(answer)))
    assert {status for status, _ in answers} == {404}
    assert len({body for _, body in answers}) == 1, "every failure reads the same"
    body = answers[0][1]
    assert NEUTRAL in body and "Carol" not in body and "Quill" not in body
    assert Response.objects.count() == 1


def test_the_same_link_form_sent_twice_counts_once(world, client):
    _, path = make_link(world, "gad7")
    data = {"key": key(), **items(GAD7_MILD)}
    assert client.post(path, data).status_code == 200
    assert client.post(path, data).status_code == 200
    assert Response.objects.count() == 1


def test_a_bad_answer_through_a_link_answers_422_and_leaves_the_link_usable(world, client):
    _, path = make_link(world, "gad7")
    refused = client.post(path, {"key": key(), **items({**GAD7_MILD, 1: 4})})
    assert refused.status_code == 422 and "GAD-7 item 1 takes" in text(refused)
    assert not Response.objects.exists() and OneTimeLink.objects.get().used_at is None
    assert client.get(path).status_code == 200


def test_another_client_or_staff_signed_in_cannot_use_carols_link(world, login):
    _, path = make_link(world, "gad7")
    for user in (world.dave_login, world.alice, world.mallory):
        signed_in = login(user)
        assert signed_in.get(path).status_code == 404
        refused = signed_in.post(path, {"key": key(), **items(GAD7_MILD)})
        assert refused.status_code == 404 and NEUTRAL in text(refused)
    assert not Response.objects.exists()
    # Carol herself may use it while signed in.
    assert login(world.carol_login).get(path).status_code == 200
