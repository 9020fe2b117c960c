import dataclasses
import re

import pytest
from django.urls import reverse

from kithkin.assessments.models import Assessment, AssessmentVersion
from kithkin.assessments.services import assessment_save
from kithkin.core.assessments import LEVELS, Findings
from kithkin.relationships.services import episode_open, episode_transition

# The session and user, the access check and its audit event (the client with its
# relationships, chain head, event, head update), the episodes with their assessments, the
# version shown and the list of versions (the policy's answer on whether to show the form
# asks nothing more). None grows
# with the codes chosen, the versions kept or the episodes.
QUERIES = 9

FINDINGS = Findings(
    presenting_concerns="I've lived with depression for a long time.",
    personal_resources="Runs on weekends.",
    spiritual_challenges="Feels her life has no direction.",
    risk_level="low",
    risk_note="No current thoughts of harm.",
    formulation="Needs went unspoken at home.",
    codes=("F32.1",),
)


def page(client_record):
    return reverse("assessment", args=[client_record.pk])


def save_url(client_record):
    return reverse("assessment_save", args=[client_record.pk])


def form_data(version=0, **changes):
    data = {
        "version": version,
        "presenting_concerns": "I feel flat and I want to talk to my mum.",
        "risk_level": "none_known",
        **{f"{level.key}_resources": f"{level.label} strength" for level in LEVELS},
        **{f"{level.key}_challenges": f"{level.label} difficulty" for level in LEVELS},
    }
    data.update(changes)
    return data


@pytest.fixture
def episode(world):
    return episode_open(relationship=world.carol.therapy_relationships.get(), by=world.alice)


def saved(world, episode, **changes):
    return assessment_save(
        episode=episode,
        by=world.alice,
        findings=dataclasses.replace(FINDINGS, **changes),
        expected_version=Assessment.objects.filter(episode=episode).count()
        and Assessment.objects.get(episode=episode).version,
    )


def test_the_client_page_links_to_the_assessment(world, login):
    body = login(world.alice).get(reverse("client_detail", args=[world.carol.pk])).content
    assert page(world.carol).encode() in body


def test_the_therapist_starts_with_the_form_when_nothing_is_written(world, login, episode):
    response = login(world.alice).get(page(world.carol))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="assessment-form"' in body
    assert "Presenting concerns, in the client&#x27;s own words" in body
    for level in LEVELS:
        assert f"<legend>{level.label}</legend>" in body
        assert f'name="{level.key}_resources"' in body and f'name="{level.key}_challenges"' in body
    assert "A starting point, not a verdict." in body


def test_saving_redirects_to_the_assessment_and_shows_it(world, login, episode):
    browser = login(world.alice)
    response = browser.post(save_url(world.carol), form_data(codes=["F32.1"], add_codes="z63.8"))
    assert response.status_code == 302 and response.url == page(world.carol)
    version = AssessmentVersion.objects.get()
    assert [code for code, _ in version.codes] == ["F32.1", "Z63.8"]
    body = browser.get(page(world.carol)).content.decode()
    assert "Version 1, the current one, saved by Alice Example" in body
    assert "I feel flat and I want to talk to my mum." in body
    assert "Familial strength" in body and "Familial difficulty" in body
    assert "F32.1</span> Major depressive disorder, single episode, moderate" in body
    assert "Diagnosis codes: a starting point, not a verdict" in body
    assert 'href="?edit=1"' in body


def test_no_risk_shows_as_none_known_and_never_as_no_risk(world, login, episode):
    saved(world, episode, risk_level="none_known", risk_note="")
    body = login(world.alice).get(page(world.carol)).content.decode()
    assert "None known" in body
    assert "no risk" not in body.lower()


def test_editing_starts_from_the_current_version(world, login, episode):
    saved(world, episode)
    body = login(world.alice).get(page(world.carol) + "?edit=1").content.decode()
    assert 'name="version" value="1"' in body
    assert "Runs on weekends." in body
    assert re.search(r'value="F32.1"[^>]*checked', body)


def test_a_revision_keeps_the_earlier_version_readable(world, login, episode):
    saved(world, episode)
    browser = login(world.alice)
    browser.post(save_url(world.carol), form_data(version=1, symptoms="Sleeping badly."))
    body = browser.get(page(world.carol)).content.decode()
    assert "Version 2, the current one" in body
    earlier = browser.get(page(world.carol) + f"?episode={episode.pk}&version=1").content
    assert b"Version 1, saved by" in earlier and b"Read the current version (2)" in earlier
    assert b"Runs on weekends." in earlier
    assert b'href="?edit=1"' not in earlier  # an old version is read, not edited


def test_the_supervisor_reads_without_the_form(world, login, episode):
    saved(world, episode)
    body = login(world.sam).get(page(world.carol)).content.decode()
    assert "Runs on weekends." in body
    assert "assessment-form" not in body and "?edit=1" not in body
    asked = login(world.sam).get(page(world.carol) + "?edit=1").content.decode()
    assert "assessment-form" not in asked


def test_the_supervisor_may_not_save(world, login, episode):
    response = login(world.sam).post(save_url(world.carol), form_data())
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_without_an_open_episode_the_therapist_is_told_to_open_one(world, login):
    response = login(world.alice).get(page(world.carol))
    body = response.content.decode()
    assert "No episode of yours is open with Carol" in body
    assert reverse("client_timeline", args=[world.carol.pk]) + "#now" in body
    assert "assessment-form" not in body
    refused = login(world.alice).post(save_url(world.carol), form_data())
    assert refused.status_code == 409
    assert not Assessment.objects.exists()


def test_a_moderate_risk_without_a_note_is_refused_beside_the_note(world, login, episode):
    response = login(world.alice).post(save_url(world.carol), form_data(risk_level="moderate"))
    body = response.content.decode()
    assert response.status_code == 422
    assert "A moderate risk needs a note" in body
    assert "I feel flat and I want to talk to my mum." in body  # nothing typed is lost
    assert not Assessment.objects.exists()


def test_an_unknown_code_is_refused_with_the_reason(world, login, episode):
    response = login(world.alice).post(
        save_url(world.carol), form_data(codes=["F32.1"], add_codes="F99.9")
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "F99.9 is not a code in Kithkin&#x27;s ICD-10-CM list" in body
    # The known code stays ticked, and the unknown one stays where it was typed.
    assert re.search(r'value="F32.1"[^>]*checked', body)
    assert 'value="F99.9"' in body
    assert not Assessment.objects.exists()


def test_a_heading_is_refused_with_the_codes_below_it(world, login, episode):
    response = login(world.alice).post(save_url(world.carol), form_data(add_codes="F32"))
    assert response.status_code == 422
    assert b"is a heading, not a code to record" in response.content


def test_the_concerns_and_the_risk_level_are_required(world, login, episode):
    response = login(world.alice).post(save_url(world.carol), {"version": 0})
    body = response.content.decode()
    assert response.status_code == 422
    assert "Choose a risk level: none known, low, moderate or high." in body
    assert "This field is required." in body


def test_a_form_sent_twice_makes_one_assessment(world, login, episode):
    browser = login(world.alice)
    first = browser.post(save_url(world.carol), form_data())
    second = browser.post(save_url(world.carol), form_data())
    assert (first.status_code, second.status_code) == (302, 302)
    assert (Assessment.objects.count(), AssessmentVersion.objects.count()) == (1, 1)


def test_a_save_from_an_out_of_date_page_is_refused_and_keeps_the_text(world, login, episode):
    saved(world, episode)
    response = login(world.alice).post(
        save_url(world.carol), form_data(version=0, symptoms="Mine, from an old tab.")
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "saved again since this page was opened" in body
    assert "Mine, from an old tab." in body
    assert AssessmentVersion.objects.count() == 1


def test_an_earlier_episodes_assessment_stays_readable(world, login, episode):
    saved(world, episode)
    episode_transition(episode=episode, by=world.alice, to="closed", ending_type="lapsed")
    returned = episode_open(relationship=episode.relationship, by=world.alice)
    browser = login(world.alice)
    body = browser.get(page(world.carol)).content.decode()
    assert "Episode 2 with Alice Example" in body
    assert 'id="assessment-form"' in body  # the new episode has no assessment yet
    assert f'href="?episode={episode.pk}"' in body
    earlier = browser.get(page(world.carol) + f"?episode={episode.pk}").content.decode()
    assert "Runs on weekends." in earlier and "assessment-form" not in earlier
    assert returned.pk != episode.pk


def test_an_episode_of_another_client_is_not_shown(world, login, episode):
    saved(world, episode)
    body = login(world.bob).get(page(world.dave) + f"?episode={episode.pk}").content.decode()
    assert "Runs on weekends." not in body


def test_the_page_has_no_inline_script_or_style(world, login, episode):
    saved(world, episode)
    for url in (page(world.carol), page(world.carol) + "?edit=1"):
        body = login(world.alice).get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", body)
        assert " style=" not in body and "<style" not in body
        assert "hx-on" not in body and "onclick" not in body


def test_the_page_keeps_its_query_count_whatever_the_codes_and_versions(
    world, login, episode, django_assert_num_queries
):
    saved(world, episode)
    browser = login(world.alice)
    browser.get(page(world.carol))  # the first request of a session also reads the 2FA device
    with django_assert_num_queries(QUERIES):
        browser.get(page(world.carol))
    many = ("F32.1", "F41.1", "F43.10", "F43.21", "F51.01", "Z63.0", "Z63.8", "Z60.2", "Z56.6")
    for number in range(1, 6):
        assessment_save(
            episode=episode,
            by=world.alice,
            findings=dataclasses.replace(FINDINGS, codes=many, symptoms=f"week {number}"),
            expected_version=number,
        )
    with django_assert_num_queries(QUERIES):
        body = browser.get(page(world.carol)).content.decode()
    assert body.count('class="code"') == len(many)
    with django_assert_num_queries(QUERIES):
        browser.get(page(world.carol) + "?edit=1")
