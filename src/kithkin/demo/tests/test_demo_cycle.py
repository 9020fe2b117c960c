"""The demo's beginnings and endings (issue 9): a whole cycle from the inquiry to the signed,
shared review and the return, a lapse closed with its short review, and a queue to match. The
PDF of Camila's review is rendered in kithkin.endings.tests.test_pdf_render. Each test loads
the demo once (it takes seconds), so each checks one story whole."""

from django.urls import reverse

from kithkin.accounts.models import User
from kithkin.clients.models import Client
from kithkin.demo.builder import load_demo
from kithkin.endings.models import EndingReview
from kithkin.inquiries.models import Inquiry
from kithkin.lapses.models import Lapse
from kithkin.relationships.models import Episode


def test_the_demo_s_endings_camila_s_whole_cycle_and_farrah_s_lapse(db, client):
    load_demo(password="a demo passphrase")
    # Camila reached out through the form, was matched, ended as planned with a signed review
    # shared with her, and has come back.
    camila = Client.objects.get(given_name="Camila")
    first, second = Episode.objects.filter(relationship__client=camila).order_by("opened_on")
    inquiry = Inquiry.objects.get(client=camila)
    assert inquiry.status == Inquiry.Status.MATCHED
    assert inquiry.received_at.date() < first.opened_on
    assert inquiry.first_response_at > inquiry.received_at
    assert inquiry.response_working_seconds > 0
    assert (first.ending_type, second.phase) == ("planned", "assessment")
    review = first.ending_review
    assert review.is_signed and review.is_shared and review.themes and review.future_growth
    assert review.signed_at.date() <= second.opened_on

    # The rules the services keep hold in the demo too: every planned ending is signed, and
    # every episode in its ending stage has its draft.
    planned = Episode.objects.filter(ending_type="planned")
    assert not planned.exclude(ending_review__signed_at__isnull=False).exists()
    ending = Episode.objects.filter(phase="ending")
    assert ending.exists()
    assert EndingReview.objects.filter(episode__in=ending, signed_at=None).count() == ending.count()

    # Farrah's episode lapsed: the letter went out, then it closed with a short review, which
    # her ending review page shows.
    [lapse] = Lapse.objects.select_related("episode__relationship__therapist")
    episode = lapse.episode
    assert episode.ending_type == "lapsed" and lapse.closed_on == episode.closed_on
    assert lapse.found_on < lapse.letter_sent_on < lapse.closed_on
    assert lapse.short_review and lapse.closed_by == episode.relationship.therapist
    client.force_login(episode.relationship.therapist)
    url = reverse("ending_review", args=[episode.relationship.client_id, episode.pk])
    page = client.get(url).content.decode()
    assert "The short review at the close" in page and "the sleep diary helped" in page


def test_the_queue_waits_for_a_match_and_each_suggestion_says_why(db, client):
    load_demo(password="a demo passphrase")
    waiting = Inquiry.objects.filter(status=Inquiry.Status.NEW).order_by("received_at")
    assert waiting.count() == 2
    client.force_login(User.objects.get(username="alice"))
    grief = waiting.first()
    page = client.get(reverse("inquiry_matches", args=[grief.pk])).content.decode()
    bob, alice = page.index("Match with Bob Okafor"), page.index("Match with Alice Marlowe")
    assert bob < alice
    why = "specialises in grief and loss; speaks English; offers daytime in-person sessions; 1 open"
    assert why + " slot" in page
    assert "3 open slots" in page and "does not list grief and loss" in page
