"""The referral pages through HTTP: alice drafts and sends, sam reads, bob answers a transfer
sent to him and nothing else of carol's, mallory finds nothing."""

import pytest
from django.urls import reverse

from kithkin.audit.models import AuditEvent
from kithkin.consent.services import authorization_revoke
from kithkin.referrals import services
from kithkin.referrals.models import Referral
from kithkin.referrals.tests.conftest import (
    SUMMARY,
    carols_episode,
    external,
    for_bob,
    for_okafor,
    internal,
)
from kithkin.relationships.models import TherapyRelationship


def url(name, referral=None, client=None):
    if referral is not None:
        return reverse(name, args=[referral.client_id, referral.pk])
    return reverse(name, args=[client.pk])


def move(http, referral, to, **extra):
    data = {"to": to, "seen": referral.status, **extra}
    return http.post(url("referral_move", referral), data)


def test_alice_lists_carols_referrals(world, login):
    referral = external(world)
    page = login(world.alice).get(url("referrals", client=world.carol))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Dr Ngozi Okafor, Riverside Counselling" in text and "Drafted" in text
    assert url("referral", referral) in text and url("referral_new", client=world.carol) in text


def test_sam_reads_the_list_without_the_draft_button(world, login):
    external(world)
    page = login(world.sam).get(url("referrals", client=world.carol))
    assert page.status_code == 200 and "Dr Ngozi Okafor" in page.content.decode()
    assert url("referral_new", client=world.carol) not in page.content.decode()


def test_the_client_page_links_to_the_referrals(world, login):
    page = login(world.alice).get(reverse("client_detail", args=[world.carol.pk]))
    assert url("referrals", client=world.carol) in page.content.decode()


def test_the_list_costs_the_same_queries_for_many_referrals(
    world, login, django_assert_max_num_queries
):
    authorization = for_okafor(world)
    http = login(world.alice)
    external(world, authorization)
    http.get(url("referrals", client=world.carol))  # the session's first request
    with django_assert_max_num_queries(20) as few:
        assert http.get(url("referrals", client=world.carol)).status_code == 200
    for _ in range(30):
        external(world, authorization)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = http.get(url("referrals", client=world.carol))
    assert page.content.decode().count("Dr Ngozi Okafor, Riverside") == 31


def test_alice_drafts_a_referral_through_the_form(world, login):
    authorization = for_okafor(world)
    http = login(world.alice)
    form = http.get(url("referral_new", client=world.carol))
    assert form.status_code == 200 and f"Authorization {authorization.pk}" in form.content.decode()
    key = form.context["form"].initial["key"]
    data = {
        "key": key,
        "kind": "external",
        "reason": "specialty",
        "recipient_name": "Dr Ngozi Okafor",
        "recipient_organisation": "Riverside Counselling",
        "recipient_contact": "referrals@riverside.example",
        "handoff_summary": SUMMARY,
        "written_with_client": "on",
        "authorization": authorization.pk,
    }
    answer = http.post(url("referral_new", client=world.carol), data)
    referral = Referral.objects.get()
    assert answer.status_code == 302 and answer["Location"] == url("referral", referral)
    assert http.post(url("referral_new", client=world.carol), data).status_code == 302
    assert Referral.objects.count() == 1  # sent twice, drafted once


def test_a_draft_without_the_clients_part_is_refused_with_its_reason(world, login):
    authorization = for_okafor(world)
    http = login(world.alice)
    data = {
        "key": "5f0f8f3e-0000-4000-8000-000000000001",
        "kind": "external",
        "reason": "specialty",
        "recipient_name": "Dr Ngozi Okafor",
        "handoff_summary": SUMMARY,
        "authorization": authorization.pk,
    }
    answer = http.post(url("referral_new", client=world.carol), data)
    assert answer.status_code == 422
    assert "Confirm that the handoff summary was written with the client" in (
        answer.content.decode()
    )
    assert not Referral.objects.exists()


def test_alice_sends_a_referral_and_sees_it_sent(world, login):
    referral = external(world)
    http = login(world.alice)
    page = http.get(url("referral", referral))
    assert page.status_code == 200 and SUMMARY in page.content.decode()
    assert ">Send</button>" in page.content.decode()
    answer = move(http, referral, "sent")
    assert answer.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_a_send_the_authorization_no_longer_allows_answers_422_with_the_reason(world, login):
    referral = external(world)
    authorization_revoke(authorization=referral.authorization, by=world.carol_login, via="portal")
    http = login(world.alice)
    page = http.get(url("referral", referral))
    assert "It was revoked on" in page.content.decode()  # said before the button is pressed
    answer = move(http, referral, "sent")
    assert answer.status_code == 422 and "It was revoked on" in answer.content.decode()
    referral.refresh_from_db()
    assert referral.status == "drafted"


def test_a_stale_page_is_refused(world, login):
    referral = services.referral_send(referral=external(world), by=world.alice)
    answer = login(world.alice).post(
        url("referral_move", referral), {"to": "sent", "seen": "drafted"}
    )
    assert answer.status_code == 422 and "out of date" in answer.content.decode()


def test_sam_reads_a_referral_but_moves_nothing(world, login):
    referral = external(world)
    http = login(world.sam)
    page = http.get(url("referral", referral))
    assert page.status_code == 200 and "<button" not in page.content.decode().split("<main")[-1]
    assert move(http, referral, "sent").status_code == 403
    referral.refresh_from_db()
    assert referral.status == "drafted"


@pytest.mark.parametrize("who", ["bob", "mallory", "adam", "carol_login"])
def test_anyone_else_finds_no_referral(world, login, who):
    referral = external(world)
    http = login(getattr(world, who))
    missing = http.get(reverse("referral", args=[world.carol.pk, 987654321]))
    assert http.get(url("referral", referral)).status_code == missing.status_code == 404
    assert http.get(url("referrals", client=world.carol)).status_code == 404
    assert move(http, referral, "sent").status_code == 404


def test_another_clients_referral_is_not_found_under_carol(world, login):
    daves = external(world, for_okafor(world, client=world.dave), client=world.dave, by=world.bob)
    http = login(world.alice)
    assert http.get(reverse("referral", args=[world.carol.pk, daves.pk])).status_code == 404


# --- The receiving therapist of a transfer ---------------------------------------------------


def test_bob_answers_a_transfer_and_then_carol_is_his(world, login):
    referral = internal(world)
    http = login(world.bob)
    # A draft is not sent: bob does not know of it.
    assert http.get(url("referral", referral)).status_code == 404
    assert "Carol" not in http.get(reverse("referrals_incoming")).content.decode()

    referral = services.referral_send(referral=referral, by=world.alice)
    incoming = http.get(reverse("referrals_incoming")).content.decode()
    assert url("referral", referral) in incoming and "Carol" in incoming
    page = http.get(url("referral", referral))
    assert page.status_code == 200 and SUMMARY in page.content.decode()
    assert "Record the acknowledgement" in page.content.decode()
    event = AuditEvent.objects.filter(action="referral.receive").latest("seq")
    assert (event.actor_id, event.outcome, event.resource_id) == (
        world.bob.pk,
        "allowed",
        str(referral.pk),
    )
    # The referral, and nothing else of carol's record.
    assert http.get(reverse("client_detail", args=[world.carol.pk])).status_code == 404
    assert http.get(reverse("client_timeline", args=[world.carol.pk])).status_code == 404
    assert http.get(url("referrals", client=world.carol)).status_code == 404

    assert move(http, referral, "acknowledged").status_code == 302
    referral.refresh_from_db()
    answer = move(http, referral, "first_session_held")
    assert answer.status_code == 302 and answer["Location"] == url("referral", referral)
    assert http.get(reverse("client_timeline", args=[world.carol.pk])).status_code == 200
    # And alice's relationship has ended: carol is no longer on her caseload.
    alice = login(world.alice)
    assert alice.get(reverse("client_detail", args=[world.carol.pk])).status_code == 404


def test_alice_cannot_answer_the_transfer_for_bob(world, login):
    referral = services.referral_send(referral=internal(world), by=world.alice)
    http = login(world.alice)
    assert "Record the acknowledgement" not in http.get(url("referral", referral)).content.decode()
    answer = move(http, referral, "acknowledged")
    assert answer.status_code == 422 and "receiving therapist answers" in answer.content.decode()


def test_a_revocation_closes_the_referral_to_bob(world, login):
    referral = services.referral_send(referral=internal(world), by=world.alice)
    authorization_revoke(authorization=referral.authorization, by=world.carol_login, via="portal")
    http = login(world.bob)
    assert http.get(url("referral", referral)).status_code == 404
    assert move(http, referral, "acknowledged").status_code == 404
    assert "Carol" not in http.get(reverse("referrals_incoming")).content.decode()
    event = AuditEvent.objects.filter(action="referral.receive").latest("seq")
    assert event.outcome == "denied" and "no longer in force" in event.reason


def test_bob_declines_and_the_referral_closes_to_him(world, login):
    referral = services.referral_send(referral=internal(world), by=world.alice)
    http = login(world.bob)
    assert move(http, referral, "declined").status_code == 422  # without a reason
    answer = move(http, referral, "declined", decline_reason="My caseload is full")
    assert answer.status_code == 302 and answer["Location"] == reverse("referrals_incoming")
    assert http.get(url("referral", referral)).status_code == 404
    assert not TherapyRelationship.objects.filter(therapist=world.bob, client=world.carol)
    alice = login(world.alice).get(url("referral", referral)).content.decode()
    assert "My caseload is full" in alice


def test_another_therapist_cannot_answer_bobs_transfer(world, login):
    from kithkin.accounts.models import User

    zed = User.objects.create_user(username="zed", role="therapist", practice=world.practice)
    carols_episode(world)
    referral = services.referral_send(referral=internal(world, for_bob(world)), by=world.alice)
    assert login(zed).get(url("referral", referral)).status_code == 404


def test_the_incoming_transfers_cost_the_same_queries_for_many(
    world, login, django_assert_max_num_queries
):
    authorization = for_bob(world)
    http = login(world.bob)
    services.referral_send(referral=internal(world, authorization), by=world.alice)
    http.get(reverse("referrals_incoming"))  # the session's first request
    with django_assert_max_num_queries(20) as few:
        assert http.get(reverse("referrals_incoming")).status_code == 200
    for _ in range(25):
        services.referral_send(referral=internal(world, authorization), by=world.alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = http.get(reverse("referrals_incoming"))
    assert page.content.decode().count("Carol") >= 26


def test_a_sent_referral_links_the_packet_released_with_it(world, login):
    referral = services.referral_send(referral=external(world), by=world.alice)
    page = (
        login(world.alice)
        .get(reverse("referral", args=[world.carol.pk, referral.pk]))
        .content.decode()
    )
    assert reverse("disclosure", args=[world.carol.pk, referral.disclosure_id]) in page
