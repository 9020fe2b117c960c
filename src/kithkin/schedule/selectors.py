"""Reads of sessions. Each page is a fixed number of queries whatever the number of sessions:
the sessions, then their attendees with their people in one more."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from kithkin.clients.models import Client, Person
from kithkin.core.schedule import Week
from kithkin.schedule.models import Session, SessionAttendee

# Names are all these pages show of a user or a client.
USER_FIELDS = ("username", "first_name", "last_name")
CLIENT_FIELDS = ("given_name", "family_name", "preferred_name")
SESSION_FIELDS = (
    "practice_id",
    "client_id",
    "therapist_id",
    "starts_at",
    "duration_minutes",
    "status",
    "modality",
    "kind",
    *(f"therapist__{name}" for name in USER_FIELDS),
)


def _attendees() -> Prefetch:
    return Prefetch(
        "attendees",
        queryset=SessionAttendee.objects.select_related("person", "person__partner").order_by(
            "person__name", "pk"
        ),
        to_attr="people",
    )


@dataclass
class ClientSessions:
    upcoming: list[Session]
    past: list[Session]

    @property
    def count(self) -> int:
        return len(self.upcoming) + len(self.past)


def client_sessions(*, client: Client, now: datetime.datetime | None = None) -> ClientSessions:
    """Every session of the client with every therapist: what is still to come, soonest first,
    and the rest, latest first. Two queries."""
    now = now or timezone.now()
    sessions = list(
        Session.objects.for_practice(client.practice_id)
        .filter(client=client)
        .select_related("therapist")
        .only(*SESSION_FIELDS)
        .prefetch_related(_attendees())
        .order_by("starts_at", "pk")
    )
    upcoming = [s for s in sessions if s.starts_at >= now and s.status == Session.Status.SCHEDULED]
    chosen = {s.pk for s in upcoming}
    past = [s for s in reversed(sessions) if s.pk not in chosen]
    return ClientSessions(upcoming=upcoming, past=past)


def session_of(*, client: Client, session_id: int) -> Session | None:
    """The session, if it is this client's: a session of another client is not found."""
    return (
        Session.objects.for_practice(client.practice_id)
        .filter(pk=session_id, client=client)
        .select_related("therapist")
        .prefetch_related(_attendees())
        .first()
    )


def people_for_sessions(*, client: Client) -> list[Person]:
    """The client's people with their partner role, to choose attendees from."""
    return list(
        Person.objects.for_practice(client.practice_id)
        .filter(client=client)
        .select_related("partner")
        .order_by("name", "pk")
    )


@dataclass
class Day:
    date: datetime.date
    sessions: list[Session]

    @property
    def is_today(self) -> bool:
        return self.date == timezone.localdate()


def week_of(*, practice_id: int, therapist_id: int, week: Week) -> list[Day]:
    """The therapist's sessions of the week, Monday to Sunday in the practice's local time,
    with each client's name: one query on the (therapist, starts_at) index."""
    start = _midnight(week.monday)
    end = _midnight(week.monday + datetime.timedelta(days=7))
    days = {day: Day(date=day, sessions=[]) for day in week.days}
    for session in (
        Session.objects.for_practice(practice_id)
        .filter(therapist_id=therapist_id, starts_at__gte=start, starts_at__lt=end)
        .select_related("client")
        .only(
            "client_id",
            "therapist_id",
            "starts_at",
            "duration_minutes",
            "status",
            "modality",
            "kind",
            *(f"client__{name}" for name in CLIENT_FIELDS),
        )
        .order_by("starts_at", "pk")
    ):
        days[timezone.localtime(session.starts_at).date()].sessions.append(session)
    return list(days.values())


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
