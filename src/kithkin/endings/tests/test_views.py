"""The therapist's review pages and the client's portal pages, through HTTP."""

import pytest
from django.urls import reverse

from kithkin.audit.models import AuditEvent
from kithkin.endings import services
from kithkin.endings.models import EndingReview
from kithkin.endings.services import ReviewTexts

pytestmark = pytest.mark.django_db


def url(world, name="ending_review"):
    return reverse(name, args=[world.carol.pk, world.episode.pk])


def started(world, *, signed=False, shared=False):
    review = services.review_start(episode=world.episode, by=world.alice)
    texts = ReviewTexts(themes="Asking for what she needs", future_growth="Keep the rota going")
    review = services.review_save(review=review, by=world.alice, texts=texts)
    if signed or shared:
        review = services.review_sign(review=review, by=world.alice)
    if shared:
        review = services.review_share(review=review, by=world.alice)
    return review


def test_the_page_shows_the_draft_and_offers_to_start(ending, login):
    response = login(ending.alice).get(url(ending))
    body = response.content.decode()
    assert response.status_code == 200
    assert "The client first reached out on 1 March 2026." in body
    assert "Sleep through the week" in body
    assert "Diane" in body  # the therapist's own page names everyone
    assert reverse("ending_review_start", args=[ending.carol.pk, ending.episode.pk]) in body
    assert AuditEvent.objects.filter(action="client.view", client_id=ending.carol.pk).exists()


def test_the_page_of_an_active_episode_says_the_review_waits_for_the_ending(record, login):
    record.episode.phase = "active"
    record.episode.save()
    body = login(record.alice).get(url(record)).content.decode()
    assert "The ending review is written in the ending stage" in body
    assert "Start the review" not in body


def test_starting_on_an_active_episode_is_refused_with_the_reason(record, login):
    record.episode.phase = "active"
    record.episode.save()
    response = login(record.alice).post(url(record, "ending_review_start"))
    assert response.status_code == 422
    assert "move the episode to ending first" in response.content.decode()
    assert not EndingReview.objects.exists()


def test_alice_starts_saves_signs_and_shares(ending, login):
    browser = login(ending.alice)
    assert browser.post(url(ending, "ending_review_start")).status_code == 302
    response = browser.post(
        url(ending),
        {"themes": "Asking for what she needs", "future_growth": "Keep the rota", "open_door": ""},
    )
    assert response.status_code == 302
    review = EndingReview.objects.get()
    assert review.themes == "Asking for what she needs"
    assert browser.post(url(ending, "ending_review_sign")).status_code == 302
    assert browser.post(url(ending, "ending_review_share")).status_code == 302
    review.refresh_from_db()
    assert review.signed_by == ending.alice and review.shared_by == ending.alice
    actions = set(
        AuditEvent.objects.filter(resource_type="EndingReview").values_list("action", flat=True)
    )
    assert actions == {
        "ending_review.start",
        "ending_review.save",
        "ending_review.sign",
        "ending_review.share",
    }


def test_sharing_before_signing_is_refused_and_writes_nothing(ending, login):
    started(ending)
    before = AuditEvent.objects.filter(action="ending_review.share").count()
    response = login(ending.alice).post(url(ending, "ending_review_share"))
    assert response.status_code == 422
    assert "A review cannot be shared before the therapist signs it." in response.content.decode()
    review = EndingReview.objects.get()
    assert review.shared_at is None
    assert AuditEvent.objects.filter(action="ending_review.share").count() == before


def test_signing_without_the_written_parts_is_refused(ending, login):
    services.review_start(episode=ending.episode, by=ending.alice)
    response = login(ending.alice).post(url(ending, "ending_review_sign"))
    assert response.status_code == 422
    assert "Write the themes of the work before signing." in response.content.decode()
    assert EndingReview.objects.get().signed_at is None


def test_sam_reads_the_review_without_its_forms(ending, login):
    started(ending)
    body = login(ending.sam).get(url(ending)).content.decode()
    assert "Asking for what she needs" in body
    assert "<textarea" not in body
    assert "Sign the review" not in body
    assert login(ending.sam).post(url(ending), {"themes": "x"}).status_code == 403


def test_an_episode_of_another_client_is_not_found(ending, login):
    other = reverse("ending_review", args=[ending.dave.pk, ending.episode.pk])
    assert login(ending.bob).get(other).status_code == 404


def test_the_pdf_is_the_clients_copy_of_a_signed_review(ending, login, monkeypatch):
    from kithkin.endings import views

    browser = login(ending.alice)
    started(ending)
    assert browser.get(url(ending, "ending_review_pdf")).status_code == 404
    EndingReview.objects.all().delete()
    started(ending, signed=True)
    seen = {}

    def fake_pdf(template, context):
        seen.update(context)
        return b"%PDF-fake"

    monkeypatch.setattr(views, "render_pdf", fake_pdf)
    response = browser.get(url(ending, "ending_review_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert seen["review"].audience == "letter"
    # Printed, the copy travels: a person the guard withholds is not named in it.
    from django.template.loader import render_to_string

    html = render_to_string("endings/review_pdf.html", seen)
    assert "Diane" not in html
    assert "[a person in the client's life]" in html or "a person in the client" in html


def test_the_pdf_renders(ending, login):
    started(ending, signed=True)
    response = login(ending.alice).get(url(ending, "ending_review_pdf"))
    assert response.content.startswith(b"%PDF")


def test_the_timeline_links_to_the_review_in_the_ending_stage(ending, login):
    body = login(ending.alice).get(reverse("client_timeline", args=[ending.carol.pk]))
    assert url(ending) in body.content.decode()


def test_the_portal_shows_only_shared_reviews(ending, login):
    review = started(ending, signed=True)
    browser = login(ending.carol_login)
    assert "There is no review" in browser.get(reverse("portal_reviews")).content.decode()
    assert browser.get(reverse("portal_review", args=[review.pk])).status_code == 404
    services.review_share(review=review, by=ending.alice)
    listing = browser.get(reverse("portal_reviews")).content.decode()
    assert reverse("portal_review", args=[review.pk]) in listing
    body = browser.get(reverse("portal_review", args=[review.pk])).content.decode()
    assert "Keep the rota going" in body
    assert "Sleep through the week" in body


def test_another_client_never_reads_carols_review(ending, login):
    review = started(ending, shared=True)
    browser = login(ending.dave_login)
    assert browser.get(reverse("portal_review", args=[review.pk])).status_code == 404
    assert "With Alice" not in browser.get(reverse("portal_reviews")).content.decode()


def test_the_portal_list_takes_a_fixed_number_of_queries(
    ending, login, django_assert_max_num_queries
):
    from kithkin.endings.tests.conftest import carols_review

    started(ending, shared=True)
    carols_review(ending)
    browser = login(ending.carol_login)
    with django_assert_max_num_queries(12):
        response = browser.get(reverse("portal_reviews"))
    assert response.content.decode().count("shared on") == 2


def test_the_review_page_takes_a_fixed_number_of_queries(
    ending, login, django_assert_max_num_queries
):
    started(ending)
    browser = login(ending.alice)
    with django_assert_max_num_queries(30):
        assert browser.get(url(ending)).status_code == 200


def test_the_maps_are_drawn_side_by_side_with_the_movements(ending, login):
    body = login(ending.alice).get(url(ending)).content.decode()
    assert body.count("<svg") == 2
    assert "Spheres map of 2 March 2026" in body
    assert "Spheres map of 26 October 2026" in body


def test_maps_outside_the_practice_leave_out_diane(ending):
    from kithkin.core.disclosure import Audience
    from kithkin.endings.selectors import review_page

    page = review_page(ending.episode, None, today=ending.today, audience=Audience.LETTER)
    assert len(page.maps) == 2
    assert all("Diane" not in m.svg and "Maria Quill" in m.svg for m in page.maps)


def test_the_note_for_the_client_is_guarded_like_every_other_text(ending, login, monkeypatch):
    from django.template.loader import render_to_string

    from kithkin.endings import views

    review = services.review_start(episode=ending.episode, by=ending.alice)
    texts = ReviewTexts(
        themes="Asking for what she needs",
        future_growth="Keep the rota going",
        notes_for_client="You found the words for Diane.\n\nWell done.",
    )
    review = services.review_save(review=review, by=ending.alice, texts=texts)
    services.review_sign(review=review, by=ending.alice)
    browser = login(ending.alice)
    # The therapist's own page names everyone, the note's two paragraphs included.
    page = browser.get(url(ending)).content.decode()
    assert "<p>You found the words for Diane.</p>" in page and "<p>Well done.</p>" in page
    seen = {}

    def fake_pdf(template, context):
        seen.update(context)
        return b"%PDF-fake"

    monkeypatch.setattr(views, "render_pdf", fake_pdf)
    assert browser.get(url(ending, "ending_review_pdf")).status_code == 200
    html = render_to_string("endings/review_pdf.html", seen)
    assert "Well done." in html and "You found the words for" in html
    assert "Diane" not in html
