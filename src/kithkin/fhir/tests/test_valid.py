"""Validation paid once per distinct resource (``kithkin.fhir.valid``): a dict goes out only once
its R4B model accepted it, a second equal dict is not validated again, and what goes out is what
the model would have dumped."""

import json

import pytest
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.observation import Observation
from pydantic import ValidationError

from kithkin.fhir import valid as memo
from kithkin.fhir.release import released_json
from kithkin.fhir.resources import encounter
from kithkin.fhir.valid import Element, NotAsDumped, element, unremembered, valid


def _score(total: int) -> dict:
    return {
        "id": "5",
        "status": "final",
        "code": {"text": "PHQ-9 total"},
        "subject": {"reference": "Patient/3"},
        "valueInteger": total,
    }


def test_a_valid_dict_goes_out_as_written_with_its_type_first(validations):
    data = valid(Observation, _score(12))
    assert validations == ["Observation"]
    assert next(iter(data)) == "resourceType" and data["resourceType"] == "Observation"
    assert {k: v for k, v in data.items() if k != "resourceType"} == _score(12)
    assert Observation.model_validate(data).model_dump(mode="json") == data


def test_the_same_resource_again_is_not_validated_again_but_a_changed_one_is(validations):
    valid(Observation, _score(12))
    valid(Observation, _score(12))
    assert validations == ["Observation"]
    valid(Observation, _score(13))
    assert validations == ["Observation", "Observation"]


def test_an_invalid_dict_is_refused_every_time(validations):
    bad = {**_score(12), "status": None, "valueInteger": "twelve"}
    for _ in range(2):
        with pytest.raises(ValidationError):
            valid(Observation, bad)
    assert validations == ["Observation", "Observation"]


def test_a_dict_its_model_would_write_differently_is_refused_under_the_check():
    # The same resource with its elements out of the model's order: valid FHIR, but not what
    # the model dumps, so a builder that wrote it would be caught by every test that uses it.
    shuffled = dict(reversed(list(_score(12).items())))
    with pytest.raises(NotAsDumped):
        valid(Observation, shuffled)


def test_a_utc_time_is_written_as_the_model_writes_it(carols_record):
    session = carols_record.session
    data = encounter.data(session, attendees=list(session.attendees.all()))
    assert data["period"]["start"].endswith("Z")
    assert data == encounter(session, attendees=list(session.attendees.all())).model_dump(
        mode="json"
    )


def test_a_pass_over_the_whole_practice_consults_the_memo_but_does_not_fill_it(validations):
    valid(Observation, _score(1))
    with unremembered():
        valid(Observation, _score(1))  # known: not validated again
        valid(Observation, _score(2))
        valid(Observation, _score(2))  # not remembered: validated again
    assert validations == ["Observation", "Observation", "Observation"]
    assert len(memo._seen) == 1


def test_the_memo_starts_again_when_full(validations, monkeypatch):
    monkeypatch.setattr(memo, "LIMIT", 2)
    for total in (1, 2, 3):
        valid(Observation, _score(total))
    assert len(memo._seen) == 1
    valid(Observation, _score(1))  # forgotten with the rest
    assert validations.count("Observation") == 4


def test_a_second_everything_validates_nothing_and_answers_the_same(
    record, fhir, validations, settings
):
    # As in production: the test settings' check would validate the whole Bundle again.
    settings.FHIR_CHECK_DUMP = False
    first = fhir(f"Patient/{record.carol.pk}/$everything", "alice")
    assert len(validations) > 8
    validations.clear()
    second = fhir(f"Patient/{record.carol.pk}/$everything", "alice")
    assert validations == []
    assert second.content == first.content


def test_a_dict_that_no_builder_validated_is_validated_before_it_leaves(validations):
    [(data, _)] = released_json([{"resourceType": "Observation", **_score(4)}])
    assert validations == ["Observation"] and data["valueInteger"] == 4
    with pytest.raises(ValidationError):
        released_json([{"resourceType": "Observation", **_score(4), "valueInteger": "four"}])


def test_a_shared_element_is_validated_once_and_stands_in_for_its_dict(validations):
    coding = element(Coding, {"system": "http://loinc.org", "code": "44261-6"})
    assert isinstance(coding.model, Coding) and coding == {
        "system": "http://loinc.org",
        "code": "44261-6",
    }
    data = valid(Observation, {**_score(3), "code": {"coding": [coding]}})
    assert data["code"]["coding"][0] is coding  # the dict sent is the one the builder wrote
    assert json.loads(data.text)["code"] == {
        "coding": [{"system": "http://loinc.org", "code": "44261-6"}]
    }
    assert validations == ["Observation"]


def test_an_invalid_element_is_refused_when_it_is_made():
    with pytest.raises(ValidationError):
        element(Coding, {"system": "not a uri with spaces", "code": ""})


def test_every_session_shares_its_constant_elements(carols_record):
    session = carols_record.session
    one = encounter.data(session, attendees=list(session.attendees.all()))
    two = encounter.data(session, attendees=list(session.attendees.all()))
    assert type(one["class"]) is Element and one["class"] is two["class"]
    assert one["participant"][0]["type"] is two["participant"][0]["type"]
