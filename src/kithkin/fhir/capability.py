"""The CapabilityStatement: what this server actually does, and nothing more.

Each resource lists exactly the interactions and search parameters the views serve (a test
walks the statement and calls every one). Searches are strict: a parameter not listed here
answers 400, so a client never mistakes an ignored filter for an applied one. No row carries an
update time yet, so ``_lastUpdated`` is neither served nor listed.
"""

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

# The models are fhir.resources' R4B (FHIR 4.3.0), and every resource is validated against
# them, so that is the version declared (the base path stays /fhir/R4/).
FHIR_VERSION = "4.3.0"
# Changes when the statement does (FHIR: the date the statement was published).
PUBLISHED = "2026-12-01"

SP = "http://hl7.org/fhir/SearchParameter"
# Each searchable resource's own parameters (``_count`` and ``_cursor`` page every search).
SEARCH_PARAMS = {
    "Patient": frozenset({"name"}),
    "Encounter": frozenset({"patient", "status"}),
    "Observation": frozenset({"patient"}),
    "QuestionnaireResponse": frozenset({"patient"}),
}
PARAM_DOCS = {
    "name": ("string", "Patient-name", "A prefix of a given, family or preferred name, any case"),
    "patient": ("reference", None, "Required: the Patient id, or Patient/{id}"),
    "status": ("token", "Encounter-status", "planned, finished or cancelled"),
    "_count": ("number", None, "Entries per page (default 50, at most 200)"),
    "_cursor": ("string", None, "Opaque: taken from a next link, never made up"),
}
READS = (
    "Patient",
    "Encounter",
    "Observation",
    "QuestionnaireResponse",
    "RelatedPerson",
    "EpisodeOfCare",
    "Goal",
    "CarePlan",
)


def _param(name: str) -> dict:
    kind, definition, documentation = PARAM_DOCS[name]
    param = {"name": name, "type": kind, "documentation": documentation}
    if definition:
        param["definition"] = f"{SP}/{definition}"
    return param


def _resource(resource_type: str) -> dict:
    interactions = [{"code": "read"}]
    found = {"type": resource_type, "versioning": "no-version", "readHistory": False}
    if resource_type in SEARCH_PARAMS:
        interactions.append({"code": "search-type"})
        names = [*sorted(SEARCH_PARAMS[resource_type]), "_count", "_cursor"]
        found["searchParam"] = [_param(name) for name in names]
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
                        "Reads and searches take Authorization: Bearer <token> (kithkin token "
                        "create); metadata needs none. Searches page by keyset (_count, and a "
                        "next link with an opaque _cursor); an unknown parameter answers 400."
                    ),
                    "security": {
                        # Not OAuth or SMART: a Kithkin API token, so no code from
                        # restful-security-service fits, and the text says what it is.
                        "service": [{"text": "Bearer"}],
                        "description": "Authorization: Bearer <token>, one user, one practice",
                    },
                    "resource": [_resource(t) for t in READS],
                }
            ],
        }
    )
