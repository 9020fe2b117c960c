"""Client, therapists and the people in the client's life: Patient, Practitioner,
PractitionerRole, RelatedPerson and CareTeam."""

from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.relatedperson import RelatedPerson

from kithkin.core.disclosure import Audience, Involvement, PartnerView, may_name
from kithkin.fhir import codes
from kithkin.fhir.resources._common import coding, concept, instant, prune, ref
from kithkin.fhir.valid import builds


@builds(Patient)
def patient(client) -> dict:
    names = [prune({"use": "official", "family": client.family_name, "given": [client.given_name]})]
    if client.preferred_name:
        # How the client wishes to be addressed, as every screen shows them.
        names.append(
            {"use": "usual", "family": client.family_name, "given": [client.preferred_name]}
        )
    telecom = [
        {"system": system, "value": value}
        for system, value in (("email", client.email), ("phone", client.phone))
        if value
    ]
    return prune(
        {
            "id": str(client.pk),
            "meta": {"lastUpdated": instant(client.updated_at)} if client.updated_at else None,
            "identifier": [{"system": codes.SID_CLIENT, "value": str(client.pk)}],
            "active": True,
            "name": names,
            "telecom": telecom,
            "birthDate": client.date_of_birth.isoformat() if client.date_of_birth else None,
            "address": [{"text": client.address}] if client.address else None,
        }
    )


@builds(Practitioner)
def practitioner(user) -> dict:
    return prune(
        {
            "id": str(user.pk),
            "identifier": [{"system": codes.SID_THERAPIST, "value": str(user.pk)}],
            "active": user.is_active,
            "name": [
                prune(
                    {
                        "use": "official",
                        "text": user.display_name,
                        "family": user.last_name,
                        "given": [user.first_name] if user.first_name else None,
                    }
                )
            ],
            "telecom": [{"system": "email", "value": user.email}] if user.email else None,
        }
    )


@builds(PractitionerRole)
def practitioner_role(user) -> dict:
    """The therapist's role in the practice. Kithkin keeps no specialties yet, so none are sent."""
    return {
        "id": str(user.pk),
        "active": user.is_active,
        "practitioner": ref("Practitioner", user.pk, user.display_name),
        "code": [{"text": user.get_role_display()}],
    }


def partner_view(person) -> PartnerView:
    """The disclosure guard's view of a person (the guard, not this module, decides)."""
    partner = getattr(person, "partner", None)
    return PartnerView(
        person_id=person.pk,
        label=person.name,
        involvement=getattr(partner, "involvement", None),
        role=person.role,
    )


@builds(RelatedPerson)
def related_person(person, *, ring: int | None = None) -> dict:
    """A person in the client's life. ``ring`` is their ring on the client's latest finished
    sphere map, if they are on one.

    Anyone the disclosure guard would withhold from a FHIR export (an ``unaware`` partner, or a
    person who is not a partner at all and so was never cleared) is labelled V, very restricted,
    so that ``release.released_dicts`` and any receiving system know the resource must not travel.
    """
    view = partner_view(person)
    extensions = []
    if view.involvement:
        extensions.append(
            {"url": codes.EXT_PARTNER_INVOLVEMENT, "valueCode": str(view.involvement)}
        )
    if ring is not None:
        extensions.append({"url": codes.EXT_SPHERE_RING, "valueInteger": ring})
    meta = None
    if not may_name(view, Audience.FHIR_EXPORT):
        label = coding(codes.V3_CONFIDENTIALITY, codes.VERY_RESTRICTED, "very restricted")
        meta = {"security": [label]}
    found = codes.relationship_code(person.role) if person.role else None
    relationship = None
    if found:
        relationship = [concept(*found, text=person.role)]
    elif person.role:
        relationship = [{"text": person.role}]
    return prune(
        {
            "id": str(person.pk),
            "meta": meta,
            "extension": extensions,
            "identifier": [{"system": codes.SID_PERSON, "value": str(person.pk)}],
            "active": True,
            "patient": ref("Patient", person.client_id),
            "relationship": relationship,
            "name": [{"text": person.name}],
        }
    )


# Partners who take part in the work knowingly: invited to sessions, or informed and supporting.
# An indirect partner helps without knowing it, and an unaware one must not know they are
# discussed; neither is a member of anyone's care team.
TAKES_PART = frozenset({Involvement.JOINT_SESSIONS, Involvement.INFORMED})


@builds(CareTeam)
def care_team(client, *, therapists, people=()) -> dict:
    """The client's therapists (those of open therapy relationships) and the partners who take
    part. ``people`` may hold anyone of the client's: only those who take part are listed."""
    participants = [
        {
            "role": [{"text": "Therapist"}],
            "member": ref("Practitioner", therapist.pk, therapist.display_name),
        }
        for therapist in therapists
    ]
    for person in people:
        view = partner_view(person)
        if view.involvement in TAKES_PART and may_name(view, Audience.FHIR_EXPORT):
            participants.append(
                {
                    "role": [{"text": person.role or "Therapy partner"}],
                    "member": ref("RelatedPerson", person.pk),
                }
            )
    return prune(
        {
            "id": str(client.pk),
            "status": "active",
            "name": "Care team",
            "subject": ref("Patient", client.pk),
            "participant": participants,
        }
    )
