from django.urls import path

from kithkin.fhir import views

# Included under fhir/R4/ (kithkin.urls). The catch-all comes last: anything the facade does not
# serve answers with an OperationOutcome, not the HTML 404 page. Each route here is listed in
# the CapabilityStatement (kithkin.fhir.capability), and a test calls every one it lists.
urlpatterns = [
    path("metadata", views.metadata, name="fhir_metadata"),
    path("Patient", views.patient_search, name="fhir_patient_search"),
    path("Patient/<int:client_id>", views.patient_read, name="fhir_patient"),
    path(
        "Patient/<int:client_id>/$everything",
        views.patient_everything,
        name="fhir_patient_everything",
    ),
    path("Encounter", views.encounter_search, name="fhir_encounter_search"),
    path("Encounter/<int:session_id>", views.encounter_read, name="fhir_encounter"),
    path("Observation", views.observation_search, name="fhir_observation_search"),
    path("Observation/<int:response_id>", views.observation_read, name="fhir_observation"),
    path(
        "QuestionnaireResponse",
        views.questionnaire_response_search,
        name="fhir_questionnaire_response_search",
    ),
    path(
        "QuestionnaireResponse/<int:response_id>",
        views.questionnaire_response_read,
        name="fhir_questionnaire_response",
    ),
    path("RelatedPerson/<int:person_id>", views.related_person_read, name="fhir_related_person"),
    path("EpisodeOfCare/<int:episode_id>", views.episode_of_care_read, name="fhir_episode_of_care"),
    path("Goal/<int:goal_id>", views.goal_read, name="fhir_goal"),
    path("CarePlan/<int:version_id>", views.care_plan_read, name="fhir_care_plan"),
    path("", views.not_found, name="fhir_base"),
    path("<path:fhir_path>", views.not_found, name="fhir_not_found"),
]
