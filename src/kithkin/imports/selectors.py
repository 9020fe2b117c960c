"""Reads of the history a client brought from a previous provider."""

from django.db.models import Prefetch

from kithkin.imports.models import PreviousGoal, PreviousPlan, PreviousRecord, PreviousScore


def previous_records_of(client) -> list[PreviousRecord]:
    """The client's imported records, oldest first, each with its plans (and their goals), the
    goals no plan names, and its scores: four queries whatever the size of the history."""
    goals = PreviousGoal.objects.order_by("number")
    return list(
        PreviousRecord.objects.filter(practice_id=client.practice_id, client=client)
        .select_related("imported_by")
        .prefetch_related(
            Prefetch(
                "plans",
                queryset=PreviousPlan.objects.order_by("number").prefetch_related(
                    Prefetch("goals", queryset=goals)
                ),
            ),
            Prefetch("goals", queryset=goals.filter(plan__isnull=True), to_attr="loose_goals"),
            Prefetch(
                "scores", queryset=PreviousScore.objects.order_by("instrument", "measured_on")
            ),
        )
        .order_by("received_at", "pk")
    )


def has_previous_record(client) -> bool:
    return PreviousRecord.objects.filter(practice_id=client.practice_id, client=client).exists()
