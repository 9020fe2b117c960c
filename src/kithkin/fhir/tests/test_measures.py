import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kithkin.core.instruments import shipped_instruments
from kithkin.fhir.resources import observation, questionnaire, questionnaire_response
from kithkin.fhir.tests.conftest import roundtrip, z
from kithkin.measures import services
from kithkin.measures.tests.conftest import GAD7_MODERATE, PHQ9_MODERATE, key

LOINC = "http://loinc.org"
INSTRUMENTS = shipped_instruments()
# REFERENCE.md: PHQ-9 items 1-9, then the difficulty item; GAD-7 items 1-7.
PHQ9_ITEMS = [
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
    "69722-7",
]
GAD7_ITEMS = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
FREQUENCY = [("LA6568-5", 0), ("LA6569-3", 1), ("LA6570-1", 2), ("LA6571-9", 3)]


def _loinc(codes):
    return [{"system": LOINC, "code": code} for code in codes]


def test_the_phq9_questionnaire_carries_the_loinc_panel_items_and_answers():
    resource = questionnaire(INSTRUMENTS["phq9"])
    assert isinstance(resource, Questionnaire)
    data = roundtrip(resource)
    header = {k: v for k, v in data.items() if k != "item"}
    assert header == {
        "resourceType": "Questionnaire",
        "id": "phq9-1.0",
        "url": "https://kithkin.example/fhir/Questionnaire/phq9",
        "version": "1.0",
        "name": "PHQ9",
        "title": "Patient Health Questionnaire (PHQ-9)",
        "status": "active",
        "subjectType": ["Patient"],
        "description": "A validated measure of depression severity; a score is not a diagnosis.",
        "purpose": INSTRUMENTS["phq9"].instructions,
        "copyright": "Free to use without permission.",
        "code": _loinc(["44249-1"]),
    }
    assert [item["code"] for item in data["item"]] == [_loinc([c]) for c in PHQ9_ITEMS]
    item9 = data["item"][8]
    assert item9 == {
        "linkId": "9",
        "code": _loinc(["44260-8"]),
        "prefix": "9.",
        "text": "Thoughts that you would be better off dead or of hurting yourself in some way",
        "type": "choice",
        "required": True,
        "answerOption": [
            {
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
                        "valueDecimal": value,
                    }
                ],
                "valueCoding": {"system": LOINC, "code": code, "display": label},
            }
            for (code, value), label in zip(
                FREQUENCY,
                ["Not at all", "Several days", "More than half the days", "Nearly every day"],
                strict=True,
            )
        ],
    }


def test_the_phq9_difficulty_item_is_optional_and_its_uncoded_answers_use_a_kithkin_system():
    difficulty = roundtrip(questionnaire(INSTRUMENTS["phq9"]))["item"][9]
    assert difficulty["required"] is False
    assert difficulty["answerOption"][1]["valueCoding"] == {
        "system": "https://kithkin.example/fhir/CodeSystem/phq9-difficulty",
        "code": "1",
        "display": "Somewhat difficult",
    }


def test_the_gad7_questionnaire_carries_its_loinc_codes():
    data = roundtrip(questionnaire(INSTRUMENTS["gad7"]))
    assert data["code"] == _loinc(["69737-5"])
    assert [item["code"] for item in data["item"]] == [_loinc([c]) for c in GAD7_ITEMS]
    assert [o["valueCoding"]["code"] for o in data["item"][0]["answerOption"]] == [
        code for code, _ in FREQUENCY
    ]


def test_the_alliance_check_in_says_it_is_not_validated_and_has_no_loinc_code():
    data = roundtrip(questionnaire(INSTRUMENTS["alliance"]))
    assert "not a validated instrument" in data["description"]
    assert "code" not in data
    assert data["item"][-1]["type"] == "text"


def _submit(world, code, answers):
    return services.response_submit(
        client=world.carol,
        instrument_code=code,
        answers=answers,
        by=world.carol_login,
        via="portal",
        idempotency_key=key(),
    )


def test_a_phq9_response_becomes_a_questionnaire_response_with_coded_answers(world):
    response = _submit(world, "phq9", PHQ9_MODERATE)
    resource = questionnaire_response(
        response, INSTRUMENTS["phq9"], answers=list(response.answers.all())
    )
    assert isinstance(resource, QuestionnaireResponse)
    data = roundtrip(resource)
    items = data.pop("item")
    assert data == {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "meta": {"lastUpdated": z(response.submitted_at)},
        "questionnaire": "https://kithkin.example/fhir/Questionnaire/phq9|1.0",
        "status": "completed",
        "subject": {"reference": f"Patient/{world.carol.pk}"},
        "authored": z(response.submitted_at),
        "author": {"reference": f"Patient/{world.carol.pk}"},
        "source": {"reference": f"Patient/{world.carol.pk}"},
    }
    assert items[0] == {
        "linkId": "1",
        "text": "Little interest or pleasure in doing things",
        "answer": [
            {
                "valueCoding": {
                    "system": LOINC,
                    "code": "LA6570-1",
                    "display": "More than half the days",
                }
            }
        ],
    }
    # Ten items asked; the optional difficulty item was left blank, so it has no answer.
    assert [i["linkId"] for i in items] == [str(n) for n in range(1, 11)]
    assert "answer" not in items[9]


def test_a_phq9_score_is_an_observation_with_the_loinc_total_band_and_item_9(world):
    response = _submit(world, "phq9", PHQ9_MODERATE)
    resource = observation(response, INSTRUMENTS["phq9"], answers=list(response.answers.all()))
    assert isinstance(resource, Observation)
    assert roundtrip(resource) == {
        "resourceType": "Observation",
        "id": str(response.pk),
        "meta": {"lastUpdated": z(response.submitted_at)},
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                        "display": "Survey",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": "44261-6"}], "text": "PHQ-9 total"},
        "subject": {"reference": f"Patient/{world.carol.pk}"},
        "effectiveDateTime": z(response.submitted_at),
        "valueInteger": 12,
        "interpretation": [{"text": "Moderate"}],
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response.pk}"}],
        "component": [
            {
                "code": {
                    "coding": [{"system": LOINC, "code": "44260-8"}],
                    "text": INSTRUMENTS["phq9"].item(9).text,
                },
                "valueInteger": 0,
            }
        ],
    }


def test_an_endorsed_item_9_is_interpreted_as_the_risk_alert(world):
    response = _submit(world, "phq9", {**PHQ9_MODERATE, 9: 2})
    data = roundtrip(
        observation(response, INSTRUMENTS["phq9"], answers=list(response.answers.all()))
    )
    assert data["component"][0]["valueInteger"] == 2
    assert data["component"][0]["interpretation"] == [
        {"text": "Item 9 endorsed: review risk the same day"}
    ]


def test_an_incomplete_phq9_has_no_total_and_item_9_unknown_never_zero(world):
    response = _submit(world, "phq9", {**PHQ9_MODERATE, 9: None})
    data = roundtrip(
        observation(response, INSTRUMENTS["phq9"], answers=list(response.answers.all()))
    )
    assert "valueInteger" not in data and "interpretation" not in data
    absent = {
        "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
        "code": "unknown",
        "display": "Unknown",
    }
    assert data["dataAbsentReason"] == {
        "coding": [absent],
        "text": "Incomplete: 8 of 9 items answered",
    }
    component = data["component"][0]
    assert "valueInteger" not in component
    assert component["dataAbsentReason"] == {
        "coding": [absent],
        "text": "Not answered: risk unknown",
    }


def test_a_gad7_score_carries_the_gad7_total_code_and_no_item_9(world):
    response = _submit(world, "gad7", GAD7_MODERATE)
    data = roundtrip(
        observation(response, INSTRUMENTS["gad7"], answers=list(response.answers.all()))
    )
    assert data["code"]["coding"] == [{"system": LOINC, "code": "70274-6"}]
    assert (data["valueInteger"], data["interpretation"]) == (11, [{"text": "Moderate"}])
    assert "component" not in data


@pytest.mark.parametrize("code", ["phq9", "gad7", "alliance"])
def test_every_shipped_instrument_builds_a_valid_questionnaire(code):
    roundtrip(questionnaire(INSTRUMENTS[code]))


def test_an_alliance_score_uses_a_kithkin_code_and_the_free_text_answer_is_kept(world):
    response = services.response_submit(
        client=world.carol,
        instrument_code="alliance",
        answers={n: 8 for n in range(1, 10)},
        by=world.carol_login,
        via="portal",
        idempotency_key=key(),
        free_text="More time to talk",
    )
    answers = list(response.answers.all())
    data = roundtrip(observation(response, INSTRUMENTS["alliance"], answers=answers))
    assert data["code"]["coding"] == [
        {"system": "https://kithkin.example/fhir/CodeSystem/instrument-total", "code": "alliance"}
    ]
    items = roundtrip(questionnaire_response(response, INSTRUMENTS["alliance"], answers=answers))
    assert items["item"][-1]["answer"] == [{"valueString": "More time to talk"}]
