"""The CapabilityStatement: what this server actually does, and nothing more.

Each resource lists exactly the interactions and search parameters the views serve (a test
walks the statement and calls every one). Searches are strict: a parameter not listed here
answers 400, so a client never mistakes an ignored filter for an applied one. ``_lastUpdated``
is listed only where a row carries a true update time (a client's, a session's, an episode's
and a goal's ``updated_at``; a response, never changed once given, its submission); care plan
versions are read by id alone.
"""

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

# The models are fhir.resources' R4B (FHIR 4.3.0), and every resource is validated against
# them, so that is the version declared (the base path stays /fhir/R4/).
FHIR_VERSION = "4.3.0"
# Changes when the statement does (FHIR: the date the statement was published).
PUBLISHED = "2026-12-02"

SP = "http://hl7.org/fhir/SearchParameter"
# Each searchable resource's own parameters (``_count`` and ``_cursor`` page every search).
SEARCH_PARAMS = {
    "Patient": frozenset({"name", "_lastUpdated"}),
    "Encounter": frozenset({"patient", "status", "_lastUpdated"}),
    "Observation": frozenset({"patient", "code", "_lastUpdated"}),
    "QuestionnaireResponse": frozenset({"patient", "_lastUpdated"}),
    "Practitioner": frozenset({"name"}),
    "PractitionerRole": frozenset({"practitioner"}),
    "CareTeam": frozenset({"patient"}),
    "RelatedPerson": frozenset({"patient"}),
    "CarePlan": frozenset({"patient"}),
    "EpisodeOfCare": frozenset({"patient", "status", "_lastUpdated"}),
    "Goal": frozenset({"patient", "lifecycle-status", "_lastUpdated"}),
    "ServiceRequest": frozenset({"patient"}),
    "Task": frozenset({"patient"}),
    "Consent": frozenset({"patient"}),
    "Composition": frozenset({"patient", "type", "date"}),
    "AuditEvent": frozenset({"patient", "date"}),
}
LAST_UPDATED = "Prefix ge, gt, le or lt and a date or an instant with its zone; repeat for a range"
# Each parameter: its type, the SearchParameter it implements (by resource where its meaning
# differs), and what the server does with it.
PARAM_DOCS = {
    "name": ("string", "Patient-name", "A prefix of a given, family or preferred name, any case"),
    "patient": ("reference", None, "Required: the Patient id, or Patient/{id}"),
    "status": ("token", "Encounter-status", "planned, finished or cancelled"),
    "code": ("token", "clinical-code", "The score's code, or system|code (LOINC 44261-6)"),
    "type": ("token", "clinical-type", "78263-1, or http://loinc.org|78263-1"),
    "lifecycle-status": ("token", "Goal-lifecycle-status", "proposed, active, on-hold, ..."),
    "practitioner": ("reference", "PractitionerRole-practitioner", "Practitioner/{id}, or the id"),
    "date": ("date", "AuditEvent-date", LAST_UPDATED),
    "_lastUpdated": ("date", "Resource-lastUpdated", LAST_UPDATED),
    "_count": ("number", None, "Entries per page (default 50, at most 200)"),
    "_cursor": ("string", None, "Opaque: taken from a next link, never made up"),
}
# The same name means another SearchParameter on another resource.
DEFINITIONS = {
    ("Practitioner", "name"): "Practitioner-name",
    ("EpisodeOfCare", "status"): "EpisodeOfCare-status",
    ("Composition", "date"): "clinical-date",
}
# What a date search is on, where it differs from AuditEvent's.
DATE_DOCS = {"Composition": "The signing: " + LAST_UPDATED[0].lower() + LAST_UPDATED[1:]}
# What a status search takes, where it differs from Encounter's.
STATUS_DOCS = {"EpisodeOfCare": "planned, active or finished"}
READS = (
    "Patient",
    "Encounter",
    "Observation",
    "QuestionnaireResponse",
    "RelatedPerson",
    "EpisodeOfCare",
    "Goal",
    "CarePlan",
    "ServiceRequest",
    "Task",
    "Consent",
    "Composition",
    "Practitioner",
    "PractitionerRole",
    "CareTeam",
    "Questionnaire",
    "AuditEvent",
)
# POST of a new resource (create): answers to a shipped instrument from another app.
CREATES = frozenset({"QuestionnaireResponse"})


def _param(name: str, resource_type: str) -> dict:
    kind, definition, documentation = PARAM_DOCS[name]
    definition = DEFINITIONS.get((resource_type, name), definition)
    if name == "status":
        documentation = STATUS_DOCS.get(resource_type, documentation)
    if name == "date":
        documentation = DATE_DOCS.get(resource_type, documentation)
    param = {"name": name, "type": kind, "documentation": documentation}
    if definition:
        param["definition"] = f"{SP}/{definition}"
    return param


def _resource(resource_type: str) -> dict:
    interactions = [{"code": "read"}]
    found = {"type": resource_type, "versioning": "no-version", "readHistory": False}
    if resource_type in CREATES:
        interactions.append({"code": "create"})
    if resource_type in SEARCH_PARAMS:
        interactions.append({"code": "search-type"})
        names = [*sorted(SEARCH_PARAMS[resource_type]), "_count", "_cursor"]
        found["searchParam"] = [_param(name, resource_type) for name in names]
    found["interaction"] = interactions
    if resource_type == "Patient":
        found["operation"] = [
            {
                "name": "everything",
                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                "documentation": "GET Patient/{id}/$everything: the record as may leave",
            }
        ]
    return found


def capability_statement(*, base_url: str) -> CapabilityStatement:
    return CapabilityStatement.model_validate(
        {
            "status": "active",
            "date": PUBLISHED,
            "publisher": "Kithkin",
            "kind": "instance",
            "software": {"name": "Kithkin"},
            "implementation": {
                "description": "Kithkin FHIR R4 facade",
                "url": base_url,
            },
            "fhirVersion": FHIR_VERSION,
            "format": ["json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": (
                        "Reads, searches and the QuestionnaireResponse create take "
                        "Authorization: Bearer <token> (kithkin token create); metadata needs "
                        "none. Searches page by keyset (_count, and a next link with an opaque "
                        "_cursor); an unknown parameter answers 400."
                    ),
                    "security": {
                        # Not OAuth or SMART: a Kithkin API token, so no code from
                        # restful-security-service fits, and the text says what it is.
                        "service": [{"text": "Bearer"}],
                        "description": "Authorization: Bearer <token>, one user, one practice",
                    },
                    "resource": [_resource(t) for t in READS],
                    "operation": [
                        {
                            "name": "export",
                            "definition": (
                                "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
                            ),
                            "documentation": (
                                "GET $export with Prefer: respond-async: the whole practice as "
                                "NDJSON, for an admin holding the export permission"
                            ),
                        }
                    ],
                }
            ],
        }
    )
