"""Every URL in the project, requested by every persona, answers as this matrix says.

The URL list comes from the URL configuration, so a page added without a row here fails
`test_every_url_has_a_row`: decide who may reach it before it ships. Personas (STYLE.md): alice
treats carol; bob is a colleague without a relationship to her; sam supervises alice; adam
administers the practice; carol and dave are clients; mallory works in another practice.
"""

import pytest
from django.urls import reverse

from tests.test_tenancy import loaded_instrument, project_patterns

PERSONAS = ("anonymous", "alice", "bob", "sam", "adam", "carol", "dave", "mallory")


def row(anonymous, alice, bob, sam, adam, carol, dave, mallory, method="get"):
    statuses = (anonymous, alice, bob, sam, adam, carol, dave, mallory)
    return {"method": method, "expect": dict(zip(PERSONAS, statuses, strict=True))}


CLINICIANS_ONLY = row(302, 200, 200, 200, 403, 403, 403, 200)
CLIENTS_ONLY = row(302, 403, 403, 403, 403, 200, 200, 403)
ADMINS_ONLY = row(302, 403, 403, 403, 200, 403, 403, 403)
ANY_SIGNED_IN = row(302, 200, 200, 200, 200, 200, 200, 200)

#                                   anon alice bob  sam  adam carol dave mallory
MATRIX = {
    "home": row(302, 302, 302, 302, 302, 302, 302, 302),
    "healthz": row(200, 200, 200, 200, 200, 200, 200, 200),
    "login": row(200, 302, 302, 302, 302, 302, 302, 302),
    "logout": row(302, 302, 302, 302, 302, 302, 302, 302, method="post"),
    "portal": CLIENTS_ONLY,
    "portal_access_log": CLIENTS_ONLY,
    "practice_users": ADMINS_ONLY,
    "emergency_access_report": ADMINS_ONLY,
    "emergency_access": CLINICIANS_ONLY,
    "two_factor_setup": ANY_SIGNED_IN,
    "two_factor_verify": ANY_SIGNED_IN,
    "password_change": ANY_SIGNED_IN,
    "user_end_sessions": row(302, 403, 403, 403, 302, 403, 403, 403, method="post"),
    "user_deactivate": row(302, 403, 403, 403, 302, 403, 403, 403, method="post"),
    # The practice's licensed instruments: its admin loads and retires them; retiring goes back
    # to the list (302).
    "practice_instruments": ADMINS_ONLY,
    "practice_instrument_retire": row(302, 403, 403, 403, 302, 403, 403, 403, method="post"),
    # The practice's settings (issue 9): its working hours and its lapse thresholds, set by its
    # admin alone (inquiries/tests/test_working_hours.py, lapses/tests/test_settings.py).
    "practice_settings": ADMINS_ONLY,
    "practice_hours": ADMINS_ONLY,
    "practice_lapse_settings": ADMINS_ONLY,
    "caseload": CLINICIANS_ONLY,
    # Figures summed over clients, small ones withheld: every member of staff, no client.
    "practice_feedback": row(302, 200, 200, 200, 200, 403, 403, 200),
    "client_create": CLINICIANS_ONLY,
    # carol's record: her therapist and his supervisor read it; nobody else learns it exists.
    "client_detail": row(302, 200, 404, 200, 404, 404, 404, 404),
    "client_edit": row(302, 200, 404, 403, 404, 404, 404, 404),
    "client_access_log": row(302, 200, 404, 200, 404, 404, 404, 404),
    # Restriction of processing (GDPR Art. 18): the admin records and lifts it; alice and sam,
    # who read carol's record, are refused (403); nobody else learns it exists. Lifting with
    # nothing in force tells adam so (422).
    "practice_restrictions": ADMINS_ONLY,
    "client_restriction": row(302, 403, 404, 403, 200, 404, 404, 404),
    "client_restriction_lift": row(302, 403, 404, 403, 422, 404, 404, 404, method="post"),
    # Referral in: any clinician imports a client (onto their own caseload), as they add one;
    # the previous therapist's record is read like the record (carol has none: an empty page).
    "client_import": CLINICIANS_ONLY,
    "previous_record": row(302, 200, 404, 200, 404, 404, 404, 404),
    "worklist": CLINICIANS_ONLY,
    "people": row(302, 200, 404, 200, 404, 404, 404, 404),
    # Empty forms: alice reaches the form and is told what is missing (422); sam reads only.
    "person_add": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "person_kinds": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "partner_set": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "action_add": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "action_done": row(302, 302, 404, 403, 404, 404, 404, 404, method="post"),
    "sphere_maps": row(302, 200, 404, 200, 404, 404, 404, 404),
    "sphere_map_new": row(302, 302, 404, 403, 404, 404, 404, 404, method="post"),
    "sphere_map": row(302, 200, 404, 200, 404, 404, 404, 404),
    "sphere_entry_save": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    # Without two maps chosen, the comparison has nothing to show.
    "sphere_compare": row(302, 404, 404, 404, 404, 404, 404, 404),
    # The journey: read like the record; empty forms tell alice what is missing (422).
    "client_timeline": row(302, 200, 404, 200, 404, 404, 404, 404),
    "episode_open": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "episode_transition": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    # The assessment of carol's open episode: read like the record, written by her therapist (sam
    # reads only); an empty form is told the concerns and the risk level are missing (422).
    "assessment": row(302, 200, 404, 200, 404, 404, 404, 404),
    "assessment_save": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "assessment_codes": row(302, 200, 404, 200, 404, 404, 404, 404),
    # The treatment plan: read like the record; written and signed by the treating therapist
    # (sam reads only). Empty forms are told what is missing (422); carol's draft has a goal, so
    # signing it (and removing the goal) goes back to the plan, and asking for a revision leads
    # to that draft (302).
    "plan": row(302, 200, 404, 200, 404, 404, 404, 404),
    "plan_start": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "plan_revise": row(302, 302, 404, 403, 404, 404, 404, 404, method="post"),
    "plan_diff": row(302, 200, 404, 200, 404, 404, 404, 404),
    "check_in_new": row(302, 200, 404, 403, 404, 404, 404, 404),
    "plan_version": row(302, 200, 404, 200, 404, 404, 404, 404),
    "plan_version_edit": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "plan_version_sign": row(302, 302, 404, 403, 404, 404, 404, 404, method="post"),
    "plan_goal_add": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "plan_goal_edit": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "plan_goal_remove": row(302, 302, 404, 403, 404, 404, 404, 404, method="post"),
    # Consent (issue 8): carol's signed authorization for Dr Okafor and one release under it.
    # Read like the record; written by her therapist (sam reads only); empty forms are told what
    # is missing (422); recording the expiry event of a dated authorization goes back with a
    # message (302). Releasing, and the packet as sent, are the treating therapist's.
    "consents": row(302, 200, 404, 200, 404, 404, 404, 404),
    "consent_new": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "consent": row(302, 200, 404, 200, 404, 404, 404, 404),
    "consent_sign": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "consent_revoke": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "consent_event": row(302, 302, 404, 403, 404, 404, 404, 404, method="post"),
    "consent_pdf": row(302, 200, 404, 200, 404, 404, 404, 404),
    "release_new": row(302, 200, 404, 403, 404, 404, 404, 404),
    "disclosure": row(302, 200, 404, 200, 404, 404, 404, 404),
    "disclosure_packet": row(302, 200, 404, 403, 404, 404, 404, 404),
    "disclosures": row(302, 200, 404, 200, 404, 404, 404, 404),
    # The client's own: dave has no authorization of carol's to find (404); staff have no
    # portal (403). Signing carol's signed authorization again is an empty form (422).
    "portal_consents": CLIENTS_ONLY,
    "portal_consent": row(302, 403, 403, 403, 403, 200, 404, 403),
    "portal_consent_sign": row(302, 403, 403, 403, 403, 422, 404, 403, method="post"),
    "portal_consent_revoke": row(302, 403, 403, 403, 403, 422, 404, 403, method="post"),
    "portal_consent_pdf": row(302, 403, 403, 403, 403, 200, 404, 403),
    # The client's own signed plan: staff have no portal (403); dave reads his own (none yet) and
    # has no plan to acknowledge (404); carol's empty acknowledgement names no version (422).
    "portal_plan": CLIENTS_ONLY,
    "portal_plan_acknowledge": row(302, 403, 403, 403, 403, 422, 404, 403, method="post"),
    # Sessions: read like the record; scheduling and changing are the treating therapist's (sam
    # reads only), and an empty outcome is told what is missing (422). The calendar is each
    # clinician's own week.
    "client_sessions": row(302, 200, 404, 200, 404, 404, 404, 404),
    "session_new": row(302, 200, 404, 403, 404, 404, 404, 404),
    "session_detail": row(302, 200, 404, 200, 404, 404, 404, 404),
    "session_edit": row(302, 200, 404, 403, 404, 404, 404, 404),
    "session_outcome": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "calendar": CLINICIANS_ONLY,
    # Each clinician's own calendar feed: making a URL shows it once (200), turning it off goes
    # back to the page (302). The feed itself takes no login, only its secret; the token here
    # is no feed's, so it is the same 404 for everyone (schedule/tests/test_feed.py).
    "calendar_feed": CLINICIANS_ONLY,
    "calendar_feed_rotate": row(302, 200, 200, 200, 403, 403, 403, 200, method="post"),
    "calendar_feed_revoke": row(302, 302, 302, 302, 403, 403, 403, 302, method="post"),
    "calendar_feed_ics": row(404, 404, 404, 404, 404, 404, 404, 404),
    # The client's own maps from home. Staff have no portal (403); carol's draft is hers alone,
    # so dave finds nothing (404). Opening a draft continues at its step (302); an empty save
    # names no button (422); finishing a map with someone on it shares it (302).
    "portal_maps": CLIENTS_ONLY,
    "portal_map_new": row(302, 403, 403, 403, 403, 302, 302, 403, method="post"),
    "portal_map": row(302, 403, 403, 403, 403, 302, 404, 403),
    "portal_map_step": row(302, 403, 403, 403, 403, 200, 404, 403),
    "portal_map_step_save": row(302, 403, 403, 403, 403, 422, 404, 403, method="post"),
    "portal_map_person_add": row(302, 403, 403, 403, 403, 422, 404, 403, method="post"),
    "portal_map_finish": row(302, 403, 403, 403, 403, 302, 404, 403, method="post"),
    # A session's notes: read like the record, written by its therapist (sam reads only). An
    # empty autosave has nothing to save and returns to the note (302); an empty sign or
    # addendum is told what is missing (422). The psychotherapy note is its author's alone:
    # alice may write hers; everyone else, sam included, finds nothing.
    "progress_note": row(302, 200, 404, 200, 404, 404, 404, 404),
    "progress_note_autosave": row(302, 302, 404, 403, 404, 404, 404, 404, method="post"),
    "progress_note_sign": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "progress_note_addendum": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "psychotherapy_note": row(302, 200, 404, 404, 404, 404, 404, 404),
    # Measures: read like the record, and so the supervisor sees the risk alert; responses
    # entered in the office, fit reviews and links are the treating therapist's (sam reads
    # only), and empty forms are told what is missing (422). An alert is acknowledged by the
    # treating therapist or the supervisor.
    "measures": row(302, 200, 404, 200, 404, 404, 404, 404),
    "measures_enter": row(302, 200, 404, 403, 404, 404, 404, 404),
    "measures_alert_acknowledge": row(302, 422, 404, 422, 404, 404, 404, 404, method="post"),
    "measures_fit_review": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "measures_link_create": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "measures_kiosk_start": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    # The client's own questionnaires: staff have no portal (403); each client answers their own.
    "portal_measures": CLIENTS_ONLY,
    "portal_measure": CLIENTS_ONLY,
    # Carol's one-time link needs no account; signed in as anyone but carol, it is the same
    # neutral "expired or already used" page as an unknown link (404).
    "measures_link": row(200, 404, 404, 404, 404, 200, 404, 404),
    # The office tablet alice started for carol opens only in alice's own browser; to anyone
    # else it is the same neutral hand-back page as a spent token (404).
    # Only the browser the kiosk was started in opens it (measures/tests/test_kiosk.py).
    "measures_kiosk": row(404, 404, 404, 404, 404, 404, 404, 404),
    # Referrals out: read like the record, drafted and moved by the treating therapist (sam
    # reads only); an empty move names none (422). The receiving therapist of a transfer
    # reaches the referral alone (referrals/tests/test_pages.py); carol's here is external.
    # The transfers awaiting an answer are each clinician's own.
    "referrals": row(302, 200, 404, 200, 404, 404, 404, 404),
    "referral_new": row(302, 200, 404, 403, 404, 404, 404, 404),
    "referral": row(302, 200, 404, 200, 404, 404, 404, 404),
    "referral_move": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "referrals_incoming": CLINICIANS_ONLY,
    # Reaching out (issue 9): the public inquiry form and its thank-you page take no login and
    # are the same for everyone, signed in or not (inquiries/tests/test_public_form.py).
    "inquiry_new": row(200, 200, 200, 200, 200, 200, 200, 200),
    "inquiry_thanks": row(200, 200, 200, 200, 200, 200, 200, 200),
    # The queue is the practice's staff's, admins included (they call people back); mallory
    # works her own practice's. One inquiry of riverside's: its staff open it, clients work no
    # queue (403), mallory does not find it (404). Empty forms name what is missing (422).
    "inquiries": row(302, 200, 200, 200, 200, 403, 403, 200),
    "inquiry": row(302, 200, 200, 200, 200, 403, 403, 404),
    "inquiry_respond": row(302, 422, 422, 422, 422, 403, 403, 404, method="post"),
    "inquiry_close": row(302, 422, 422, 422, 422, 403, 403, 404, method="post"),
    # Matching (issue 9): each clinician keeps their own profile and reads the practice's. The
    # suggestions quote what the inquiry wants to work on, so they are clinicians' (the admin
    # 403); an accept naming no therapist is told to choose one (422); mallory does not find
    # riverside's inquiry (404). The next best fit for carol is her treating therapist's to
    # look for, as the referral it leads to is (sam reads the record but does not refer).
    "profile_edit": CLINICIANS_ONLY,
    "therapist_profiles": CLINICIANS_ONLY,
    "inquiry_matches": row(302, 200, 200, 200, 403, 403, 403, 404),
    "inquiry_match_accept": row(302, 422, 422, 422, 403, 403, 403, 404, method="post"),
    "client_matches": row(302, 200, 404, 403, 404, 404, 404, 404),
    # Unplanned endings (issue 9): each clinician's own lapsing clients. Carol's lapse page and
    # letter are read like the record; recording the letter and closing are her therapist's
    # (sam reads only). Empty forms are told what is missing (422).
    "lapses": CLINICIANS_ONLY,
    "client_lapse": row(302, 200, 404, 200, 404, 404, 404, 404),
    "client_lapse_letter": row(302, 200, 404, 200, 404, 404, 404, 404),
    "client_lapse_letter_sent": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "client_lapse_close": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    # The ending review (issue 9) of carol's open episode, still in reaching out: read like the
    # record; starting it is refused with a reason (422, the episode is not in ending), and
    # there is no review yet to sign, share or print (404). Writes are her therapist's (sam
    # reads only). Her shared review of a closed episode is in her portal alone.
    "ending_review": row(302, 200, 404, 200, 404, 404, 404, 404),
    "ending_review_start": row(302, 422, 404, 403, 404, 404, 404, 404, method="post"),
    "ending_review_sign": row(302, 404, 404, 403, 404, 404, 404, 404, method="post"),
    "ending_review_share": row(302, 404, 404, 403, 404, 404, 404, 404, method="post"),
    "ending_review_pdf": row(302, 404, 404, 404, 404, 404, 404, 404),
    "portal_reviews": CLIENTS_ONLY,
    "portal_review": row(302, 403, 403, 403, 403, 200, 404, 403),
}

# The FHIR facade (issue 7). Its CapabilityStatement is public, as every FHIR server's is; a path
# it does not serve answers with an OperationOutcome 404. Everything it serves takes a Bearer
# token and never a session cookie, so this session-based matrix sees 401 for every persona;
# who reads what with a token is in src/kithkin/fhir/tests/test_rest.py (alice and sam read
# carol; bob, adam, the clients and mallory find her as if she did not exist).
BEARER_ONLY = row(401, 401, 401, 401, 401, 401, 401, 401)
FHIR = {
    "fhir_metadata": row(200, 200, 200, 200, 200, 200, 200, 200),
    "fhir_base": row(404, 404, 404, 404, 404, 404, 404, 404),
    "fhir_not_found": row(404, 404, 404, 404, 404, 404, 404, 404),
    "fhir_patient_search": BEARER_ONLY,
    "fhir_patient": BEARER_ONLY,
    "fhir_patient_everything": BEARER_ONLY,
    "fhir_encounter_search": BEARER_ONLY,
    "fhir_encounter": BEARER_ONLY,
    "fhir_observation_search": BEARER_ONLY,
    "fhir_observation": BEARER_ONLY,
    "fhir_questionnaire_response_search": BEARER_ONLY,
    "fhir_questionnaire_response": BEARER_ONLY,
    "fhir_related_person": BEARER_ONLY,
    "fhir_related_person_search": BEARER_ONLY,
    "fhir_care_plan_search": BEARER_ONLY,
    "fhir_audit_event": BEARER_ONLY,
    "fhir_episode_of_care": BEARER_ONLY,
    "fhir_goal": BEARER_ONLY,
    "fhir_care_plan": BEARER_ONLY,
    "fhir_service_request_search": BEARER_ONLY,
    "fhir_service_request": BEARER_ONLY,
    "fhir_task_search": BEARER_ONLY,
    "fhir_consent_search": BEARER_ONLY,
    "fhir_consent": BEARER_ONLY,
    "fhir_composition_search": BEARER_ONLY,
    "fhir_composition": BEARER_ONLY,
    "fhir_task": BEARER_ONLY,
    "fhir_practitioner_search": BEARER_ONLY,
    "fhir_episode_of_care_search": BEARER_ONLY,
    "fhir_goal_search": BEARER_ONLY,
    "fhir_practitioner": BEARER_ONLY,
    "fhir_practitioner_role_search": BEARER_ONLY,
    "fhir_practitioner_role": BEARER_ONLY,
    "fhir_care_team_search": BEARER_ONLY,
    "fhir_care_team": BEARER_ONLY,
    "fhir_questionnaire": BEARER_ONLY,
    "fhir_audit_event_search": BEARER_ONLY,
    # Bulk $export: an admin holding the export permission, by token (fhir/tests/test_export.py).
    "fhir_export": BEARER_ONLY,
    "fhir_export_status": BEARER_ONLY,
    "fhir_export_file": BEARER_ONLY,
}
MATRIX.update(FHIR)


def arguments(world):
    from django.utils import timezone

    from kithkin.accounts.models import User
    from kithkin.partners.models import PlannedAction, TherapyPartner

    zed = User.objects.create_user(username="zed", role="therapist", practice=world.practice)
    diane = world.carol.people.get(name="Diane")
    partner = TherapyPartner.objects.create(
        practice=world.practice, person=diane, involvement="informed"
    )
    action = PlannedAction.objects.create(
        practice=world.practice,
        partner=partner,
        text="x",
        planned_on=timezone.localdate(),
        window_start=timezone.localdate(),
        created_by=world.alice,
    )
    from kithkin.spheres.models import SphereEntry, SphereMap

    the_map = SphereMap.objects.create(
        practice=world.practice,
        client=world.carol,
        made_by="therapist",
        author=world.alice,
        taken_at=timezone.now(),
    )
    home_map = SphereMap.objects.create(
        practice=world.practice,
        client=world.carol,
        made_by="client",
        author=world.carol_login,
        taken_at=timezone.now(),
    )
    SphereEntry.objects.create(practice=world.practice, map=home_map, person=diane, ring=1)
    return {
        "client_id": world.carol.pk,
        "user_id": zed.pk,
        "person_id": diane.pk,
        "action_id": action.pk,
        "map_id": the_map.pk,
        "home_map_id": home_map.pk,
        "step": 2,
        "episode_id": carols_episode(world).pk,
        **carols_plan(world),
        "session_id": carols_session(world).pk,
        **carols_measures(world),
        "instrument_id": loaded_instrument(world).pk,
        # A resource type the facade does not serve (Practitioner now is).
        "fhir_path": f"Medication/{world.alice.pk}",
        "job_id": 1,
        "resource_type": "Patient",
        "event_id": _an_event(world),
        "referral_id": _a_referral(world),
        **_a_release(world),
        "practice_slug": world.practice.slug,
        "inquiry_id": _an_inquiry(world),
        "review_id": _a_review(world),
    }


def _a_review(world) -> int:
    from kithkin.endings.tests.conftest import carols_review

    return carols_review(world).pk


def _an_inquiry(world) -> int:
    from kithkin.inquiries.tests.conftest import robins_inquiry

    return robins_inquiry(world).pk


def _a_release(world) -> dict:
    from kithkin.consent.tests.conftest import carols_release

    authorization, disclosure = carols_release(world)
    return {"authorization_id": authorization.pk, "disclosure_id": disclosure.pk, "kind": "pdf"}


def _a_referral(world) -> int:
    from kithkin.referrals.tests.conftest import carols_referral

    return carols_referral(world).pk


def _an_event(world) -> int:
    from kithkin.audit.services import audit_record

    return audit_record(
        practice_id=world.practice.pk,
        actor=world.alice,
        action="client.view",
        resource_type="Client",
        resource_id=world.carol.pk,
        client_id=world.carol.pk,
    ).pk


def carols_measures(world):
    """A risk alert of carol's, an unused one-time link for her, and a kiosk alice started."""
    import uuid

    from kithkin.measures import services

    services.response_submit(
        client=world.carol,
        instrument_code="phq9",
        answers={**{n: 0 for n in range(1, 9)}, 9: 1},
        by=world.carol_login,
        via="portal",
        idempotency_key=str(uuid.uuid4()),
    )
    _, token = services.link_create(client=world.carol, instrument_code="gad7", by=world.alice)
    _, kiosk_token = services.kiosk_start(
        client=world.carol, instrument_code="gad7", by=world.alice
    )
    return {
        "alert_id": world.carol.measure_alerts.get().pk,
        "response_id": world.carol.measure_alerts.get().response_id,
        "code": "phq9",
        "token": token,
        "kiosk_token": kiosk_token,
    }


def carols_episode(world):
    from django.utils import timezone

    from kithkin.relationships.models import Episode

    return Episode.objects.create(
        practice=world.practice,
        relationship=world.carol.therapy_relationships.get(),
        opened_on=timezone.localdate(),
        opened_by=world.alice,
    )


def carols_session(world):
    import datetime

    from django.utils import timezone

    from kithkin.schedule.models import Session

    return Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        status=Session.Status.ATTENDED,
    )


def carols_plan(world):
    """Carol's plan: version 1 signed, version 2 a draft with the goal the goal URLs name."""
    import datetime

    from django.utils import timezone

    from kithkin.plans import services

    today = timezone.localdate()
    plan = services.plan_start(client=world.carol, by=world.alice, starts_on=today)
    first = plan.versions.get()
    goal = services.GoalInput(
        description="Talk to her mother",
        criterion="A joint session",
        target_date=today + datetime.timedelta(days=30),
    )
    services.goal_add(version=first, by=world.alice, goal=goal)
    services.version_sign(version=first, by=world.alice)
    draft = services.plan_revise(plan=plan, by=world.alice)
    return {"version_id": draft.pk, "goal_id": draft.goals.get().pk}


def persona(world, name):
    return {
        "alice": world.alice,
        "bob": world.bob,
        "sam": world.sam,
        "adam": world.adam,
        "carol": world.carol_login,
        "dave": world.dave_login,
        "mallory": world.mallory,
    }.get(name)


def test_every_url_has_a_row():
    names = {entry.name for _, entry in project_patterns()}
    assert None not in names, "every URL needs a name to be in the matrix"
    assert names - set(MATRIX) == set(), "add these URLs to the authorization matrix"
    assert set(MATRIX) - names == set(), "these rows name URLs that no longer exist"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_persona_gets_the_expected_answer(name, world, client):
    entry = next(e for _, e in project_patterns() if e.name == name)
    values = arguments(world)
    url = reverse(name, kwargs={k: values[k] for k in entry.pattern.converters})
    method = MATRIX[name]["method"]
    answers = {}
    for who in PERSONAS:
        client.logout()
        user = persona(world, who)
        if user is not None:
            user.refresh_from_db()  # a logout in an earlier round raised the session epoch
            if not user.is_active:
                user.is_active = True
                user.save()
            client.force_login(user)
        answers[who] = getattr(client, method)(url).status_code
    assert answers == MATRIX[name]["expect"]
