"""The ending review in a release packet (issues 8 and 9): every review signed in the dates asked
for, as its Composition (LOINC 78263-1) in the Bundle, one line on the cover and its sections in
the PDF; guarded for the release packet; never a draft, never the note for the client, never a
psychotherapy note.

Personas: alice treats carol and signs her review, sam supervises alice; Diane is carol's
roommate, who must not learn she is discussed (unaware), and alice's own themes name her; Maria,
carol's mother, comes to joint sessions; Dr Okafor is the next provider.
"""

import datetime
import json
import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kithkin.consent import packets
from kithkin.consent.services import release_make
from kithkin.consent.tests.conftest import OKAFOR, signed
from kithkin.core.consent import Category, Party, ReleaseRequest
from kithkin.core.disclosure import PLACEHOLDER
from kithkin.core.notes import NoteText
from kithkin.endings import services as endings
from kithkin.endings.services import ReviewTexts
from kithkin.endings.tests.conftest import carols_review, ending  # noqa: F401
from kithkin.fhir.tests.conftest import NOTE
from kithkin.measures import services as measures
from kithkin.measures.tests.conftest import PHQ9_MODERATE, key
from kithkin.notes import services as notes
from kithkin.schedule.models import Session

UTC = datetime.UTC
THEMES = "Diane and the rent came up again and again.\n\nAsking for what she needs."
GROWTH = "Sunday calls with Maria go on; her roommate need not know."
NOTE_FOR_CAROL = "Carol, it was a privilege to walk this road with you."
REVIEW_CODE = '"code":"78263-1"'
# What one signed review adds to a packet: the reviews' query (made with or without one), the
# rows its Composition's entries point at (plan versions and their goals, responses,
# referrals: four) and its draft's (endings.selectors.facts_for: eleven here, the client given).
# A second review adds only its draft's.
FIRST_REVIEW_QUERIES = 15
DRAFT_QUERIES = 11


def asked(**changes) -> ReleaseRequest:
    fields = {
        "recipient": Party(*OKAFOR.values()),
        "categories": frozenset({Category.ENDING_REVIEW}),
        "purpose": "Continuity of care",
        "information_from": datetime.date(2026, 1, 1),
        "information_to": timezone.localdate(),
        "at": timezone.now(),
        **changes,
    }
    return ReleaseRequest(**fields)


def written(world, *, sign=True, at=None):
    """alice's review of carol's episode, its themes naming Diane, with a note for carol."""
    review = endings.review_start(episode=world.episode, by=world.alice)
    texts = ReviewTexts(themes=THEMES, future_growth=GROWTH, notes_for_client=NOTE_FOR_CAROL)
    review = endings.review_save(review=review, by=world.alice, texts=texts)
    if sign:
        review = endings.review_sign(review=review, by=world.alice, at=at)
    world.review = review
    return review


def gathered(world, request, by=None):
    """The packet for ``request`` under an authorization for everything, its Bundle as JSON and
    the HTML its PDF is rendered from."""
    authorization = signed(world, categories=["full_record"])
    packet = packets.gather(
        client=world.carol,
        authorization=authorization,
        request=request,
        by=by or world.alice,
        at=request.at,
    )
    bundle = json.loads(packets.bundle_text(packet, disclosure_id=7))
    page = render_to_string("consent/packet_pdf.html", {"packet": packet, "disclosure": None})
    return packet, bundle, page


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def reviews_in(bundle):
    return [
        c for c in resources(bundle, "Composition") if c["type"]["coding"][0]["code"] == "78263-1"
    ]


def cover(bundle):
    [found] = [c for c in resources(bundle, "Composition") if c["id"].startswith("release-")]
    return {s["title"]: s for s in found["section"]}


def test_a_signed_review_goes_in_the_bundle_and_the_pdf(ending):  # noqa: F811
    world = ending
    review = written(world)
    signed(world, categories=["ending_review"])
    disclosure = release_make(client=world.carol, by=world.alice, request=asked())
    assert disclosure.packet_pdf.startswith(b"%PDF-")
    bundle = json.loads(disclosure.packet_bundle)
    [composition] = reviews_in(bundle)
    assert composition["id"] == str(review.pk) and composition["status"] == "final"
    titles = [s["title"] for s in composition["section"]]
    assert titles[:2] == ["The journey", "The work done"]
    assert "came up again and again" in json.dumps(composition)
    # The cover says what it is and points at it.
    section = cover(bundle)["Ending review"]
    assert section["entry"] == [{"reference": f"Composition/{review.pk}"}]
    day = timezone.localdate(review.signed_at).isoformat()
    assert f"{day}, signed by {world.alice.display_name}: The road travelled." in str(section)
    assert "No ending review is on record." not in disclosure.packet_bundle
    # Minimum necessary: nothing but the review was asked for.
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert not kinds & {"CarePlan", "Goal", "Encounter", "QuestionnaireResponse", "Observation"}

    _, _, page = gathered(world, asked())
    assert "The road travelled: the ending review signed" in page
    assert '<h2 id="review-1-work-heading">The work done</h2>' in page
    # Each review's ids are its own, as ids must be within a page.
    ids = re.findall(r'id="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert "Asking for what she needs." in page and "Sunday calls with Maria go on" in page
    assert "No ending review is on record." not in page


def test_it_hides_the_unaware_partner_the_themes_name_in_both(ending):  # noqa: F811
    world = ending
    written(world)
    _, bundle, page = gathered(world, asked())
    text = json.dumps(bundle, ensure_ascii=False)
    for words in (text, page.replace("&#x27;", "'")):
        assert "Diane" not in words and "roommate" not in words
        assert f"{PLACEHOLDER} and the rent came up again and again." in words
        assert "Maria Quill" in words  # she comes to joint sessions: she may be named
    # Her RelatedPerson is neither sent nor pointed at; Maria's is, as the review speaks of her.
    people = {r["id"] for r in resources(bundle, "RelatedPerson")}
    assert people == {str(world.maria.pk)}
    assert f"RelatedPerson/{world.diane.pk}" not in text
    assert f"RelatedPerson/{world.maria.pk}" in json.dumps(reviews_in(bundle))


def test_the_note_for_the_client_and_the_psychotherapy_note_never_go(ending):  # noqa: F811
    world = ending
    written(world)
    packet, bundle, page = gathered(world, asked())
    assert packet.reviews and not packet.reviews[0].draft.note_for_client
    for words in (json.dumps(bundle), page):
        assert "privilege to walk this road" not in words
        assert NOTE not in words and "idealises" not in words


def test_the_packet_never_reads_the_psychotherapy_notes(ending):  # noqa: F811
    world = ending
    written(world)
    request = asked(categories=frozenset({Category.FULL_RECORD}))
    authorization = signed(world, categories=["full_record"])
    with CaptureQueriesContext(connection) as read:
        packet = packets.gather(
            client=world.carol,
            authorization=authorization,
            request=request,
            by=world.alice,
            at=request.at,
        )
    assert packet.reviews
    assert any("endings_endingreview" in q["sql"] for q in read.captured_queries)
    assert not any("psychotherapynote" in q["sql"] for q in read.captured_queries)


def test_an_unsigned_review_is_not_released(ending):  # noqa: F811
    world = ending
    written(world, sign=False)
    packet, bundle, page = gathered(world, asked())
    assert packet.reviews == [] and reviews_in(bundle) == []
    assert "No ending review is on record." in str(cover(bundle)["Ending review"])
    assert "entry" not in cover(bundle)["Ending review"]
    assert "No ending review is on record." in page
    for words in (json.dumps(bundle), page):
        assert "came up again" not in words and "Sunday calls" not in words


@pytest.mark.parametrize(
    ("signed_on", "goes"),
    [
        (datetime.date(2026, 2, 28), False),  # the day before the dates
        (datetime.date(2026, 3, 1), True),  # their first day
        (datetime.date(2026, 6, 30), True),  # their last day
        (datetime.date(2026, 7, 1), False),  # the day after
    ],
)
def test_only_a_review_signed_in_the_dates_goes(ending, signed_on, goes):  # noqa: F811
    world = ending
    noon = datetime.datetime.combine(signed_on, datetime.time(12), tzinfo=UTC)
    written(world, at=noon)
    dates = {
        "information_from": datetime.date(2026, 3, 1),
        "information_to": datetime.date(2026, 6, 30),
    }
    packet, bundle, page = gathered(world, asked(**dates))
    assert bool(reviews_in(bundle)) is goes and bool(packet.reviews) is goes
    assert ("Asking for what she needs." in page) is goes
    assert ("No ending review is on record." in page) is not goes


def test_without_the_category_nothing_of_the_review_goes(ending):  # noqa: F811
    world = ending
    written(world)
    request = asked(categories=frozenset({Category.PLAN, Category.MEASURES}))
    authorization = signed(world, categories=["full_record"])
    with CaptureQueriesContext(connection) as read:
        packet = packets.gather(
            client=world.carol,
            authorization=authorization,
            request=request,
            by=world.alice,
            at=request.at,
        )
    # Not even read.
    assert not any("endings_endingreview" in q["sql"] for q in read.captured_queries)
    bundle = packets.bundle_text(packet, disclosure_id=7)
    page = render_to_string("consent/packet_pdf.html", {"packet": packet, "disclosure": None})
    assert REVIEW_CODE not in bundle and "Ending review" not in bundle
    assert "Ending review" not in page
    for words in (bundle, page):
        assert "came up again" not in words and "Sunday calls" not in words


def test_each_review_signed_in_the_dates_goes_in_order(ending):  # noqa: F811
    world = ending
    earlier = carols_review(world)  # an earlier episode's review, signed first
    later = written(world)
    _, bundle, page = gathered(world, asked())
    assert [r["id"] for r in reviews_in(bundle)] == [str(earlier.pk), str(later.pk)]
    section = cover(bundle)["Ending review"]
    assert [e["reference"] for e in section["entry"]] == [
        f"Composition/{earlier.pk}",
        f"Composition/{later.pk}",
    ]
    assert page.count("the ending review signed") == 2
    assert page.index("Asking for what she needs</p>") < page.index("Asking for what she needs.")
    # Two reviews, and still every id on the page names one element.
    ids = re.findall(r'id="([^"]+)"', page)
    assert "review-2-work-heading" in ids and len(ids) == len(set(ids))


def test_the_signer_goes_with_the_review_when_someone_else_releases_it(ending):  # noqa: F811
    world = ending
    written(world)
    _, bundle, _ = gathered(world, asked(), by=world.sam)
    practitioners = {r["id"] for r in resources(bundle, "Practitioner")}
    assert practitioners == {str(world.sam.pk), str(world.alice.pk)}
    [composition] = reviews_in(bundle)
    assert composition["author"] == [{"reference": f"Practitioner/{world.alice.pk}"}]


def _count(world, request, authorization) -> int:
    with CaptureQueriesContext(connection) as read:
        packets.gather(
            client=world.carol,
            authorization=authorization,
            request=request,
            by=world.alice,
            at=request.at,
        )
    return len(read.captured_queries)


def _more_sessions(world, n):
    """``n`` more attended sessions in the episode, each with a signed progress note and a
    PHQ-9."""
    for i in range(n):
        session = Session.objects.create(
            practice=world.practice,
            client=world.carol,
            therapist=world.alice,
            starts_at=datetime.datetime(2026, 5, 1, 9, tzinfo=UTC) + datetime.timedelta(days=i),
            status="attended",
        )
        notes.progress_note_sign(
            session=session,
            by=world.alice,
            text=NoteText(focus="Sleep", interventions="CBT-I", response="Better", plan="Go on"),
        )
        measures.response_submit(
            client=world.carol,
            instrument_code="phq9",
            answers=PHQ9_MODERATE,
            by=world.carol_login,
            via="portal",
            session=session,
            idempotency_key=key(),
        )


def test_the_packet_costs_the_same_queries_however_many_sessions(ending):  # noqa: F811
    world = ending
    request = asked(categories=frozenset({Category.FULL_RECORD}))
    authorization = signed(world, categories=["full_record"])
    _more_sessions(world, 2)  # a note's addenda and attendees are read once there are notes
    without = _count(world, request, authorization)
    written(world)
    one = _count(world, request, authorization)
    assert one == without + FIRST_REVIEW_QUERIES
    _more_sessions(world, 20)
    assert _count(world, request, authorization) == one
    carols_review(world)
    assert one < _count(world, request, authorization) <= one + DRAFT_QUERIES
