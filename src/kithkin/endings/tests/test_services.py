"""The review's writes: start, save, sign, share; each refusal says why and writes nothing."""

import pytest

from kithkin.audit.models import AuditEvent
from kithkin.core.disclosure import Audience
from kithkin.endings import selectors, services
from kithkin.endings.models import EndingReview
from kithkin.endings.services import ReviewError, ReviewTexts

pytestmark = pytest.mark.django_db

TEXTS = ReviewTexts(
    themes="Asking for what she needs, first with us.\n\nThen with Maria.",
    future_growth="Keep asking Diane to share the bills.",
)


def events(action):
    return AuditEvent.objects.filter(action=action, resource_type="EndingReview")


def test_it_starts_a_review_with_the_drafted_open_door(ending):
    review = services.review_start(episode=ending.episode, by=ending.alice, come_back="Riverside")
    assert review.drafted_by == ending.alice
    assert "(Riverside)" in review.open_door
    assert review.themes == ""
    event = events("ending_review.start").get()
    assert event.client_id == ending.carol.pk
    assert event.resource_id == str(review.pk)


def test_starting_twice_gives_the_same_review(ending):
    first = services.review_start(episode=ending.episode, by=ending.alice)
    assert services.review_start(episode=ending.episode, by=ending.alice) == first
    assert events("ending_review.start").count() == 1


def test_it_refuses_a_review_before_the_ending_stage(record):
    record.episode.phase = "active"
    record.episode.save()
    with pytest.raises(ReviewError, match=r"move the episode to ending first \(it is in active"):
        services.review_start(episode=record.episode, by=record.alice)
    assert not EndingReview.objects.exists()
    assert not events("ending_review.start").exists()


def test_it_saves_the_texts_encrypted_at_rest(ending):
    from django.db import connection

    review = services.review_start(episode=ending.episode, by=ending.alice)
    services.review_save(review=review, by=ending.alice, texts=TEXTS)
    review.refresh_from_db()
    assert review.future_growth == "Keep asking Diane to share the bills."
    with connection.cursor() as cursor:
        cursor.execute("SELECT future_growth FROM endings_endingreview")
        [(raw,)] = cursor.fetchall()
    assert "Diane" not in str(raw)
    assert events("ending_review.save").count() == 1


def test_signing_needs_themes_and_future_growth(ending):
    review = services.review_start(episode=ending.episode, by=ending.alice)
    with pytest.raises(ReviewError, match="Write the themes") as refused:
        services.review_sign(review=review, by=ending.alice)
    assert refused.value.field == "themes"
    services.review_save(review=review, by=ending.alice, texts=ReviewTexts(themes="Asking"))
    with pytest.raises(ReviewError, match="future growth"):
        services.review_sign(review=review, by=ending.alice)
    review.refresh_from_db()
    assert review.signed_at is None
    assert not events("ending_review.sign").exists()


def test_a_signed_review_no_longer_changes(ending):
    review = services.review_start(episode=ending.episode, by=ending.alice)
    services.review_save(review=review, by=ending.alice, texts=TEXTS)
    services.review_sign(review=review, by=ending.alice)
    with pytest.raises(ReviewError, match="signed, so its texts can no longer change"):
        services.review_save(review=review, by=ending.alice, texts=ReviewTexts(themes="Other"))
    review.refresh_from_db()
    assert review.themes.startswith("Asking for what she needs")
    assert events("ending_review.save").count() == 1


def test_a_review_cannot_be_shared_before_the_therapist_signs_it(ending):
    review = services.review_start(episode=ending.episode, by=ending.alice)
    services.review_save(review=review, by=ending.alice, texts=TEXTS)
    with pytest.raises(ReviewError) as refused:
        services.review_share(review=review, by=ending.alice)
    assert str(refused.value) == "A review cannot be shared before the therapist signs it."
    review.refresh_from_db()
    assert review.shared_at is None and review.shared_by is None
    assert not events("ending_review.share").exists()
    assert selectors.shared_reviews(ending.carol) == []


def test_the_database_refuses_a_shared_unsigned_review_too(ending):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    review = services.review_start(episode=ending.episode, by=ending.alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        EndingReview.objects.filter(pk=review.pk).update(shared_at=timezone.now())


def test_it_shares_a_signed_review_once(ending):
    review = services.review_start(episode=ending.episode, by=ending.alice)
    services.review_save(review=review, by=ending.alice, texts=TEXTS)
    services.review_sign(review=review, by=ending.alice)
    shared = services.review_share(review=review, by=ending.alice)
    assert shared.shared_by == ending.alice
    services.review_share(review=review, by=ending.alice)
    assert events("ending_review.share").count() == 1
    assert selectors.shared_reviews(ending.carol) == [shared]


def test_the_therapists_own_words_are_guarded_outside_the_practice(ending):
    review = services.review_start(episode=ending.episode, by=ending.alice)
    review = services.review_save(review=review, by=ending.alice, texts=TEXTS)
    inside = selectors.review_draft(ending.episode, review, today=ending.today)
    assert inside.future_growth == ("Keep asking Diane to share the bills.",)
    assert inside.work_done.themes[1] == "Then with Maria."
    outside = selectors.review_draft(
        ending.episode, review, today=ending.today, audience=Audience.FHIR_EXPORT
    )
    assert "Diane" not in "\n".join(outside.texts())
    assert "Maria" in "\n".join(outside.texts())
    assert outside.notice
