"""The spheres-of-influence map in a real browser: the therapist builds one in session with htmx,
and the client does the exercise at home in the portal. Screenshots are kept as artifacts."""

import pytest
from playwright.sync_api import expect

from kithkin.spheres import services
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


def test_the_client_does_the_exercise_at_home_and_the_therapist_sees_it_beside_her_own(
    world, live_server, page, artifacts
):
    therapists = services.map_create(client=world.carol, by=world.alice, made_by="therapist")
    log_in(page, live_server.url, "carol")
    page.get_by_role("link", name="Your maps").click()
    page.get_by_role("button", name="Start a new map").click()

    # 1. List the people.
    expect(page.locator("[aria-current=step]")).to_contain_text("List the people in your life")
    page.get_by_label("Name").fill("Grandmother June")
    page.get_by_label("Who they are to you").fill("grandmother")
    page.get_by_role("button", name="Add to my list").click()
    expect(page.locator(".people-list")).to_contain_text("Grandmother June")
    screenshot(page, artifacts, "1-people")
    page.get_by_role("button", name="Next").click()

    # 2. Place them on the bullseye.
    expect(page.locator("[aria-current=step]")).to_contain_text("Place them on the bullseye")
    fieldset(page, "Grandmother June").get_by_label("1, closest and safest").check()
    fieldset(page, "Diane").get_by_label("2", exact=True).check()
    page.get_by_role("button", name="Save and show on the bullseye").click()
    expect(page.locator(".exercise-drawing svg")).to_contain_text("Grandmother June")
    screenshot(page, artifacts, "2-place")
    page.get_by_role("button", name="Next").click()

    # 3. Name the types.
    fieldset(page, "Grandmother June").get_by_label("Family", exact=True).check()
    fieldset(page, "Diane").get_by_label("Friendship", exact=True).check()
    screenshot(page, artifacts, "3-types")
    page.get_by_role("button", name="Next").click()

    # 4. The components, one person at a time: June first, all clearly; Diane, only one.
    for name, clearly in (("Diane", 1), ("Grandmother June", 14)):
        page.get_by_role("navigation", name="People on your map").get_by_role(
            "link", name=name
        ).click()
        ratings = page.locator("fieldset.person-ratings fieldset")
        for index in range(ratings.count()):
            word = "clearly" if index < clearly else "absent"
            ratings.nth(index).get_by_label(word, exact=True).check()
        page.get_by_role("button", name="Save", exact=True).click()
    screenshot(page, artifacts, "4-components")

    # A draft saved for later reopens where the client left it.
    page.get_by_role("button", name="Save and finish later").click()
    page.goto(f"{live_server.url}/portal/maps/")
    page.get_by_role("link", name="Continue your map").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("Consider the components")
    page.get_by_role("link", name="Reflect").click()

    # 5. Reflect on the incongruence, then finish and share.
    prompt = "Diane sits in ring 2 but shows 1 of 14 components: worth exploring?"
    expect(page.get_by_text(prompt, exact=True)).to_be_visible()
    page.get_by_label("Your reflection").fill("Diane is close, but I hold back with her.")
    screenshot(page, artifacts, "5-reflect")
    page.get_by_role("button", name="Finish and share with my therapist").click()
    expect(page.locator(".lede")).to_contain_text("Finished and shared with your therapist on")
    screenshot(page, artifacts, "6-finished")

    home = SphereMap.objects.get(client=world.carol, made_by="client")
    assert home.status == "final"
    assert home.reflection == "Diane is close, but I hold back with her."
    assert dict(home.entries.values_list("person__name", "ring")) == {
        "Grandmother June": 1,
        "Diane": 2,
    }

    # The therapist sees it beside her own map, labelled as the client's.
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/clients/{world.carol.pk}/maps/{therapists.pk}/")
    beside = page.locator("aside.home-map")
    expect(beside).to_contain_text("own map")
    expect(beside).to_contain_text("at home")
    expect(beside.locator("svg")).to_contain_text("Grandmother June")
    expect(beside).to_contain_text("I hold back with her")
    screenshot(page, artifacts, "7-therapist-beside")


def fieldset(page, legend):
    return page.locator("fieldset", has=page.locator("legend", has_text=legend)).first
