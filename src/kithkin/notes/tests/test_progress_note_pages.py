import dataclasses
import datetime
import re

import pytest
from django.utils import timezone

from kithkin.accounts.models import EmergencyAccess
from kithkin.audit.models import AuditEvent
from kithkin.notes.models import Addendum, ProgressNote
from kithkin.notes.services import addendum_add, progress_note_save, progress_note_sign
from kithkin.notes.tests.conftest import WRITTEN, form_data
from kithkin.schedule.models import Session

HTMX = {"HTTP_HX_REQUEST": "true"}


def body(response) -> str:
    return response.content.decode()


def key_in(page: str) -> str:
    return re.search(r'name="key" value="([^"]+)"', page).group(1)


@pytest.fixture
def signed(world, session):
    return progress_note_sign(session=session, by=world.alice, text=WRITTEN)


def test_alice_starts_a_note_on_an_empty_form_that_autosaves(world, session, login, urls):
    response = login(world.alice).get(urls("progress_note"))
    assert response.status_code == 200
    page = body(response)
    assert "<h1>Progress note</h1>" in page
    for label in ("Focus", "Interventions", "The client&#x27;s response", "Plan"):
        assert f">{label} " in page or f">{label}<" in page
    assert "What is happening now between us" in page
    autosave = urls("progress_note_autosave")
    assert f'hx-post="{autosave}"' in page and 'hx-trigger="input changed delay:1500ms"' in page
    assert f'action="{autosave}"' in page  # "Save draft" without script
    assert f'formaction="{urls("progress_note_sign")}"' in page
    assert 'id="note-saved"' in page and 'role="status"' in page


def test_autosave_answers_only_the_saved_status(world, session, login, urls):
    response = login(world.alice).post(urls("progress_note_autosave"), form_data(), **HTMX)
    assert response.status_code == 200
    note = ProgressNote.objects.get()
    expected = timezone.localtime(note.updated_at).strftime("%H:%M")
    assert body(response).strip() == f"Draft saved at {expected}."
    assert note.text == WRITTEN


def test_autosave_sent_again_and_again_keeps_one_note(world, session, login, urls):
    browser = login(world.alice)
    for _ in range(3):
        browser.post(urls("progress_note_autosave"), form_data(), **HTMX)
    browser.post(urls("progress_note_autosave"), form_data())  # "Save draft" too
    assert ProgressNote.objects.count() == 1
    assert AuditEvent.objects.filter(action__startswith="progress_note.").count() == 1


def test_save_draft_without_script_returns_to_the_note(world, session, login, urls):
    browser = login(world.alice)
    response = browser.post(urls("progress_note_autosave"), form_data())
    assert response.status_code == 302 and response.url == urls("progress_note")
    page = body(browser.get(urls("progress_note")))
    assert "Draft saved at" in page
    assert WRITTEN.between_us in page


def test_an_empty_autosave_creates_nothing(world, session, login, urls):
    response = login(world.alice).post(urls("progress_note_autosave"), {}, **HTMX)
    assert body(response).strip() == "Nothing to save yet."
    assert not ProgressNote.objects.exists()


def test_signing_locks_the_note_and_the_page_offers_an_addendum(world, session, login, urls):
    browser = login(world.alice)
    response = browser.post(urls("progress_note_sign"), form_data())
    assert response.status_code == 302
    page = body(browser.get(urls("progress_note")))
    assert "Signed by Alice Example on" in page
    assert 'name="focus"' not in page  # no longer an editable form
    assert WRITTEN.focus in page
    assert "Add an addendum" in page and 'name="key"' in page


def test_signing_an_empty_note_is_refused_with_what_is_missing(world, session, login, urls):
    response = login(world.alice).post(
        urls("progress_note_sign"), form_data(dataclasses.replace(WRITTEN, focus="", plan=""))
    )
    assert response.status_code == 422
    page = body(response)
    assert "Write the focus before signing." in page
    assert "Write the plan before signing." in page
    assert WRITTEN.between_us in page  # what was typed is still in the form
    assert not ProgressNote.objects.exists()


def test_editing_a_signed_note_is_refused_and_the_change_goes_to_the_addendum_form(
    world, signed, login, urls
):
    edited = dataclasses.replace(WRITTEN, plan="Ask on Saturday instead")
    response = login(world.alice).post(urls("progress_note_autosave"), form_data(edited))
    assert response.status_code == 422
    page = body(response)
    assert "signed and locked, so it cannot be edited. Add an addendum instead" in page
    assert "Plan: Ask on Saturday instead" in page  # nothing typed is lost
    assert "Focus:" not in page.split("Add an addendum")[-1]  # unchanged headings stay out
    assert ProgressNote.objects.get().plan == WRITTEN.plan


def test_a_stale_autosave_on_a_signed_note_says_why_in_the_status(world, signed, login, urls):
    edited = dataclasses.replace(WRITTEN, plan="Changed in another tab")
    response = login(world.alice).post(urls("progress_note_autosave"), form_data(edited), **HTMX)
    assert response.status_code == 422
    assert "signed and locked" in body(response) and "<main" not in body(response)


def test_signing_twice_is_one_signature(world, session, login, urls):
    browser = login(world.alice)
    assert browser.post(urls("progress_note_sign"), form_data()).status_code == 302
    assert browser.post(urls("progress_note_sign"), form_data()).status_code == 302
    assert AuditEvent.objects.filter(action="progress_note.sign").count() == 1


def test_an_addendum_form_sent_twice_adds_one_addendum(world, signed, login, urls):
    browser = login(world.alice)
    key = key_in(body(browser.get(urls("progress_note"))))
    for _ in range(2):
        response = browser.post(
            urls("progress_note_addendum"), {"text": "She wrote: it went well.", "key": key}
        )
        assert response.status_code == 302
    [addendum] = Addendum.objects.all()
    assert addendum.author == world.alice
    page = body(browser.get(urls("progress_note")))
    assert "She wrote: it went well." in page and "By Alice Example" in page
    assert key_in(page) != key  # the next form is a new one


def test_an_empty_addendum_is_refused(world, signed, login, urls):
    response = login(world.alice).post(
        urls("progress_note_addendum"), {"text": "  ", "key": "a" * 32}
    )
    assert response.status_code == 422
    assert "Write the addendum before adding it." in body(response)
    assert not Addendum.objects.exists()


def test_an_addendum_to_a_draft_is_refused_with_the_reason(world, session, login, urls):
    progress_note_save(session=session, by=world.alice, text=WRITTEN)
    response = login(world.alice).post(
        urls("progress_note_addendum"), {"text": "later", "key": "a" * 32}
    )
    assert response.status_code == 422
    assert "Addenda follow a signed note" in body(response)


def test_the_supervisor_reads_the_note_without_forms_and_cannot_write(world, signed, login, urls):
    browser = login(world.sam)
    page = body(browser.get(urls("progress_note")))
    assert WRITTEN.between_us in page
    assert '<form class="form' not in page
    assert "psychotherapy" not in page.lower()
    for name in ("progress_note_autosave", "progress_note_sign"):
        assert browser.post(urls(name), form_data()).status_code == 403
    assert (
        browser.post(urls("progress_note_addendum"), {"text": "x", "key": "a" * 32}).status_code
        == 403
    )


def test_the_supervisor_sees_a_draft_as_a_draft(world, session, login, urls):
    progress_note_save(session=session, by=world.alice, text=WRITTEN)
    page = body(login(world.sam).get(urls("progress_note")))
    assert "Not signed yet" in page and WRITTEN.focus in page


def test_reading_a_note_is_audited_with_the_note(world, signed, login, urls):
    login(world.sam).get(urls("progress_note"))
    event = AuditEvent.objects.filter(action="progress_note.view").get()
    assert (event.actor, event.resource_id, event.client_id) == (
        world.sam,
        str(signed.pk),
        world.carol.pk,
    )
    assert AuditEvent.objects.filter(actor=world.sam, action="client.view").exists()


def test_a_colleague_on_emergency_access_reads_without_forms(world, signed, login, urls):
    EmergencyAccess.objects.create(
        practice=world.practice,
        user=world.bob,
        client=world.carol,
        reason="Crisis call while alice is away",
        started_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    browser = login(world.bob)
    page = body(browser.get(urls("progress_note")))
    assert WRITTEN.focus in page and "emergency access" in page
    assert 'name="key"' not in page
    assert browser.post(urls("progress_note_sign"), form_data()).status_code == 403


def test_a_session_of_another_client_is_not_found(world, login, urls):
    daves = Session.objects.create(
        practice=world.practice,
        client=world.dave,
        therapist=world.alice,
        starts_at=timezone.now() - datetime.timedelta(days=2),
    )
    browser = login(world.alice)
    assert browser.get(urls("progress_note", the_session=daves)).status_code == 404
    response = browser.post(urls("progress_note_autosave", the_session=daves), form_data())
    assert response.status_code == 404
    assert not ProgressNote.objects.exists()


def test_a_colleague_treating_the_client_cannot_write_the_sessions_note(
    world, session, login, urls
):
    from kithkin.relationships.models import TherapyRelationship

    TherapyRelationship.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.bob,
        started_on=datetime.date(2026, 1, 5),
    )
    browser = login(world.bob)
    page = body(browser.get(urls("progress_note")))
    assert 'name="focus"' not in page
    assert "Your psychotherapy note" not in page
    assert browser.post(urls("progress_note_autosave"), form_data()).status_code == 403


def test_the_note_page_costs_the_same_with_three_or_thirty_addenda(
    world, signed, login, urls, django_assert_max_num_queries, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            addendum_add(
                session=signed.session,
                by=world.alice,
                text=f"Addendum {i}",
                idempotency_key=f"key-{n}-{i:04d}-abcdefgh",
            )

    browser = login(world.alice)
    add(3)
    browser.get(urls("progress_note"))  # warm the session and caches
    # The login session, the user, the client and its therapists, the access event (savepoint,
    # chain head, event, head update, release), the session, the note, its addenda with their
    # authors, the policy's answer on whether to show the forms, and the read event of the note.
    with django_assert_max_num_queries(18) as few:
        assert browser.get(urls("progress_note")).status_code == 200
    add(27)
    with django_assert_num_queries(len(few.captured_queries)):
        page = body(browser.get(urls("progress_note")))
    assert page.count('class="card addendum"') == 30


def test_the_note_pages_carry_no_inline_script_or_style(world, session, login, urls):
    # The CSP allows neither: autosave is htmx attributes, the look is site.css.
    browser = login(world.alice)
    for name in ("progress_note", "psychotherapy_note"):
        page = body(browser.get(urls(name))).split("<body", 1)[1]
        assert "<script" not in page and "style=" not in page and "hx-on" not in page
        assert "<style" not in page


def test_pages_that_list_sessions_learn_each_notes_state_in_one_query(
    world, session, django_assert_num_queries
):
    from kithkin.notes.selectors import note_states

    later = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
    )
    progress_note_sign(session=session, by=world.alice, text=WRITTEN)
    with django_assert_num_queries(1):
        states = note_states([session.pk, later.pk])
    assert states == {session.pk: "signed"}
