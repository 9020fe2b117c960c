"""The CapabilityStatement: what this server actually does, and nothing more.

At this stage the facade serves ``metadata`` alone, so the statement lists no resource and no
interaction: a client that trusts it will not try a read that answers 404. Each interaction is
added here in the same change that serves it (a test checks every one listed answers).
"""

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

# The models are fhir.resources' R4B (FHIR 4.3.0), and every resource is validated against
# them, so that is the version declared (the base path stays /fhir/R4/).
FHIR_VERSION = "4.3.0"
# Changes when the statement does (FHIR: the date the statement was published).
PUBLISHED = "2026-12-01"


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
                        "Only the CapabilityStatement is served so far. Reads and searches "
                        "will need an Authorization: Bearer token."
                    ),
                }
            ],
        }
    )
