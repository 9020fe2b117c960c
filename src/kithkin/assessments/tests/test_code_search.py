import re

from django.urls import reverse

# The session and user, the access check and its audit event (the client with its
# relationships, chain head, event, head update). The search itself reads no table.
QUERIES = 6


def search(client_record, query="", **params):
    url = reverse("assessment_codes", args=[client_record.pk])
    codes = "".join(f"&codes={c}" for c in params.get("codes", ()))
    return f"{url}?q={query}{codes}"


def test_with_htmx_it_answers_the_picker_with_boxes_to_tick(world, login):
    response = login(world.alice).get(search(world.carol, "F32"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert re.search(
        r'<input type="checkbox" name="codes" value="F32.1" form="assessment-form">', body
    )
    assert "Major depressive disorder, single episode, moderate" in body
    assert "10 codes match “F32”" in body


def test_codes_already_ticked_stay_ticked_above_the_results(world, login):
    response = login(world.alice).get(
        search(world.carol, "major depress", codes=["F32.1", "Z63.8"]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    chosen, _, results = body.partition("code-count")
    assert re.search(r'value="F32.1"[^>]*checked', chosen)
    assert re.search(r'value="Z63.8"[^>]*checked', chosen)
    assert 'value="F32.1"' not in results  # not offered twice
    assert 'value="F33.1"' in results


def test_an_unknown_code_sent_back_is_dropped_from_the_picker(world, login):
    body = login(world.alice).get(
        search(world.carol, "", codes=["F99.9", "F32"]), HTTP_HX_REQUEST="true"
    )
    assert b"F99.9" not in body.content and b'value="F32"' not in body.content


def test_without_htmx_it_is_a_page_to_look_codes_up(world, login):
    response = login(world.alice).get(search(world.carol, "family"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>ICD-10-CM codes</h1>" in body
    assert "Z63.5</span></td><td>Disruption of family by separation and divorce" in body
    assert "a starting point, not a verdict" in body
    assert 'type="checkbox"' not in body


def test_a_term_match_says_which_term(world, login):
    body = login(world.alice).get(search(world.carol, "spiritual")).content.decode()
    assert "Z65.8" in body and "(includes “Religious or spiritual problem”)" in body


def test_nothing_found_is_said_plainly(world, login):
    body = login(world.alice).get(search(world.carol, "xylophone")).content.decode()
    assert "0 codes match “xylophone”" in body


def test_the_supervisor_may_look_codes_up_too(world, login):
    assert login(world.sam).get(search(world.carol, "F32")).status_code == 200


def test_the_search_keeps_its_query_count_whatever_it_finds(
    world, login, django_assert_num_queries
):
    browser = login(world.alice)
    browser.get(search(world.carol, "x"))  # the first request of a session reads the 2FA device
    for query, codes in (("F32.1", []), ("disorder", ["F32.1", "F41.1", "Z63.8", "Z60.2"])):
        with django_assert_num_queries(QUERIES):
            browser.get(search(world.carol, query, codes=codes), HTTP_HX_REQUEST="true")
