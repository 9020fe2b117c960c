"""Authorizations as FHIR R4 Consent (REFERENCE.md's mapping), validated by the R4B model."""

import base64
import datetime

from django.utils import timezone
from fhir.resources.R4B.consent import Consent

from kithkin.consent.services import authorization_revoke
from kithkin.consent.tests.conftest import draft, sign
from kithkin.fhir.resources import consent
from kithkin.fhir.tests.conftest import roundtrip


def _draft(world):
    in_30_days = timezone.localdate() + datetime.timedelta(days=30)
    return draft(world, information_from=datetime.date(2026, 1, 1), expires_on=in_30_days)


def test_a_signed_authorization_is_an_active_hipaa_consent_with_its_provision(world):
    authorization = sign(world, _draft(world))
    resource = consent(authorization, now=timezone.now())
    assert isinstance(resource, Consent)
    data = roundtrip(resource)
    assert data["status"] == "active"
    assert data["scope"]["coding"][0]["code"] == "patient-privacy"
    assert data["category"][0]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "64292-6",
        "display": "Release of information consent",
    }
    assert data["policyRule"]["coding"][0]["code"] == "hipaa-auth"
    assert data["patient"] == {"reference": f"Patient/{world.carol.pk}"}
    provision = data["provision"]
    assert provision["type"] == "permit"
    assert provision["actor"][0]["reference"]["display"] == "Dr Ngozi Okafor, Riverside Counselling"
    assert provision["action"][0]["coding"][0]["code"] == "disclose"
    assert provision["purpose"] == [{"display": "Continuity of care"}]
    assert provision["dataPeriod"] == {"start": "2026-01-01"}
    assert provision["period"]["end"] == authorization.expires_on.isoformat()
    assert sorted(c["coding"][0]["code"] for c in provision["code"]) == ["measures", "plan"]
    text = base64.b64decode(data["sourceAttachment"]["data"]).decode("utf-8")
    assert text == authorization.text


def test_a_draft_is_proposed_and_a_revoked_or_expired_one_inactive(world):
    draft = _draft(world)
    assert consent.data(draft, now=timezone.now())["status"] == "proposed"
    signed = sign(world, draft)
    assert consent.data(signed, now=timezone.now())["status"] == "active"
    later = timezone.now() + datetime.timedelta(days=31)
    assert consent.data(signed, now=later)["status"] == "inactive"  # past its date
    revoked = authorization_revoke(authorization=signed, by=world.carol_login, via="portal")
    assert consent.data(revoked, now=timezone.now())["status"] == "inactive"


def test_the_facade_serves_the_clients_consents_to_her_clinicians_alone(world, fhir):
    signed = sign(world, _draft(world))
    pending = _draft(world)
    found = fhir("Consent", "alice", patient=world.carol.pk).json()
    assert found["total"] == 2
    statuses = {e["resource"]["id"]: e["resource"]["status"] for e in found["entry"]}
    assert statuses == {str(signed.pk): "active", str(pending.pk): "proposed"}
    read = fhir(f"Consent/{signed.pk}", "sam")
    assert read.status_code == 200 and read.json()["resourceType"] == "Consent"
    assert fhir(f"Consent/{signed.pk}", "bob").status_code == 404
    assert fhir(f"Consent/{signed.pk}", "mallory").status_code == 404
    assert fhir("Consent", "bob", patient=world.carol.pk).status_code == 404
