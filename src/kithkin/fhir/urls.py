from django.urls import path

from kithkin.fhir import export_views, views

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
    path("RelatedPerson", views.related_person_search, name="fhir_related_person_search"),
    path("RelatedPerson/<int:person_id>", views.related_person_read, name="fhir_related_person"),
    path("EpisodeOfCare", views.episode_of_care_search, name="fhir_episode_of_care_search"),
    path("EpisodeOfCare/<int:episode_id>", views.episode_of_care_read, name="fhir_episode_of_care"),
    path("Goal", views.goal_search, name="fhir_goal_search"),
    path("Goal/<int:goal_id>", views.goal_read, name="fhir_goal"),
    path("CarePlan", views.care_plan_search, name="fhir_care_plan_search"),
    path("CarePlan/<int:version_id>", views.care_plan_read, name="fhir_care_plan"),
    path("ServiceRequest", views.service_request_search, name="fhir_service_request_search"),
    path(
        "ServiceRequest/<int:referral_id>",
        views.service_request_read,
        name="fhir_service_request",
    ),
    path("Consent", views.consent_search, name="fhir_consent_search"),
    path("Consent/<int:authorization_id>", views.consent_read, name="fhir_consent"),
    path("Composition", views.composition_search, name="fhir_composition_search"),
    path("Composition/<int:review_id>", views.composition_read, name="fhir_composition"),
    path("Task", views.task_search, name="fhir_task_search"),
    path("Task/<int:referral_id>", views.task_read, name="fhir_task"),
    path("Practitioner", views.practitioner_search, name="fhir_practitioner_search"),
    path("Practitioner/<int:user_id>", views.practitioner_read, name="fhir_practitioner"),
    path("PractitionerRole", views.practitioner_role_search, name="fhir_practitioner_role_search"),
    path(
        "PractitionerRole/<int:user_id>",
        views.practitioner_role_read,
        name="fhir_practitioner_role",
    ),
    path("CareTeam", views.care_team_search, name="fhir_care_team_search"),
    path("CareTeam/<int:client_id>", views.care_team_read, name="fhir_care_team"),
    # "code": the Questionnaire's FHIR id (phq9-1.0, the instrument's code and version); the
    # name is the one the URL tests already fill (tests/test_tenancy.py, the matrix).
    path("Questionnaire/<str:code>", views.questionnaire_read, name="fhir_questionnaire"),
    path("AuditEvent", views.audit_event_search, name="fhir_audit_event_search"),
    path("AuditEvent/<int:event_id>", views.audit_event_read, name="fhir_audit_event"),
    # Bulk Data Access IG v2 (system level). "$" is literal in path().
    path("$export", export_views.export_kickoff, name="fhir_export"),
    path("$export-status/<int:job_id>", export_views.export_status, name="fhir_export_status"),
    path(
        "$export-file/<int:job_id>/<str:resource_type>.ndjson",
        export_views.export_file,
        name="fhir_export_file",
    ),
    path("", views.not_found, name="fhir_base"),
    path("<path:fhir_path>", views.not_found, name="fhir_not_found"),
]
