"""The therapeutic relationship's journey in a real browser, as alice lives it: a new client, the
episode moved from reaching out through assessment, formulation and planning, the signed plan,
the first session with its signed note and an addendum, a check-in, and the caseload showing
the client in active work. Through the pages only; the ORM reads what was saved at the end.

Each deliberate mistake (a missing name, a target date before the plan starts, a change to a
signed note) must be refused in words on the page, and nothing else may go wrong: no console
error, no script error, no Content Security Policy violation, no failed request but the refusals.
"""

import datetime
import re
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

# Chromium's own report of a page that answered 422: the status a refused form answers with.
REFUSED = "the server responded with a status of 422"

# Reports each CSP violation to the test. Injected by Playwright, which the CSP does not govern.
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.blockedURI} on ${event.documentURI}`;
  window.reportCspViolation(`${event.violatedDirective} blocked ${where}`);
});
"""


class Watch:
    """What went wrong in the browser during the journey, kept for the end of the test."""

    def __init__(self):
        self.console, self.csp, self.failed = [], [], []

    def attach(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        page.on("response", self._response)
        page.expose_function("reportCspViolation", self._csp)
        page.add_init_script(REPORT_CSP)

    def _console(self, message):
        if message.type == "error":
            self.console.append(f"{message.text} at {message.location['url']}")

    def _csp(self, violation: str):
        self.csp.append(violation)

    def _response(self, response):
        if response.status >= 400:
            self.failed.append((response.status, urlparse(response.url).path))


def test_a_new_client_goes_from_first_contact_to_a_check_in_of_their_signed_plan(
    world, live_server, page, artifacts
):
    watch = Watch()
    watch.attach(page)
    url = live_server.url
    now = timezone.localtime()
    today = now.date()
    log_in(page, url, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")

    client_id = add_the_client(page, artifacts)
    # First contact a week ago, so the first session, two hours ago, falls in the episode
    # whatever the hour the test runs at.
    open_the_episode(page, artifacts, first_contact=today - datetime.timedelta(days=7))
    move(page, "Assessment")
    screenshot(page, artifacts, "03-assessment-phase")
    back_to_the_client(page)
    write_the_assessment(page, artifacts)
    back_to_the_client(page)
    page.get_by_role("link", name="Timeline: episodes, phases and sessions").click()
    move(page, "Formulation")
    move(page, "Planning")
    screenshot(page, artifacts, "05-planning-phase")
    back_to_the_client(page)
    make_and_sign_the_plan(page, artifacts, today=today)
    back_to_the_client(page)
    page.get_by_role("link", name="Timeline: episodes, phases and sessions").click()
    move(page, "Active work")
    screenshot(page, artifacts, "08-active-work")
    back_to_the_client(page)
    session_path = hold_the_first_session(page, artifacts, at=now - datetime.timedelta(hours=2))
    write_and_sign_the_note(page, artifacts, f"{url}{session_path}", watch)
    back_to_the_client(page)
    record_a_check_in(page, artifacts)
    back_to_the_client(page)
    see_the_session_on_the_timeline(page, artifacts)
    see_the_caseload(page, artifacts)

    # The only failed requests are the four refusals asked for; Chromium logs each as an error
    # in the console, and nothing else may be there.
    assert watch.failed == [
        (422, "/clients/new/"),
        (422, f"/clients/{client_id}/plan/versions/{plan_version_id(client_id)}/goals/"),
        (422, f"{session_path}note/autosave/"),
        (422, f"{session_path}note/autosave/"),
    ]
    assert [e for e in watch.console if REFUSED not in e] == []
    assert len(watch.console) == len(watch.failed)
    assert watch.csp == []
    everything_was_saved(client_id)


def add_the_client(page, artifacts) -> int:
    from kithkin.clients.models import Client

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Add client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a client")
    page.get_by_label("Given name").fill("Ruth")
    page.get_by_label("Pronouns").fill("she/her")
    page.get_by_label("Date of birth").fill("1990-03-14")
    page.get_by_label("Email").fill("ruth@example.org")
    page.get_by_role("button", name="Add client").click()

    # The family name is missing: the form says so, keeps what was typed, and saves nothing.
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved")
    expect(page.get_by_label("Given name")).to_have_value("Ruth")
    expect(page.get_by_label("Family name")).to_have_attribute("aria-invalid", "true")
    assert not Client.objects.filter(given_name="Ruth").exists()
    screenshot(page, artifacts, "01-client-refused")

    page.get_by_label("Family name").fill("Okafor")
    page.get_by_role("button", name="Add client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ruth Okafor (she/her)")
    expect(page.get_by_text("Ruth Okafor was added to your caseload.")).to_be_visible()
    screenshot(page, artifacts, "01-client-added")
    return int(re.search(r"/clients/(\d+)/", page.url).group(1))


def open_the_episode(page, artifacts, *, first_contact):
    page.get_by_role("link", name="Timeline: episodes, phases and sessions").click()
    expect(page.get_by_text("No episode is open.")).to_be_visible()
    page.get_by_label("First contact on").fill(first_contact.isoformat())
    page.get_by_role("button", name="Open a new episode").click()
    expect(page.get_by_text("A new episode is open, at reaching out.")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Episode 1 with Alice Example: Reaching out")
    ).to_be_visible()
    screenshot(page, artifacts, "02-reaching-out")


def move(page, phase: str):
    """Moves the open episode forward one phase, with the form on the timeline."""
    page.get_by_label("Move to").select_option(label=f"{phase} (next)")
    page.get_by_role("button", name="Move the episode").click()
    expect(page.get_by_text(f"The episode moved to {phase.lower()}.")).to_be_visible()
    expect(
        page.get_by_role("heading", name=f"Episode 1 with Alice Example: {phase}")
    ).to_be_visible()


def back_to_the_client(page):
    page.get_by_role("link", name="← Ruth Okafor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ruth Okafor (she/her)")


def write_the_assessment(page, artifacts):
    page.get_by_role("link", name="Assessment", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessment of Ruth Okafor")
    page.get_by_label("Presenting concerns, in the client's own words").fill(
        "I can't get out of bed since the move, and I snap at my sister when she calls."
    )
    page.get_by_label("Familial resources").fill("Her sister calls every Sunday.")
    page.get_by_label("Familial challenges").fill("Arguments with her sister about their mother.")
    page.get_by_label("Social challenges").fill("No friends yet in the new city.")
    page.get_by_label("Symptoms").fill("Low mood, early waking, poor appetite for two months.")
    page.get_by_label("Low", exact=True).check()
    page.get_by_label("Formulation", exact=True).fill(
        "Low mood after a move away from her friends; the calls with her sister both hold and "
        "strain her."
    )
    page.get_by_label("Search codes by code or words").fill("major depress moderate")
    code = page.get_by_role("checkbox", name="F32.1 Major depressive disorder, single episode")
    code.check()
    screenshot(page, artifacts, "04-assessment-form")
    page.get_by_role("button", name="Save the assessment").click()
    expect(page.get_by_text("The assessment is saved (version 1).")).to_be_visible()
    expect(page.get_by_text("F32.1", exact=True)).to_be_visible()
    expect(page.get_by_text("Her sister calls every Sunday.")).to_be_visible()
    screenshot(page, artifacts, "04-assessment-saved")


def make_and_sign_the_plan(page, artifacts, *, today):
    page.get_by_role("link", name="Treatment plan").click()
    # The form offers the day it was drawn; a run that crosses midnight has a later one.
    offered = page.get_by_label("The plan starts on").input_value()
    assert offered in (today.isoformat(), timezone.localdate().isoformat())
    page.get_by_role("button", name="Start the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Version 1 of the plan (draft)")

    sections = page.get_by_role("form", name="Sections")
    sections.get_by_label("Concerns, in the client's words").fill(
        "Getting out of bed; not snapping at my sister."
    )
    sections.get_by_label("Check in every").fill("4")
    sections.get_by_label("Weeks or sessions").select_option(label="sessions")
    sections.get_by_role("button", name="Save the sections").click()
    expect(page.get_by_text("Draft version 1 is saved.")).to_be_visible()
    screenshot(page, artifacts, "06-plan-sections")

    goal = page.get_by_role("form", name="Add a goal")
    goal.get_by_label("The goal, in the client's own words").fill(
        "Talk with my sister without it ending in a fight."
    )
    goal.get_by_label("How you will both know it is reached").fill(
        "Three calls in a row end on good terms."
    )
    # A target date before the plan starts is refused, and the goal's words stay.
    goal.get_by_label("Target date").fill((today - datetime.timedelta(days=1)).isoformat())
    goal.get_by_role("button", name="Add the goal").click()
    goal = page.get_by_role("form", name="Add a goal")
    expect(goal.get_by_role("alert")).to_contain_text("is before the plan starts")
    expect(goal.get_by_label("How you will both know it is reached")).to_have_value(
        "Three calls in a row end on good terms."
    )
    screenshot(page, artifacts, "06-goal-refused")
    goal.get_by_label("Target date").fill((today + datetime.timedelta(days=90)).isoformat())
    goal.get_by_role("button", name="Add the goal").click()
    expect(page.get_by_text("Goal 1 is added to the draft.")).to_be_visible()

    page.get_by_role("button", name="Sign version 1").click()
    expect(page.get_by_text("Version 1 is signed and locked.")).to_be_visible()
    expect(page.get_by_role("heading", name="The signed plan, version 1")).to_be_visible()
    expect(page.get_by_text("Talk with my sister without it ending in a fight.")).to_be_visible()
    screenshot(page, artifacts, "07-plan-signed")


def hold_the_first_session(page, artifacts, *, at) -> str:
    page.get_by_role("link", name="Sessions", exact=True).click()
    page.get_by_role("link", name="Schedule a session").click()
    page.get_by_label("Starts at").fill(at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Modality").select_option(label="Video")
    page.get_by_role("button", name="Schedule the session").click()
    expect(page.get_by_text("The session is scheduled.")).to_be_visible()
    screenshot(page, artifacts, "09-session-scheduled")

    page.get_by_label("Attended").check()
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_text("The session is recorded as attended.")).to_be_visible()
    screenshot(page, artifacts, "10-session-attended")
    page.get_by_role("link", name="Progress note").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress note")
    return urlparse(page.url).path.removesuffix("note/")


def write_and_sign_the_note(page, artifacts, session_url, watch):
    note = f"{session_url}note/"
    status = page.get_by_role("status").filter(has_text="Draft saved")
    expect(page.get_by_text("No note yet: start writing")).to_be_visible()
    page.get_by_label("Focus", exact=True).fill("The move, and the calls with her sister.")
    # The draft saves itself a moment after typing stops, and says so.
    expect(status).to_have_text(re.compile(r"^Draft saved at \d\d:\d\d\.\s*$"))
    page.get_by_label("Interventions").fill("Mapped who she has in the new city.")
    page.get_by_label("The client's response").fill("Tearful, then named a colleague she likes.")
    page.get_by_label("Plan", exact=True).press_sequentially("Invite the colleague for coffee.")
    with page.expect_response(lambda r: "bored" in (r.request.post_data or "")) as saved:
        page.get_by_label("What is happening now between us").fill(
            "She checked whether I was bored of her; I said I was not."
        )
    assert saved.value.ok
    expect(status).to_have_text(re.compile(r"^Draft saved at"))
    screenshot(page, artifacts, "11-note-autosaved")

    # A second tab on the draft, left open while the note is signed in the first.
    # (Playwright's page fixture owns its context, so the second tab is a second window that
    # shares the sign-in.)
    window = page.context.browser.new_context(viewport=page.viewport_size)
    window.add_cookies(page.context.cookies())
    stale = window.new_page()
    stale.set_default_timeout(10_000)
    watch.attach(stale)
    stale.goto(note)
    expect(stale.get_by_label("Plan", exact=True)).to_have_value("Invite the colleague for coffee.")

    page.get_by_role("button", name="Sign and lock").click()
    expect(
        page.get_by_text("The note is signed and locked. Later changes are addenda.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Signed note")).to_be_visible()
    # Locked: the headings are text now, with no field to change them.
    expect(page.get_by_role("textbox", name="Focus")).to_have_count(0)
    expect(page.get_by_text("Mapped who she has in the new city.")).to_be_visible()
    screenshot(page, artifacts, "12-note-signed")

    # The stale tab's autosave is refused, and its "Save draft" offers the text as an addendum.
    stale.get_by_label("Plan", exact=True).fill("Invite the colleague, and call her sister.")
    expect(stale.locator("#note-saved")).to_contain_text("Reload the page to add one.")
    stale.get_by_role("button", name="Save draft").click()
    expect(stale.get_by_role("textbox", name="Addendum")).to_have_value(
        "Plan: Invite the colleague, and call her sister."
    )
    screenshot(stale, artifacts, "13-stale-tab-refused")
    window.close()

    page.reload()
    page.get_by_role("textbox", name="Addendum").fill(
        "She wrote afterwards: she will call her sister too."
    )
    page.get_by_role("button", name="Add the addendum").click()
    expect(page.get_by_text("The addendum was added to the signed note.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^By Alice Example, "))).to_have_count(1)
    screenshot(page, artifacts, "14-addendum")


def record_a_check_in(page, artifacts):
    page.get_by_role("link", name="Treatment plan").click()
    # Signed today with a cadence in sessions: the first check-in is not due yet, and may be
    # held early.
    page.get_by_role("link", name="Record a check-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in of the plan of Ruth Okafor")
    goal = page.get_by_role("group", name=re.compile("^Goal 1: Talk with my sister"))
    goal.get_by_role("combobox", name="Progress").select_option(label="Improving")
    goal.get_by_label("A short note").fill("One good call this week.")
    page.get_by_label("Notes on the check-in").fill("Reviewed after the first session.")
    screenshot(page, artifacts, "15-check-in")
    page.get_by_role("button", name="Record the check-in").click()
    expect(page.get_by_text("The check-in is recorded.")).to_be_visible()
    check_ins = page.get_by_role("region", name="Check-ins")
    expect(check_ins).to_contain_text("Alice Example reviewed version 1")
    expect(page.get_by_text("at the check-in of")).to_contain_text("improving")
    screenshot(page, artifacts, "15-check-in-recorded")


def see_the_session_on_the_timeline(page, artifacts):
    page.get_by_role("link", name="Timeline: episodes, phases and sessions").click()
    episode = page.get_by_role("article", name="Episode 1 with Alice Example")
    expect(episode).to_contain_text("Active work, middle stage. 1 session.")
    expect(episode.locator(".event-session")).to_contain_text(
        "Session: attended, individual, video"
    )
    screenshot(page, artifacts, "16-timeline")


def see_the_caseload(page, artifacts):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Caseload").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Ruth Okafor"))
    expect(row).to_contain_text("Active work")
    expect(row).to_contain_text("Middle")
    # The last attended session is the one just held.
    expect(row.locator("td").nth(1).locator("time")).to_have_count(1)
    screenshot(page, artifacts, "17-caseload")


def plan_version_id(client_id: int) -> int:
    from kithkin.plans.models import PlanVersion

    return PlanVersion.objects.get(plan__client_id=client_id, number=1).pk


def everything_was_saved(client_id: int):
    from kithkin.assessments.models import AssessmentVersion
    from kithkin.audit.models import AuditEvent
    from kithkin.clients.models import Client
    from kithkin.notes.models import ProgressNote
    from kithkin.plans.models import CheckIn, PlanVersion
    from kithkin.relationships.models import Episode
    from kithkin.schedule.models import Session

    client = Client.objects.get(pk=client_id)
    assert (client.given_name, client.family_name, client.pronouns) == ("Ruth", "Okafor", "she/her")
    assert Client.objects.filter(given_name="Ruth").count() == 1

    episode = Episode.objects.get(relationship__client=client)
    assert episode.phase == "active"
    assert list(episode.transitions.order_by("pk").values_list("to_phase", flat=True)) == [
        "reaching_out",
        "assessment",
        "formulation",
        "planning",
        "active",
    ]

    assessment = AssessmentVersion.objects.get(assessment__episode=episode)
    assert [code for code, _ in assessment.codes] == ["F32.1"]
    assert assessment.risk_level == "low"
    assert assessment.familial_resources == "Her sister calls every Sunday."

    version = PlanVersion.objects.get(plan__client=client)
    assert version.signed_at is not None
    assert version.plan.episode == episode
    assert (version.cadence_every, version.cadence_unit) == (4, "sessions")
    [goal] = version.goals.all()
    assert goal.target_date > version.starts_on

    session = Session.objects.get(client=client)
    assert (session.status, session.modality) == ("attended", "video")

    note = ProgressNote.objects.get(session=session)
    assert note.signed_at is not None
    assert note.plan == "Invite the colleague for coffee."
    assert note.between_us == "She checked whether I was bored of her; I said I was not."
    assert [a.text for a in note.addenda.all()] == [
        "She wrote afterwards: she will call her sister too."
    ]

    [check_in] = CheckIn.objects.filter(plan=version.plan)
    assert check_in.version == version
    assert check_in.revision is None
    assert [(r.goal_id, r.achievement) for r in check_in.progress.all()] == [(goal.pk, "improving")]

    # Every write is in the audit trail, by alice, in the order of the journey; refused forms
    # wrote nothing. (Reads and access checks are audited too, and left out here.)
    events = AuditEvent.objects.filter(client_id=client_id).order_by("seq")
    assert set(events.values_list("actor__username", flat=True)) == {"alice"}
    writes = [
        action
        for action in events.values_list("action", flat=True)
        if not action.endswith(".view") and action != "client.change"
    ]
    # Autosaves come as often as typing pauses, so only their presence is fixed.
    assert "progress_note.save" in writes
    assert [action for action in writes if action != "progress_note.save"] == [
        "client.create",
        "episode.open",
        "episode.transition",
        "assessment.create",
        "episode.transition",
        "episode.transition",
        "plan.start",
        "plan.version.edit",
        "plan.goal.add",
        "plan.sign",
        "episode.transition",
        "session.schedule",
        "session.status",
        # The attended session sends the client a check-in link (measures/reminders.py).
        "measures.reminder.send",
        "progress_note.create",
        "progress_note.sign",
        "progress_note.addendum",
        "plan.check_in",
    ]
