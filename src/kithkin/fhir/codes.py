"""The names Kithkin uses in FHIR: its own URIs, and the tables from its values to FHIR codes.

Plain data, no Django, so the tables are read (and tested) on their own. Every URI Kithkin mints
lives under ``BASE``, a domain reserved for the project's own names (docs/fhir/extensions.md);
none of them is a real-world identifier, so nothing here could be mistaken for a national
patient or licence number.
"""

BASE = "https://kithkin.example/fhir"

# Identifier systems: one per kind of record, the value is the row's id in this installation.
SID_CLIENT = f"{BASE}/sid/client"
SID_THERAPIST = f"{BASE}/sid/therapist"
SID_PERSON = f"{BASE}/sid/person"

# Kithkin extensions (docs/fhir/extensions.md).
EXT_PARTNER_INVOLVEMENT = f"{BASE}/StructureDefinition/partner-involvement"
EXT_SPHERE_RING = f"{BASE}/StructureDefinition/sphere-ring"
EXT_SESSION_STATUS = f"{BASE}/StructureDefinition/session-status"

# Kithkin code systems (docs/fhir/extensions.md).
CS_INVOLVEMENT = f"{BASE}/CodeSystem/partner-involvement"
CS_SESSION_STATUS = f"{BASE}/CodeSystem/session-status"
CS_SESSION_KIND = f"{BASE}/CodeSystem/session-kind"
CS_EPISODE_PHASE = f"{BASE}/CodeSystem/episode-phase"
CS_INSTRUMENT_TOTAL = f"{BASE}/CodeSystem/instrument-total"
CS_AUDIT_ACTION = f"{BASE}/CodeSystem/audit-action"
CS_RELEASE_CATEGORY = f"{BASE}/CodeSystem/release-category"
QUESTIONNAIRE = f"{BASE}/Questionnaire"


def answer_system(instrument_code: str, answer_set: str) -> str:
    """For answer options the instrument's definition gives no standard code."""
    return f"{BASE}/CodeSystem/{instrument_code}-{answer_set}"


# Standard systems.
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
V2_CONTACT_ROLE = "http://terminology.hl7.org/CodeSystem/v2-0131"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
V3_PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_POLICY = "http://terminology.hl7.org/CodeSystem/consentpolicycodes"
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"
# LOINC 64292-6, "Release of information consent" (REFERENCE.md's mapping).
RELEASE_OF_INFORMATION = "64292-6"

# Confidentiality V ("very restricted"): the label on a resource that must not leave the practice.
VERY_RESTRICTED = "V"

# Session status → Encounter.status (R4 has no no-show status; the exact Kithkin status also
# travels in the session-status extension, so a no-show is not lost among cancellations).
ENCOUNTER_STATUS = {
    "scheduled": "planned",
    "attended": "finished",
    "cancelled": "cancelled",
    "late_cancelled": "cancelled",
    "no_show": "cancelled",
}

# Session modality → Encounter.class (v3 ActCode). A phone session is VR, "virtual": the client
# and the therapist are not in the same place.
ENCOUNTER_CLASS = {
    "in_person": ("AMB", "ambulatory"),
    "video": ("VR", "virtual"),
    "phone": ("VR", "virtual"),
}

# Episode phase → EpisodeOfCare.status. Reaching out is first contact, before the work begins;
# from assessment on the practice is caring for the client.
EPISODE_STATUS = {
    "reaching_out": "planned",
    "assessment": "active",
    "formulation": "active",
    "planning": "active",
    "active": "active",
    "ending": "active",
    "closed": "finished",
}

# Goal lifecycle (core.plans.Lifecycle) → Goal.lifecycleStatus.
GOAL_LIFECYCLE = {
    "proposed": "proposed",
    "active": "active",
    "on_hold": "on-hold",
    "completed": "completed",
    "cancelled": "cancelled",
}

# Goal achievement (core.plans.Achievement) → goal-achievement codes, with their displays.
GOAL_ACHIEVEMENT_CODES = {
    "in_progress": ("in-progress", "In Progress"),
    "improving": ("improving", "Improving"),
    "worsening": ("worsening", "Worsening"),
    "no_change": ("no-change", "No Change"),
    "achieved": ("achieved", "Achieved"),
    "not_achieved": ("not-achieved", "Not Achieved"),
}

# A person's role in the client's words → v3 RoleCode (personal relationships), or v2-0131 for an
# employer, which RoleCode lacks. A role not in the table travels as text alone: a guessed code
# would say more than the client did.
RELATIONSHIP_CODES = {
    "mother": (V3_ROLE_CODE, "MTH", "mother"),
    "mum": (V3_ROLE_CODE, "MTH", "mother"),
    "mom": (V3_ROLE_CODE, "MTH", "mother"),
    "father": (V3_ROLE_CODE, "FTH", "father"),
    "dad": (V3_ROLE_CODE, "FTH", "father"),
    "parent": (V3_ROLE_CODE, "PRN", "parent"),
    "sibling": (V3_ROLE_CODE, "SIB", "sibling"),
    "sister": (V3_ROLE_CODE, "SIS", "sister"),
    "brother": (V3_ROLE_CODE, "BRO", "brother"),
    "spouse": (V3_ROLE_CODE, "SPS", "spouse"),
    "husband": (V3_ROLE_CODE, "HUSB", "husband"),
    "wife": (V3_ROLE_CODE, "WIFE", "wife"),
    "partner": (V3_ROLE_CODE, "SIGOTHR", "significant other"),
    "friend": (V3_ROLE_CODE, "FRND", "unrelated friend"),
    "roommate": (V3_ROLE_CODE, "ROOM", "Roommate"),
    "neighbour": (V3_ROLE_CODE, "NBOR", "neighbor"),
    "neighbor": (V3_ROLE_CODE, "NBOR", "neighbor"),
    "child": (V3_ROLE_CODE, "CHILD", "child"),
    "son": (V3_ROLE_CODE, "SONC", "son"),
    "daughter": (V3_ROLE_CODE, "DAUC", "daughter"),
    "grandmother": (V3_ROLE_CODE, "GRMTH", "grandmother"),
    "grandfather": (V3_ROLE_CODE, "GRFTH", "grandfather"),
    "grandparent": (V3_ROLE_CODE, "GRPRN", "grandparent"),
    "aunt": (V3_ROLE_CODE, "AUNT", "aunt"),
    "uncle": (V3_ROLE_CODE, "UNCLE", "uncle"),
    "cousin": (V3_ROLE_CODE, "COUSN", "cousin"),
    "guardian": (V3_ROLE_CODE, "GUARD", "guardian"),
    "employer": (V2_CONTACT_ROLE, "E", "Employer"),
}


def relationship_code(role: str) -> tuple[str, str, str] | None:
    return RELATIONSHIP_CODES.get(" ".join(role.lower().split()))


# Audit outcome → AuditEvent.outcome (0 success, 4 minor failure: the policy refused).
AUDIT_OUTCOME = {"allowed": "0", "denied": "4"}


def audit_action(action: str) -> str:
    """AuditEvent.action (C, R, U, D, E) from the verb at the end of a Kithkin action."""
    verb = action.rsplit(".", 1)[-1]
    if verb in {"view", "read", "open", "export"}:
        return "R"
    if verb in {"create", "add", "submit", "start", "raise", "new", "draft"}:
        return "C"
    if verb in {"delete", "remove"}:
        return "D"
    changed = {"update", "edit", "save", "sign", "acknowledge", "transition", "set", "revise"}
    if verb in changed | {"revoke", "expire"}:
        return "U"
    return "E"
