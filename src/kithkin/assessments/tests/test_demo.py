from django.urls import reverse

from kithkin.assessments import icd10
from kithkin.assessments.models import Assessment
from kithkin.clients.models import Client
from kithkin.core.assessments import LEVELS, check, level_fields
from kithkin.demo.builder import load_demo


def test_alexis_has_her_assessment_in_two_versions(db):
    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    assessment = Assessment.objects.get(episode__relationship__client=alexis)
    first, current = assessment.versions.order_by("number")
    assert (assessment.version, current.number) == (2, 2)
    assert first.at < current.at < assessment.episode.transitions.get(to_phase="active").at
    concerns = current.presenting_concerns
    assert "depression" in concerns and "my mom" in concerns.lower() and "Diane" in concerns
    for level in LEVELS:
        resources, challenges = level_fields(level)
        assert getattr(current, resources) and getattr(current, challenges), level.key
    assert (current.risk_level, bool(current.risk_note)) == ("low", True)
    assert first.formulation == "" and current.formulation
    assert current.codes == [["F32.1", icd10.lookup("F32.1").title]]
    assert check(current.findings) == current.findings  # what the rules would accept


def test_alice_reads_it_and_may_revise_it(db, client):
    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    client.force_login(alexis.therapy_relationships.get().therapist)
    body = client.get(reverse("assessment", args=[alexis.pk])).content.decode()
    assert "Version 2, the current one" in body
    assert "Major depressive disorder, single episode, moderate" in body
    assert 'href="?edit=1"' in body
