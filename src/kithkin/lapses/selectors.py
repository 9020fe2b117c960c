"""Reads for the lapse scan and the worklist. None of them grows with the caseload: the session
facts of many episodes come from one grouped query."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max, Min, Q
from django.utils import timezone

from kithkin.clients.models import restricted
from kithkin.core.access import Actor, Role
from kithkin.core.episodes import Phase
from kithkin.core.lapses import LapseRule, Quiet, quiet_since, why_not_close
from kithkin.lapses.models import Lapse, LapseSettings
from kithkin.relationships.models import Episode
from kithkin.schedule.models import Session


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the current time zone: "from today on" begins here."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment is not None else None


def quiet_facts(episodes: Iterable[Episode], *, today: datetime.date | None = None) -> dict:
    """For each episode (with its relationship), the facts the lapse rule reads: the last attended
    session and the first scheduled from ``today`` on, of its client with its therapist. One
    query for any number of episodes; returns {episode pk: Quiet}."""
    today = today or timezone.localdate()
    episodes = list(episodes)
    if not episodes:
        return {}
    pairs = {(e.relationship.client_id, e.relationship.therapist_id) for e in episodes}
    rows = (
        Session.objects.filter(
            client_id__in=sorted({c for c, _ in pairs}),
            therapist_id__in=sorted({t for _, t in pairs}),
        )
        .values("client_id", "therapist_id")
        .order_by("client_id", "therapist_id")
        .annotate(
            last_attended=Max("starts_at", filter=Q(status=Session.Status.ATTENDED)),
            next_scheduled=Min(
                "starts_at",
                filter=Q(status=Session.Status.SCHEDULED, starts_at__gte=start_of(today)),
            ),
        )
    )
    sessions = {(r["client_id"], r["therapist_id"]): r for r in rows}
    facts = {}
    for episode in episodes:
        row = sessions.get((episode.relationship.client_id, episode.relationship.therapist_id), {})
        facts[episode.pk] = Quiet(
            opened_on=episode.opened_on,
            last_attended=local_day(row.get("last_attended")),
            next_scheduled=local_day(row.get("next_scheduled")),
            closed=episode.phase == Phase.CLOSED,
        )
    return facts


def rules_for(practice_ids: Iterable[int]) -> dict[int, LapseRule]:
    """Each practice's rule: its own settings, or the rule's defaults. One query."""
    ids = sorted(set(practice_ids))
    rules = {pk: LapseRule() for pk in ids}
    for row in LapseSettings.objects.filter(practice_id__in=ids):
        rules[row.practice_id] = LapseRule(
            quiet_days=row.quiet_days, close_after_days=row.close_after_days
        )
    return rules


def open_episodes() -> list[Episode]:
    """Every practice's open episodes on a relationship still going, for the nightly scan."""
    return list(
        Episode.objects.exclude(phase=Phase.CLOSED)
        .filter(relationship__ended_on__isnull=True)
        # A restricted record is not used (GDPR Art. 18): no lapse is found, no letter invited.
        .filter(~restricted("relationship__client_id"))
        .select_related("relationship")
        .order_by("practice_id", "pk")
    )


def open_lapses(episode_ids: Iterable[int] | None = None) -> dict[int, Lapse]:
    """The lapses still on a worklist (neither resolved nor closed), by episode pk."""
    rows = Lapse.objects.filter(resolved_on__isnull=True, closed_on__isnull=True)
    if episode_ids is not None:
        rows = rows.filter(episode_id__in=sorted(set(episode_ids)))
    return {row.episode_id: row for row in rows.select_related("episode__relationship")}


def therapist_ids(actor: Actor) -> set[int]:
    """Whose clients the worklist shows: the clinician's own, and a supervisor's supervisees'
    (as plans.selectors.caseload_ids reads the caseload). By therapist, not by client: a client
    seen by two therapists lapses with each on their own."""
    ids = {actor.user_id}
    if actor.role is Role.SUPERVISOR:
        ids |= set(actor.supervisee_ids)
    return ids


@dataclass(frozen=True)
class Row:
    lapse: Lapse
    client_id: int
    client_name: str
    therapist_id: int
    days_quiet: int
    quiet_since: datetime.date
    may_close: bool
    why_not: list[str]


def row_of(lapse: Lapse, facts: Quiet, rule: LapseRule, today: datetime.date, **names) -> Row:
    why_not = why_not_close(
        facts, found_on=lapse.found_on if lapse.is_open else None, today=today, rule=rule
    )
    since = quiet_since(facts)
    return Row(
        lapse=lapse,
        client_id=lapse.episode.relationship.client_id,
        client_name=names.get("client_name", ""),
        therapist_id=lapse.episode.relationship.therapist_id,
        days_quiet=(today - since).days,
        quiet_since=since,
        may_close=not why_not,
        why_not=why_not,
    )


def worklist(
    *, actor: Actor, today: datetime.date | None = None, rule: LapseRule | None = None
) -> list[Row]:
    """The clinician's lapsing clients, longest quiet first: three queries whatever their number
    (the lapses with their clients, the sessions, and the practice's rule unless given)."""
    today = today or timezone.localdate()
    lapses = list(
        Lapse.objects.for_practice(actor.practice_id)
        .filter(
            resolved_on__isnull=True,
            closed_on__isnull=True,
            episode__relationship__therapist_id__in=sorted(therapist_ids(actor)),
        )
        .filter(~restricted("episode__relationship__client_id"))
        .select_related("episode__relationship__client")
        .defer("episode__relationship__client__address")
    )
    facts = quiet_facts([lapse.episode for lapse in lapses], today=today)
    if rule is None:
        rule = rules_for([actor.practice_id])[actor.practice_id]
    rows = [
        row_of(
            lapse,
            facts[lapse.episode_id],
            rule,
            today,
            client_name=lapse.episode.relationship.client.display_name,
        )
        for lapse in lapses
    ]
    return sorted(rows, key=lambda row: (row.quiet_since, row.client_name))


def open_count(*, actor: Actor) -> int:
    """How many of the clinician's clients are on the lapse worklist: one query."""
    return Lapse.objects.filter(
        practice_id=actor.practice_id,
        resolved_on__isnull=True,
        closed_on__isnull=True,
        episode__relationship__therapist_id__in=sorted(therapist_ids(actor)),
    ).count()


def episode_for(client, user) -> Episode | None:
    """The client's open episode this page is about: the user's own relationship's if they treat
    the client, else the first (a supervisor reading a supervisee's client)."""
    episodes = list(
        Episode.objects.filter(client_filter(client))
        .exclude(phase=Phase.CLOSED)
        .select_related("relationship__therapist")
        .order_by("pk")
    )
    own = [e for e in episodes if e.relationship.therapist_id == user.pk]
    return (own or episodes or [None])[0]


def client_filter(client) -> Q:
    return Q(relationship__client=client, relationship__ended_on__isnull=True)


def lapse_of(episode: Episode) -> Lapse | None:
    return Lapse.objects.filter(episode=episode).first()
