"""Reads of clients. Every query starts from the practice, and none grows with the caseload."""

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from kithkin.clients.models import Client
from kithkin.core.access import Actor, Role
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule.models import Session


def caseload(*, actor: Actor):
    """The clients a clinician treats, or supervises through a supervisee, with their last and
    next sessions. Two correlated subqueries ride the (client, starts_at) index."""
    now = timezone.now()
    therapist_ids = {actor.user_id}
    if actor.role is Role.SUPERVISOR:
        therapist_ids |= actor.supervisee_ids
    sessions = Session.objects.filter(client=OuterRef("pk"))
    last_session = sessions.filter(starts_at__lt=now, status=Session.Status.ATTENDED).order_by(
        "-starts_at"
    )
    next_session = sessions.filter(starts_at__gte=now, status=Session.Status.SCHEDULED).order_by(
        "starts_at"
    )
    return (
        Client.objects.for_practice(actor.practice_id)
        .filter(
            pk__in=TherapyRelationship.objects.filter(
                therapist_id__in=therapist_ids, ended_on__isnull=True
            ).values("client_id")
        )
        .annotate(
            last_session_at=Subquery(last_session.values("starts_at")[:1]),
            next_session_at=Subquery(next_session.values("starts_at")[:1]),
        )
        .order_by("family_name", "given_name", "pk")
        # Plain rows, not model instances: the caseload is the busiest page of the day.
        .values(
            "pk",
            "given_name",
            "family_name",
            "preferred_name",
            "pronouns",
            "last_session_at",
            "next_session_at",
        )
    )


# The page shows therapists' names; their password hashes and other columns stay in the table.
THERAPIST_FIELDS = ("therapist__username", "therapist__first_name", "therapist__last_name")
RELATIONSHIP_FIELDS = ("started_on", "ended_on", "client_id", *THERAPIST_FIELDS)
SESSION_FIELDS = ("starts_at", "status", "kind", "modality", "client_id", *THERAPIST_FIELDS)


def client_page(*, client: Client, recent: int = 10) -> dict:
    """What the client page shows besides identity: people, therapists, recent and next sessions."""
    now = timezone.now()
    sessions = (
        Session.objects.filter(client=client).select_related("therapist").only(*SESSION_FIELDS)
    )
    return {
        "people": list(client.people.order_by("name")),
        "relationships": list(
            client.therapy_relationships.select_related("therapist")
            .only(*RELATIONSHIP_FIELDS)
            .order_by("started_on")
        ),
        "recent_sessions": list(sessions.filter(starts_at__lt=now).order_by("-starts_at")[:recent]),
        "upcoming_sessions": list(
            sessions.filter(starts_at__gte=now, status=Session.Status.SCHEDULED).order_by(
                "starts_at"
            )[:5]
        ),
    }
