"""A practice loads a licensed instrument from its own definition file (here the made-up example
in docs/instruments), its responses are scored like any other, and a retired one takes no new
responses while the ones already given keep their scores."""

import hashlib
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kithkin.audit.models import AuditEvent
from kithkin.core.instruments import InstrumentError, read_instrument
from kithkin.measures import instruments, library, services
from kithkin.measures.instruments import instrument_for, instruments_for, instruments_on_record
from kithkin.measures.library import MAX_DEFINITION_BYTES, LibraryError
from kithkin.measures.models import Answer, PracticeInstrument, Response
from kithkin.measures.tests.conftest import key

ROOT = Path(__file__).resolve().parents[4]
EXAMPLE_FILE = ROOT / "docs" / "instruments" / "example-instrument.json"
EXAMPLE = EXAMPLE_FILE.read_text("utf-8")
CODE = "session_rating_example"
LICENCE = "Made up for the tests: granted by nobody, number 0, until forever."
# 8 + 7 + 9 + 6 = 30 of 40, "Mostly high ratings".
ANSWERS = {1: 8, 2: 7, 3: 9, 4: 6}


def version(number: str) -> str:
    return EXAMPLE.replace('"version": "0.1"', f'"version": "{number}"')


def load(world, text=EXAMPLE, *, licence=LICENCE, by=None, practice=None):
    return library.instrument_load(
        practice=practice or world.practice, text=text, licence=licence, by=by or world.adam
    )


def events(world, prefix="measures.instrument."):
    return list(
        AuditEvent.objects.filter(practice=world.practice, action__startswith=prefix).order_by(
            "seq"
        )
    )


@pytest.fixture
def loaded(world):
    return load(world)


# --- Loading ------------------------------------------------------------------------------------


def test_the_made_up_example_is_kept_as_the_file_says_with_its_sha256(world):
    row = load(world, EXAMPLE_FILE.read_bytes())
    assert (row.code, row.version, row.title) == (CODE, "0.1", "Session Rating Example (made up)")
    assert row.definition == EXAMPLE
    assert row.sha256 == hashlib.sha256(EXAMPLE_FILE.read_bytes()).hexdigest()
    assert (row.licence, row.loaded_by, row.retired_at) == (LICENCE, world.adam, None)


def test_loading_is_audited_with_the_code_version_and_sha256_and_never_the_text(world, loaded):
    [event] = events(world)
    assert (event.action, event.resource_type, event.resource_id) == (
        "measures.instrument.load",
        "PracticeInstrument",
        str(loaded.pk),
    )
    assert (event.actor, event.client_id) == (world.adam, None)
    assert CODE in event.reason and "0.1" in event.reason and loaded.sha256 in event.reason
    assert "I knew what we were going to talk about" not in event.reason
    assert LICENCE not in event.reason


def test_the_loaded_instrument_joins_the_shipped_ones_in_its_practice_only(world, loaded):
    assert list(instruments_for(world.practice)) == ["phq9", "gad7", "alliance", CODE]
    assert instrument_for(world.practice, CODE).short_title == "Session example"
    assert CODE not in instruments_for(world.elsewhere)


def test_a_response_to_the_loaded_instrument_is_scored_like_any_other(world, loaded, submit):
    response = submit(CODE, ANSWERS, free_text="More time at the end")
    response.refresh_from_db()
    assert (response.instrument, response.instrument_version) == (CODE, "0.1")
    assert (response.total, response.band, response.complete) == (30, "Mostly high ratings", True)
    assert response.free_text == "More time at the end"
    assert dict(Answer.objects.filter(response=response).values_list("item", "value")) == ANSWERS


def test_an_answer_the_loaded_instrument_does_not_allow_is_refused(world, loaded, submit):
    with pytest.raises(InstrumentError, match="11 is not one of them"):
        submit(CODE, {**ANSWERS, 2: 11})
    assert not Response.objects.exists()


def test_a_page_reads_the_rows_but_parses_each_definition_once(world, loaded):
    instruments._PARSED.clear()
    with mock.patch.object(instruments, "read_instrument", wraps=read_instrument) as reads:
        instruments_for(world.practice)
        instruments_for(world.practice)
        instrument_for(world.practice, CODE)
    assert reads.call_count == 1


# --- What is refused ----------------------------------------------------------------------------


def _unknown_key():
    # A misspelt key in the first item.
    return EXAMPLE.replace('"required": true', '"requried": true', 1)


REFUSED = {
    "an invalid file": (
        _unknown_key(),
        LICENCE,
        "Unknown key 'items[0].requried'. An item may have: number, text, answers",
    ),
    "text that is not JSON": ("{", LICENCE, "The definition is not valid JSON"),
    "a shipped code": (
        EXAMPLE.replace(f'"code": "{CODE}"', '"code": "phq9"'),
        LICENCE,
        "The code 'phq9' is PHQ-9's, which Kithkin ships: a practice cannot replace a shipped "
        "instrument.",
    ),
    "a blank licence": (EXAMPLE, "  \n ", "Say what licence the practice holds"),
    "a file too large": (
        " " * (MAX_DEFINITION_BYTES + 1),
        LICENCE,
        "The file is larger than 256 KB",
    ),
    "bytes that are not UTF-8": (b'{"title": "\xff"}', LICENCE, "The file is not UTF-8 text"),
    "a version too long to keep": (
        version("1." + "0" * 40),
        LICENCE,
        "'version' is 42 characters long; at most 40 fit.",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_file_stores_nothing_and_says_why(world, case):
    text, licence, message = REFUSED[case]
    with pytest.raises(LibraryError) as refused:
        load(world, text, licence=licence)
    assert message in str(refused.value)
    assert not PracticeInstrument.objects.exists()
    assert not events(world)


def test_the_same_code_and_version_is_loaded_once(world, loaded):
    with pytest.raises(LibraryError, match=r"Version 0\.1 of session_rating_example was already"):
        load(world)
    assert PracticeInstrument.objects.get() == loaded
    assert len(events(world)) == 1


def test_a_retired_version_is_not_loaded_again(world, loaded):
    library.instrument_retire(practice_instrument=loaded, by=world.adam)
    with pytest.raises(LibraryError, match=r"and retired since\. A definition loaded again"):
        load(world)
    assert PracticeInstrument.objects.count() == 1


def test_another_practice_loads_its_own_copy_of_the_same_version(world, loaded):
    theirs = load(world, practice=world.elsewhere, by=world.mallory)
    assert theirs.practice == world.elsewhere
    assert CODE in instruments_for(world.elsewhere)


# --- New versions and retiring ------------------------------------------------------------------


def test_a_new_version_retires_the_live_one_in_the_same_transaction(world, loaded):
    newer = load(world, version("0.2"))
    loaded.refresh_from_db()
    assert (loaded.retired_by, newer.retired_at) == (world.adam, None)
    assert loaded.retired_at == newer.loaded_at
    assert instrument_for(world.practice, CODE).version == "0.2"
    assert [(e.action, e.resource_id) for e in events(world)] == [
        ("measures.instrument.load", str(loaded.pk)),
        ("measures.instrument.retire", str(loaded.pk)),
        ("measures.instrument.load", str(newer.pk)),
    ]
    assert "replaced by 0.2" in events(world)[1].reason


def test_a_failed_new_version_leaves_the_live_one_live(world, loaded):
    with pytest.raises(LibraryError):
        load(world, version("0.2"), licence="")
    loaded.refresh_from_db()
    assert loaded.retired_at is None


def test_a_retired_instrument_takes_no_new_responses_but_keeps_the_old(world, loaded, submit):
    given = submit(CODE, ANSWERS)
    library.instrument_retire(practice_instrument=loaded, by=world.adam, ip="10.0.0.8")
    loaded.refresh_from_db()
    assert loaded.retired_by == world.adam and loaded.retired_at is not None
    assert CODE not in instruments_for(world.practice)
    with pytest.raises(InstrumentError, match="was retired by the practice and takes no new"):
        submit(CODE, ANSWERS)
    with pytest.raises(InstrumentError, match="was retired"):
        services.link_create(client=world.carol, instrument_code=CODE, by=world.alice)
    assert list(Response.objects.all()) == [given]
    # The definition it was scored with is still on record, for showing it.
    assert instruments_on_record(world.practice)[(CODE, "0.1")].high == 40
    retire = events(world)[-1]
    assert (retire.action, retire.ip, retire.client_id) == (
        "measures.instrument.retire",
        "10.0.0.8",
        None,
    )
    assert loaded.sha256 in retire.reason


def test_an_instrument_is_retired_once(world, loaded):
    library.instrument_retire(practice_instrument=loaded, by=world.adam)
    with pytest.raises(LibraryError, match=r"was already retired on .* by Adam Example"):
        library.instrument_retire(practice_instrument=loaded, by=world.adam)
    assert len(events(world)) == 2


def test_an_unknown_code_still_lists_the_practices_questionnaires(world, loaded):
    with pytest.raises(InstrumentError) as refused:
        instrument_for(world.practice, "ors")
    assert str(refused.value) == (
        "There is no questionnaire called 'ors'. The questionnaires are: PHQ-9, GAD-7, "
        "Alliance check-in, Session example."
    )


def test_instruments_on_record_keep_every_version_by_code_and_version(world, loaded):
    load(world, version("0.2"))
    on_record = instruments_on_record(world.practice)
    assert {(CODE, "0.1"), (CODE, "0.2"), ("phq9", "1.0")} <= set(on_record)
    assert on_record[(CODE, "0.1")].version == "0.1"


def test_the_alliance_cut_off_of_the_practice_still_applies(world, loaded):
    world.practice.alliance_cutoff = 63
    world.practice.save()
    assert instruments_for(world.practice)["alliance"].cutoff.value == 63
    assert instruments.alert_settings_for(world.practice).low_alliance == 7.0


# --- The therapist's pages ----------------------------------------------------------------------


def test_the_therapist_enters_sends_and_hands_over_the_loaded_instrument(world, login, loaded):
    alice = login(world.alice)
    page = alice.get(reverse("measures", args=[world.carol.pk])).content.decode()
    enter = reverse("measures_enter", args=[world.carol.pk, CODE])
    assert f'href="{enter}">Session example</a>' in page
    assert page.count(f'<option value="{CODE}">Session example</option>') == 2  # link, kiosk
    form = {"key": key(), "session": "", **{f"item_{n}": v for n, v in ANSWERS.items()}}
    assert alice.post(enter, form).status_code == 302
    assert Response.objects.get().total == 30
    page = alice.get(reverse("measures", args=[world.carol.pk])).content.decode()
    assert "30 of 40: Mostly high ratings" in page


def test_a_response_to_a_retired_instrument_still_shows_on_the_measures_page(
    world, login, loaded, submit
):
    submit(CODE, ANSWERS)
    library.instrument_retire(practice_instrument=loaded, by=world.adam)
    alice = login(world.alice)
    page = alice.get(reverse("measures", args=[world.carol.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert f'<option value="{CODE}">' not in body
    assert "30 of 40: Mostly high ratings" in body


def test_a_retired_instrument_cannot_be_entered_any_more(world, login, loaded):
    library.instrument_retire(practice_instrument=loaded, by=world.adam)
    alice = login(world.alice)
    assert alice.get(reverse("measures_enter", args=[world.carol.pk, CODE])).status_code == 404
    page = alice.get(reverse("measures", args=[world.carol.pk])).content.decode()
    assert f'<option value="{CODE}">' not in page and "Session example" not in page


def test_a_link_made_before_the_instrument_was_retired_shows_the_neutral_page(
    world, client, loaded
):
    _, token = services.link_create(client=world.carol, instrument_code=CODE, by=world.alice)
    assert client.get(reverse("measures_link", args=[token])).status_code == 200
    library.instrument_retire(practice_instrument=loaded, by=world.adam)
    neutral = client.get(reverse("measures_link", args=[token]))
    assert neutral.status_code == 404
    assert services.NEUTRAL in neutral.content.decode()


def test_a_kiosk_started_before_the_instrument_was_retired_shows_the_hand_back_page(
    world, login, loaded
):
    alice = login(world.alice)
    started = alice.post(
        reverse("measures_kiosk_start", args=[world.carol.pk]), {"instrument": CODE}
    )
    assert started.status_code == 302
    assert alice.get(started.url).status_code == 200
    library.instrument_retire(practice_instrument=loaded, by=world.adam)
    over = alice.get(started.url)
    assert over.status_code == 404
    assert "Please hand the tablet back" in over.content.decode()


# --- The command --------------------------------------------------------------------------------


def command(*args):
    out, err = StringIO(), StringIO()
    call_command("instruments", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_the_command_loads_a_file_and_lists_it(world):
    said = command(
        "load", "--practice", "riverside", "--licence", LICENCE, "--user", "adam", str(EXAMPLE_FILE)
    )
    row = PracticeInstrument.objects.get()
    assert said.startswith(f"Loaded Session Rating Example (made up) ({CODE}, version 0.1")
    assert row.sha256 in said and row.loaded_by == world.adam and row.licence == LICENCE
    [event] = events(world)
    assert event.actor == world.adam
    listed = command("list", "--practice", "riverside")
    assert f"{CODE}\t0.1\tlive\tloaded " in listed and "by adam" in listed
    assert row.sha256[:12] in listed
    assert "has loaded no instruments" in command("list", "--practice", "elsewhere")


def test_the_command_lists_a_retired_version(world, loaded):
    load(world, version("0.2"))
    listed = command("list", "--practice", "riverside").splitlines()
    assert [line.split("\t")[:2] for line in listed] == [[CODE, "0.2"], [CODE, "0.1"]]
    assert listed[1].split("\t")[2].startswith("retired ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--practice", "nowhere", "--user", "adam"], "There is no practice with the slug"),
        (["--practice", "riverside", "--user", "mallory"], "Riverside has no user called"),
        (["--practice", "riverside", "--user", "alice"], "alice cannot load instruments: only"),
        (
            ["--practice", "riverside", "--user", "adam", "--licence", " "],
            "Say what licence the practice holds",
        ),
    ],
)
def test_the_command_refuses_with_the_reason_and_stores_nothing(world, args, message):
    if "--licence" not in args:
        args = [*args, "--licence", LICENCE]
    with pytest.raises(CommandError, match=message):
        command("load", *args, str(EXAMPLE_FILE))
    assert not PracticeInstrument.objects.exists()


def test_the_command_names_the_file_it_refuses(world, tmp_path):
    broken = tmp_path / "srs.json"
    broken.write_text(_unknown_key(), "utf-8")
    args = ["--practice", "riverside", "--user", "adam", "--licence", LICENCE]
    with pytest.raises(CommandError, match=r"^srs.json: Unknown key 'items\[0\].requried'"):
        command("load", *args, str(broken))
    with pytest.raises(CommandError, match="No such file or directory"):
        command("load", *args, str(tmp_path / "missing.json"))
    assert not PracticeInstrument.objects.exists()
