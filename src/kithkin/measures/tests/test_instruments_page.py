"""The practice admin's page of licensed instruments: adam loads the made-up example from its file,
sees it listed, and retires it; a refused file comes back on the form and nothing is stored."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kithkin.accounts.models import User
from kithkin.audit.models import AuditEvent
from kithkin.measures.instruments import instruments_for
from kithkin.measures.library import MAX_DEFINITION_BYTES
from kithkin.measures.models import PracticeInstrument
from kithkin.measures.tests.test_library import CODE, EXAMPLE, LICENCE, load, version

PAGE = reverse("practice_instruments")
# The session, the user, the practice for the heading, and the list with who loaded and retired
# each version.
QUERIES = 4


def upload(text=EXAMPLE, name="example-instrument.json"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="application/json")


def retire_url(row) -> str:
    return reverse("practice_instrument_retire", args=[row.pk])


def body(response) -> str:
    return response.content.decode()


def test_adam_loads_the_example_from_its_file(world, login):
    adam = login(world.adam)
    form = adam.get(PAGE)
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in body(form) and 'type="file"' in body(form)
    assert "csrfmiddlewaretoken" in body(form)
    sent = adam.post(PAGE, {"definition": upload(), "licence": LICENCE}, follow=True)
    assert sent.redirect_chain == [(PAGE, 302)]
    assert "Session Rating Example (made up), version 0.1, is loaded" in body(sent)
    row = PracticeInstrument.objects.get()
    assert (row.practice, row.loaded_by, row.definition) == (world.practice, world.adam, EXAMPLE)
    assert CODE in instruments_for(world.practice)
    event = AuditEvent.objects.get(action="measures.instrument.load")
    assert event.ip == "127.0.0.1"


def test_the_list_shows_each_version_its_licence_and_whether_it_is_live(world, login):
    first = load(world)
    second = load(world, version("0.2"), licence="Granted by Example Press, no. 42, to 2027")
    page = body(login(world.adam).get(PAGE))
    assert page.count("<code>session_rating_example</code>") == 2
    assert "Granted by Example Press, no. 42, to 2027" in page
    # Shortened, with the whole hash on hover to compare with `sha256sum`.
    assert f'<code title="{second.sha256}">{second.sha256[:12]}…</code>' in page
    assert "<strong>Live</strong>" in page and "Retired <time" in page
    assert "by Adam Example" in page
    # One retire button, for the live version only.
    assert retire_url(second) in page and retire_url(first) not in page


def test_a_refused_file_comes_back_on_the_form_and_nothing_is_stored(world, login):
    adam = login(world.adam)
    cases = [
        (upload(EXAMPLE.replace(f'"code": "{CODE}"', '"code": "gad7"')), "which Kithkin ships"),
        (upload("{"), "The definition is not valid JSON"),
        (upload(b" " * (MAX_DEFINITION_BYTES + 10)), "The file is larger than 256 KB"),
        (upload(b""), "The file is empty."),
    ]
    for file, message in cases:
        refused = adam.post(PAGE, {"definition": file, "licence": LICENCE})
        assert refused.status_code == 422
        assert message in body(refused)
    assert not PracticeInstrument.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="measures.instrument.").exists()


def test_a_file_without_a_licence_or_a_licence_without_a_file_is_refused(world, login):
    adam = login(world.adam)
    refused = adam.post(PAGE, {"definition": upload(), "licence": "   "})
    assert refused.status_code == 422
    assert "Say what licence the practice holds for this instrument" in body(refused)
    refused = adam.post(PAGE, {"licence": LICENCE})
    assert refused.status_code == 422
    assert "Choose the definition file to load." in body(refused)
    assert not PracticeInstrument.objects.exists()


def test_the_same_version_sent_twice_is_stored_once(world, login):
    adam = login(world.adam)
    adam.post(PAGE, {"definition": upload(), "licence": LICENCE})
    again = adam.post(PAGE, {"definition": upload(), "licence": LICENCE})
    assert again.status_code == 422
    assert "Version 0.1 of session_rating_example was already loaded" in body(again)
    assert PracticeInstrument.objects.count() == 1


def test_adam_retires_an_instrument(world, login):
    row = load(world)
    adam = login(world.adam)
    retired = adam.post(retire_url(row), follow=True)
    assert retired.redirect_chain == [(PAGE, 302)]
    assert "is retired: it takes no new responses" in body(retired)
    row.refresh_from_db()
    assert row.retired_by == world.adam
    assert CODE not in instruments_for(world.practice)
    again = adam.post(retire_url(row), follow=True)
    assert "was already retired" in body(again)
    assert AuditEvent.objects.filter(action="measures.instrument.retire").count() == 1


def test_retiring_is_a_post_only(world, login):
    row = load(world)
    assert login(world.adam).get(retire_url(row)).status_code == 405
    row.refresh_from_db()
    assert row.retired_at is None


def test_staff_who_are_not_admins_and_clients_get_403(world, login):
    row = load(world)
    for user in (world.alice, world.sam, world.carol_login, world.mallory):
        signed_in = login(user)
        assert signed_in.get(PAGE).status_code == 403
        assert signed_in.post(PAGE, {"definition": upload(), "licence": LICENCE}).status_code == 403
        assert signed_in.post(retire_url(row)).status_code == 403
    row.refresh_from_db()
    assert row.retired_at is None
    assert PracticeInstrument.objects.count() == 1


def test_another_practices_admin_finds_no_instrument_of_ours(world, login):
    row = load(world)
    mel = User.objects.create_user(
        username="mel", password="x", role=User.Roles.ADMIN, practice=world.elsewhere
    )
    mels = login(mel)
    assert mels.post(retire_url(row)).status_code == 404
    assert CODE not in body(mels.get(PAGE))
    row.refresh_from_db()
    assert row.retired_at is None


def test_the_admin_menu_links_to_the_page(world, login):
    page = body(login(world.adam).get(reverse("practice_users")))
    assert f'href="{PAGE}"' in page


def test_the_page_reads_the_same_number_of_queries_for_many_versions(
    world, login, django_assert_max_num_queries, django_assert_num_queries
):
    adam = login(world.adam)
    load(world)
    adam.get(PAGE)  # the first page of a session also reads the two-factor devices and saves it
    with django_assert_max_num_queries(QUERIES) as few:
        assert adam.get(PAGE).status_code == 200
    for n in range(2, 30):
        load(world, version(f"0.{n}"))
    with django_assert_num_queries(len(few.captured_queries)):
        page = adam.get(PAGE)
    assert body(page).count("<code>session_rating_example</code>") == 29
