"""The ending review as a FHIR Composition (issue 9): ``Composition/{id}``, ``Composition?``,
and the review in $everything and bulk $export.

Personas (STYLE.md): alice treats carol and signs her review, sam supervises alice, bob is a
colleague without carol, mallory works in another practice. Carol's record at its ending
(``endings/tests/conftest.py``): Diane, her roommate, must not know she is discussed (seed 000),
and alice's own words in the review name her; Maria, her mother, comes to joint sessions.
"""

import datetime
import html
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kithkin.accounts.models import User
from kithkin.audit.models import AuditEvent
from kithkin.core.disclosure import Audience
from kithkin.endings import services
from kithkin.endings.models import EndingReview
from kithkin.endings.selectors import review_draft
from kithkin.endings.services import ReviewTexts
from kithkin.endings.tests.conftest import D, at, carols_review, ending  # noqa: F401
from kithkin.fhir import compositions, export, search, selectors
from kithkin.measures import services as measures
from kithkin.measures.models import Response
from kithkin.measures.tests.conftest import PHQ9_MODERATE, key
from kithkin.referrals.tests.conftest import carols_referral
from kithkin.relationships.models import Episode
from kithkin.schedule.models import Session

FHIR_JSON = "application/fhir+json"
THEMES = (
    "Diane and the rent came up again and again.\n\n"
    "Asking for what she needs <without> apologising & meaning it."
)
GROWTH = "Sunday calls with Maria go on; her roommate need not know."
SECTIONS = [
    "The journey",
    "The work done",
    "The progress made",
    "The relationships",
    "Plans for future growth",
    "The open door",
    "Referral",
]
# What drafting one review reads at most (endings.selectors.facts_for, the client and its
# practice given; one fewer when there is no finished map to read the entries of).
DRAFT_QUERIES = 11


@pytest.fixture
def reviewed(ending):  # noqa: F811 - the endings tests' fixture, imported above
    """Carol's review of her episode, with a referral out of it, written and signed by alice."""
    world = ending
    world.referral = carols_referral(world)
    review = services.review_start(episode=world.episode, by=world.alice)
    texts = ReviewTexts(themes=THEMES, future_growth=GROWTH)
    review = services.review_save(review=review, by=world.alice, texts=texts)
    world.review = services.review_sign(review=review, by=world.alice)
    return world


def read(fhir, world, who="alice"):
    return fhir(f"Composition/{world.review.pk}", who)


def composition(response) -> Composition:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    return Composition.model_validate_json(response.content)


def outcome(response, status, code):
    assert response.status_code == status
    [issue] = OperationOutcome.model_validate_json(response.content).issue
    assert (issue.severity, issue.code) == ("error", code)
    return issue


def bundle(response) -> Bundle:
    assert response.status_code == 200, response.content
    return Bundle.model_validate_json(response.content)


def refs(section) -> list[str]:
    return [entry.reference for entry in section.entry or []]


# --- The resource ---------------------------------------------------------------------------


def test_alice_reads_a_signed_review_as_a_final_composition(reviewed, fhir):
    found = composition(read(fhir, reviewed))
    assert found.id == str(reviewed.review.pk)
    assert found.status == "final"
    [coding] = found.type.coding
    assert (coding.system, coding.code) == ("http://loinc.org", "78263-1")
    assert found.subject.reference == f"Patient/{reviewed.carol.pk}"
    assert [a.reference for a in found.author] == [f"Practitioner/{reviewed.alice.pk}"]
    [attester] = found.attester
    assert attester.mode == "legal"
    assert attester.party.reference == f"Practitioner/{reviewed.alice.pk}"
    assert attester.time == found.date == reviewed.review.signed_at
    assert found.title == "The road travelled"
    [event] = found.event
    assert [d.reference for d in event.detail] == [f"EpisodeOfCare/{reviewed.episode.pk}"]
    assert event.period.start == D(2026, 3, 1) and event.period.end is None


def test_a_closed_episode_gives_the_event_its_end(reviewed, fhir):
    Episode.objects.filter(pk=reviewed.episode.pk).update(
        phase="closed", closed_on=D(2026, 11, 20), ending_type="planned"
    )
    [event] = composition(read(fhir, reviewed)).event
    assert (event.period.start, event.period.end) == (D(2026, 3, 1), D(2026, 11, 20))


def test_it_has_one_section_per_part_of_the_review(reviewed, fhir):
    found = composition(read(fhir, reviewed))
    assert [s.title for s in found.section] == SECTIONS
    sections = {s.title: s for s in found.section}
    [themes] = sections["The work done"].section
    assert themes.title == "Themes" and themes.text.status == "additional"
    assert "apologising" in themes.text.div
    assert sections["The journey"].text.status == "generated"
    assert sections["Plans for future growth"].text.status == "additional"
    assert "Sunday calls with Maria go on" in sections["Plans for future growth"].text.div
    [plans] = sections["The relationships"].section
    assert "Ask Maria to a joint session" in plans.text.div
    assert "The therapist referred the client to" in sections["Referral"].text.div


def test_each_section_points_at_the_records_it_was_drafted_from(reviewed, fhir):
    sections = {s.title: s for s in composition(read(fhir, reviewed)).section}
    assert refs(sections["The journey"]) == [f"EpisodeOfCare/{reviewed.episode.pk}"]
    assert refs(sections["The work done"]) == [f"Goal/{reviewed.goal.pk}"]
    responses = (
        Response.objects.filter(client=reviewed.carol, respondent="client", complete=True)
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)
    )
    assert refs(sections["The progress made"]) == [f"Observation/{pk}" for pk in responses]
    assert refs(sections["The relationships"]) == [f"RelatedPerson/{reviewed.maria.pk}"]
    assert refs(sections["Referral"]) == [f"ServiceRequest/{reviewed.referral.pk}"]
    # Every entry is served: a receiving system can follow each one.
    for section in sections.values():
        for reference in refs(section):
            assert fhir(reference, "alice").status_code == 200, reference


def test_its_text_is_the_draft_the_pdf_prints(reviewed, fhir):
    world = reviewed
    found = composition(read(fhir, world))
    today = timezone.localdate()
    letter = review_draft(world.episode, world.review, today=today, audience=Audience.LETTER)
    outbound = review_draft(world.episode, world.review, today=today, audience=Audience.FHIR_EXPORT)
    assert dataclass_texts(letter) == dataclass_texts(outbound)
    divs = "".join(s.text.div for s in found.section) + "".join(
        sub.text.div for s in found.section for sub in s.section or []
    )
    shown = [
        *letter.journey.sentences,
        letter.work_done.summary,
        *(g.text for g in letter.work_done.goals),
        *letter.work_done.themes,
        *(m.text for m in letter.progress.measures),
        letter.progress.overall,
        letter.progress.alliance.text,
        letter.relationships.summary,
        *(c.text for c in letter.relationships.changes),
        *(p.text for p in letter.relationships.partner_plans),
        *letter.future_growth,
        letter.open_door,
        letter.referral.text,
    ]
    for text in filter(None, shown):
        assert html.escape(text, quote=False).replace("\n", "<br/>") in divs, text


def dataclass_texts(draft) -> list[str]:
    return list(draft.texts())


def test_the_therapists_words_are_escaped_into_the_narrative(reviewed, fhir):
    text = read(fhir, reviewed).content.decode()
    assert "&lt;without&gt; apologising &amp; meaning it" in text
    assert "<without>" not in text


# --- Who is never named ---------------------------------------------------------------------


def _never_names_diane(world, text: str) -> None:
    assert not re.search(r"(?<!\w)(diane|roommate)(?!\w)", html.unescape(text), re.IGNORECASE)
    assert f"RelatedPerson/{world.diane.pk}" not in text


def test_the_unaware_roommate_is_never_named_or_referred_to(reviewed, fhir, settings, tmp_path):
    world = reviewed
    body = read(fhir, world).content.decode()
    _never_names_diane(world, body)
    # Alice's own words named her: they are kept, with Diane taken out.
    assert "[a person in the client's life] and the rent came up" in body
    assert "her [a person in the client's life] need not know" in body
    _never_names_diane(world, fhir("Composition", "alice", patient=world.carol.pk).content.decode())
    everything = fhir(f"Patient/{world.carol.pk}/$everything", "alice").content.decode()
    [found] = [
        e["resource"]
        for e in json.loads(everything)["entry"]
        if e["resource"]["resourceType"] == "Composition"
    ]
    _never_names_diane(world, json.dumps(found, ensure_ascii=False))
    settings.VAR_DIR = tmp_path
    _never_names_diane(world, _exported(world)["Composition"])


def _exported(world, types=None) -> dict[str, str]:
    ada = User.objects.filter(username="ada").first() or User.objects.create_user(
        username="ada", role="admin", practice=world.practice, may_bulk_export=True
    )
    job = export.export_start(user=ada, types=types or list(export.EXPORT_TYPES), request_url="x")
    job = export.export_run(job.pk)
    assert job.status == "completed", job.error
    return {t: export.file_path(job, t).read_text() for t in job.counts if job.counts[t]}


WORDS = st.sampled_from(["the", "rent", "Sunday", "calls", "<b>", "&", "home", "quiet", "1"])
NAMES = st.sampled_from(["Diane", "diane", "DIANE", "Diane's", "Diane\u2019s", "roommate"])
GAPS = st.sampled_from([" ", ", ", ". ", "\n", "\n\n", " (", ") ", " & ", " <"])


@st.composite
def written(draw) -> str:
    parts = draw(st.lists(st.one_of(WORDS, NAMES), min_size=1, max_size=12))
    parts.append(draw(NAMES))
    gaps = [draw(GAPS) for _ in parts]
    return "".join(part + gap for part, gap in zip(parts, gaps, strict=True))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(themes=written(), growth=written(), door=written())
def test_no_withheld_name_survives_whatever_the_therapist_writes(reviewed, themes, growth, door):
    """Whatever alice writes with the client, the Composition that leaves never names Diane:
    the path a read takes (the draft, the builder, the release guard), on a review in memory."""
    world = reviewed
    review = EndingReview.objects.get(pk=world.review.pk)
    review.themes, review.future_growth, review.open_door = themes, growth, door
    found = compositions.compositions(
        world.carol, [(review, world.episode)], **compositions.sources_of(world.carol)
    )
    # The draft's guard (the first line) and the release guard (the second) each hold alone.
    _never_names_diane(world, json.dumps(found, ensure_ascii=False))
    [released] = search.released(world.carol, found)
    assert Composition.model_validate(released).status == "final"
    _never_names_diane(world, json.dumps(released, ensure_ascii=False))


# --- What is not served ---------------------------------------------------------------------


def test_an_unsigned_review_is_not_found_anywhere(ending, fhir):  # noqa: F811
    world = ending
    review = services.review_start(episode=world.episode, by=world.alice)
    texts = ReviewTexts(themes="Nearly there", future_growth="Still writing")
    services.review_save(review=review, by=world.alice, texts=texts)
    there = fhir(f"Composition/{review.pk}", "alice")
    outcome(there, 404, "not-found")
    assert there.content == fhir("Composition/987654321", "alice").content
    assert bundle(fhir("Composition", "alice", patient=world.carol.pk)).total == 0
    everything = bundle(fhir(f"Patient/{world.carol.pk}/$everything", "alice"))
    assert "Composition" not in {e.resource.get_resource_type() for e in everything.entry}


def test_another_practices_review_is_not_found(reviewed, fhir):
    world = reviewed
    episode = Episode.objects.create(
        practice=world.elsewhere,
        relationship=world.eve.therapy_relationships.get(),
        phase="ending",
        opened_on=D(2026, 2, 1),
        opened_by=world.mallory,
    )
    review = services.review_start(episode=episode, by=world.mallory)
    texts = ReviewTexts(themes="Hers", future_growth="Hers too")
    review = services.review_save(review=review, by=world.mallory, texts=texts)
    review = services.review_sign(review=review, by=world.mallory)
    missing = fhir("Composition/987654321", "alice")
    there = fhir(f"Composition/{review.pk}", "alice")
    outcome(there, 404, "not-found")
    assert there.content == missing.content
    # And carol's is not mallory's.
    mine = read(fhir, world, "mallory")
    outcome(mine, 404, "not-found")
    assert b"Quill" not in mine.content
    assert composition(fhir(f"Composition/{review.pk}", "mallory")).id == str(review.pk)


@pytest.mark.parametrize("who", ["bob", "adam", "carol", "dave"])
def test_anyone_without_the_client_finds_nothing_and_is_audited(reviewed, fhir, who):
    there = read(fhir, reviewed, who)
    outcome(there, 404, "not-found")
    assert there.content == fhir("Composition/987654321", who).content
    outcome(fhir("Composition", who, patient=reviewed.carol.pk), 404, "not-found")
    if who == "bob":
        denied = AuditEvent.objects.filter(
            client_id=reviewed.carol.pk, action="client.view", actor=reviewed.bob
        )
        assert denied.count() == 2
        assert all(e.outcome == AuditEvent.Outcome.DENIED for e in denied)
        assert all(e.reason.endswith("[via fhir]") for e in denied)


def test_alice_and_her_supervisor_read_it_and_each_read_is_audited(reviewed, fhir):
    before = AuditEvent.objects.filter(action="client.view").count()
    composition(read(fhir, reviewed, "alice"))
    composition(read(fhir, reviewed, "sam"))
    events = AuditEvent.objects.filter(action="client.view").order_by("pk")[before:]
    assert [(e.actor_id, e.outcome) for e in events] == [
        (reviewed.alice.pk, AuditEvent.Outcome.ALLOWED),
        (reviewed.sam.pk, AuditEvent.Outcome.ALLOWED),
    ]
    assert events[0].reason == "treating therapist [via fhir]"


# --- Search ---------------------------------------------------------------------------------


def test_a_search_by_patient_type_and_date(reviewed, fhir):
    carol = reviewed.carol.pk
    signed_on = reviewed.review.signed_at.date()
    found = bundle(fhir("Composition", "alice", patient=carol))
    assert found.total == 1 and found.entry[0].resource.id == str(reviewed.review.pk)
    assert bundle(fhir("Composition", "alice", patient=carol, type="78263-1")).total == 1
    loinc = "http://loinc.org|78263-1"
    assert bundle(fhir("Composition", "alice", patient=carol, type=loinc)).total == 1
    assert bundle(fhir("Composition", "alice", patient=carol, type="34133-9")).total == 0
    assert bundle(fhir("Composition", "alice", patient=carol, type="http://x|78263-1")).total == 0
    after = (signed_on + datetime.timedelta(days=1)).isoformat()
    assert bundle(fhir("Composition", "alice", patient=carol, date=f"le{after}")).total == 1
    assert bundle(fhir("Composition", "alice", patient=carol, date=f"ge{after}")).total == 0


def test_a_search_pages_the_reviews(reviewed, fhir):
    earlier = carols_review(reviewed)
    first = bundle(fhir("Composition", "alice", patient=reviewed.carol.pk, _count="1"))
    # By id: the review of the episode that ended first was signed last.
    assert first.total == 2 and [e.resource.id for e in first.entry] == [str(reviewed.review.pk)]
    [following] = [link.url for link in first.link if link.relation == "next"]
    second = bundle(fhir(following, "alice"))
    assert [e.resource.id for e in second.entry] == [str(earlier.pk)]
    assert not [link for link in second.link if link.relation == "next"]


@pytest.mark.parametrize(
    "params",
    [{"type": "|"}, {"date": "2026-11-02"}, {"status": "final"}, {}],
)
def test_a_search_it_does_not_serve_is_refused(reviewed, fhir, params):
    if params:
        params = {"patient": reviewed.carol.pk, **params}
    outcome(fhir("Composition", "alice", **params), 400, "not-supported")


# --- $everything and bulk $export -----------------------------------------------------------


def test_everything_holds_each_signed_review(reviewed, fhir):
    earlier = carols_review(reviewed)
    found = bundle(fhir(f"Patient/{reviewed.carol.pk}/$everything", "alice"))
    composed = [e.resource for e in found.entry if e.resource.get_resource_type() == "Composition"]
    assert sorted(c.id for c in composed) == sorted([str(reviewed.review.pk), str(earlier.pk)])
    assert all(c.type.coding[0].code == "78263-1" for c in composed)


def test_the_export_writes_each_signed_review_as_a_composition(reviewed, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    files = _exported(reviewed)
    [line] = files["Composition"].splitlines()
    found = Composition.model_validate_json(line)
    assert found.id == str(reviewed.review.pk)
    assert found.model_dump_json() == line  # the guard's dict, as the model writes itself
    only = _exported(reviewed, types=["Composition"])
    assert list(only) == ["Composition"] and only["Composition"] == files["Composition"]


def test_composition_is_a_type_an_export_may_ask_for(db):
    assert "Composition" in export.parse_request({"_type": "Composition,Patient"})


# --- Queries --------------------------------------------------------------------------------


def _more(world, n):
    """``n`` more attended sessions in the episode, each with a PHQ-9."""
    for day in range(n):
        session = Session.objects.create(
            practice=world.practice,
            client=world.carol,
            therapist=world.alice,
            starts_at=at(D(2026, 5, 1) + datetime.timedelta(days=day)),
            status="attended",
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


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert call().status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "path", ["Composition/{review}", "Composition?patient={carol}", "Patient/{carol}/$everything"]
)
def test_the_queries_do_not_grow_with_the_record(reviewed, fhir, django_assert_num_queries, path):
    path = path.format(review=reviewed.review.pk, carol=reviewed.carol.pk)
    _more(reviewed, 3)
    fhir(path, "alice")  # the token's last use is written once a minute: not counted below
    few = _queries(lambda: fhir(path, "alice"))
    _more(reviewed, 20)
    with django_assert_num_queries(few):
        assert fhir(path, "alice").status_code == 200


def test_each_signed_review_costs_the_whole_record_its_drafts_queries(reviewed):
    """The record without a signed review costs what it did before (the reviews come with the
    episodes, in their query); each signed review adds its draft's queries, and nothing else."""
    with CaptureQueriesContext(connection) as one:
        selectors.resources_for_client(reviewed.carol)
    carols_review(reviewed)
    with CaptureQueriesContext(connection) as two:
        found = selectors.resources_for_client(reviewed.carol)
    assert sum(1 for r in found if r["resourceType"] == "Composition") == 2
    assert len(one) < len(two) <= len(one) + DRAFT_QUERIES


def test_the_export_adds_only_each_reviews_draft_queries(reviewed, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    _exported(reviewed)  # the first job creates the audit chain's head
    with CaptureQueriesContext(connection) as one:
        _exported(reviewed)
    carols_review(reviewed)
    with CaptureQueriesContext(connection) as two:
        files = _exported(reviewed)
    assert len(files["Composition"].splitlines()) == 2
    assert len(one) < len(two) <= len(one) + DRAFT_QUERIES
