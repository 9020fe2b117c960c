"""The spheres-of-influence map in a real browser: the therapist builds one in session with htmx,
and the client does the exercise at home in the portal. Screenshots are kept as artifacts."""

import pytest
from playwright.sync_api import expect

from kithkin.spheres.models import SphereEntry, SphereMap
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_the_therapist_builds_a_map_in_session_without_a_page_reload(
    world, live_server, page, artifacts
):
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/clients/{world.carol.pk}/people/")
    page.get_by_label("Name").fill("Grandmother June")
    page.get_by_label("Role").fill("grandmother")
    page.get_by_role("button", name="Add to Carol's people").click()
    expect(page.get_by_text("Grandmother June").first).to_be_visible()

    page.goto(f"{live_server.url}/clients/{world.carol.pk}/maps/")
    page.get_by_role("button", name="Start a new map in session").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Spheres of influence")
    # A marker on the window survives htmx swaps and dies with a full page load.
    page.evaluate("window.kithkinNoReload = true")

    place(page, "Grandmother June", ring="1 — closest, safest", types=["Family"], clearly=13)
    expect(page.locator(".bullseye svg")).to_contain_text("Grandmother June")
    place(page, "Diane", ring="2", types=["Friendship"], clearly=1)
    expect(page.locator(".bullseye svg")).to_contain_text("Diane")
    # Diane sits close but shows few components: the map suggests exploring it, gently.
    expect(page.get_by_role("heading", name="Worth exploring next session")).to_be_visible()
    prompt = "Diane sits in ring 2 but shows 1 of 14 components: worth exploring?"
    expect(page.get_by_text(prompt, exact=True)).to_be_visible()
    assert page.evaluate("window.kithkinNoReload") is True

    page.get_by_text("The map as a list").click()
    expect(page.locator(".text-list")).to_contain_text("Grandmother June")
    screenshot(page, artifacts, "therapist-map")

    the_map = SphereMap.objects.get(client=world.carol, made_by="therapist", status="draft")
    rings = dict(SphereEntry.objects.filter(map=the_map).values_list("person__name", "ring"))
    assert rings == {"Grandmother June": 1, "Diane": 2}


def place(page, person, *, ring, types, clearly):
    """Fills the editor for one person: ring, types, and 'clearly' for the first N components."""
    editor = page.locator("#map-editor")
    editor.locator("select[name=person]").select_option(label=person)
    editor.get_by_role("radio", name=ring, exact=True).check()
    for kind in types:
        editor.get_by_role("checkbox", name=kind, exact=True).check()
    selects = editor.locator("select[name^='c_']")
    for index in range(selects.count()):
        selects.nth(index).select_option("2" if index < clearly else "0")
    editor.get_by_role("button", name="Save this person's place").click()
