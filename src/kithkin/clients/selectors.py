"""Reads of clients. Every query starts from the practice, and none grows with the caseload."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from kithkin.clients.models import Client, Restriction
from kithkin.core.access import Actor, Role
from kithkin.core.alerts import AlertKind
from kithkin.core.episodes import Phase
from kithkin.core.partners import ActionStatus, action_status
from kithkin.core.plans import NEAR_DAYS, TargetFlag, target_flag
from kithkin.measures.models import Alert
from kithkin.partners.models import PlannedAction
from kithkin.plans.models import Goal
from kithkin.plans.selectors import check_ins_due, plans_in_use
from kithkin.relationships.models import Episode
from kithkin.relationships.returns import road_so_far
from kithkin.schedule.models import Session


def caseload(*, actor: Actor, client_ids: list[int]):
    """The clients a clinician treats, or supervises through a supervisee (``client_ids``, from
    plans.selectors.caseload_ids), with their last and next sessions. Two correlated subqueries
    ride the (client, starts_at) index. The ids come as one parameter: as a subquery over the
    therapy relationships, PostgreSQL read all 10,000 of them (3.2 ms against 1.5)."""
    now = timezone.now()
    sessions = Session.objects.filter(client=OuterRef("pk"))
    last_session = sessions.filter(starts_at__lt=now, status=Session.Status.ATTENDED).order_by(
        "-starts_at"
    )
    next_session = sessions.filter(starts_at__gte=now, status=Session.Status.SCHEDULED).order_by(
        "starts_at"
    )
    return (
        Client.objects.for_practice(actor.practice_id)
        .filter(pk__in_ids=client_ids)
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


# Alert kinds in the order the pages show them: risk first, as it cannot wait for the next session.
ALERT_ORDER = {kind.value: n for n, kind in enumerate(AlertKind)}
# A client with more open alerts than this has a backlog; the measures page lists them all.
CLIENT_PAGE_ALERTS = 10


def client_page(*, client: Client, recent: int = 10) -> dict:
    """What the client page shows besides identity: people, therapists, recent and next sessions,
    the open alerts (at most ``CLIENT_PAGE_ALERTS`` rows, risk first), and the road so far: the
    earlier episodes, for a therapist the client returned to (one query, three with earlier
    episodes, whatever their number)."""
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
        "open_alerts": open_alerts(client=client),
        "earlier_episodes": road_so_far(client=client),
    }


def open_alerts(*, client: Client) -> list[dict]:
    """The client's unacknowledged alerts as plain rows, risk first, then the newest: one query,
    two with a backlog of more than ``CLIENT_PAGE_ALERTS``."""
    alerts = Alert.objects.filter(
        practice_id=client.practice_id, client=client, acknowledged_at__isnull=True
    )
    fields = ("pk", "kind", "raised_at", "session_number")
    # Most clients have none or a few. Read one more than the page shows, newest first: when
    # they all fit, they are ordered here (a stable sort keeps the newest first within a kind),
    # as ordering by kind in SQL costs the ORM about 2 ms to build.
    rows = list(alerts.order_by("-raised_at", "-pk").values(*fields)[: CLIENT_PAGE_ALERTS + 1])
    if len(rows) <= CLIENT_PAGE_ALERTS:
        rows.sort(key=lambda row: ALERT_ORDER.get(row["kind"], len(ALERT_ORDER)))
    else:
        # A backlog: ordered in the query, so the limit never hides a risk alert behind newer
        # ones of other kinds.
        shown_order = Case(
            *(When(kind=kind, then=Value(n)) for kind, n in ALERT_ORDER.items()),
            default=Value(len(ALERT_ORDER)),
        )
        rows = list(
            alerts.order_by(shown_order, "-raised_at", "-pk").values(*fields)[:CLIENT_PAGE_ALERTS]
        )
    for row in rows:
        row["label"] = AlertKind(row["kind"]).label
    return rows


@dataclass(frozen=True)
class Attention:
    """What needs the clinician's eye for one client, beside the caseload row."""

    phase: str = ""  # the open episode's phase, or "" without one
    check_in: object = None  # plans.selectors.DueCheckIn when due or overdue
    actions_due: int = 0  # partner actions due or overdue
    actions_waiting: int = 0  # client-paced actions waiting on the client
    goals_near: int = 0  # open goals whose target date is near
    goals_past: int = 0  # open goals whose target date has gone by
    alerts: int = 0  # open (unacknowledged) measures alerts
    risk_alerts: int = 0  # of which risk (PHQ-9 item 9)


def attention(*, actor: Actor, client_ids: list[int], today) -> dict[int, Attention]:
    """The dashboard's extra columns for the caseload's clients, in a number of queries that does
    not grow with the caseload: the open episodes, the open partner actions, the plans in use and
    their check-ins (see plans.selectors.check_ins_due), the goals near their target, and the
    open measures alerts."""
    therapist_ids = {actor.user_id}
    if actor.role is Role.SUPERVISOR:
        therapist_ids |= actor.supervisee_ids
    found: dict[int, dict] = defaultdict(dict)
    for client_id, phase in Episode.objects.filter(
        relationship__client_id__in_ids=client_ids,
        relationship__therapist_id__in=therapist_ids,
        closed_on__isnull=True,
    ).values_list("relationship__client_id", "phase"):
        # Two open episodes (two treating therapists): show the one further along.
        current = found[client_id].get("phase")
        if current is None or Phase(phase).position > Phase(current).position:
            found[client_id]["phase"] = phase
    actions = PlannedAction.objects.filter(
        partner__person__client_id__in_ids=client_ids,
        done_on__isnull=True,
        window_start__lte=today,
    ).values_list("partner__person__client_id", "window_start", "window_end", "client_paced")
    for client_id, start, end, client_paced in actions:
        status = action_status(
            window_start=start, window_end=end, client_paced=client_paced, done=False, today=today
        )
        key = "actions_waiting" if status is ActionStatus.WAITING_ON_CLIENT else "actions_due"
        if status in (ActionStatus.DUE, ActionStatus.OVERDUE, ActionStatus.WAITING_ON_CLIENT):
            found[client_id][key] = found[client_id].get(key, 0) + 1
    plans = plans_in_use(actor=actor, client_ids=client_ids)
    for due in check_ins_due(actor=actor, today=today, plans=plans):
        found[due.client_id]["check_in"] = due
    # The goals of the version in use only: an earlier version's goals were revised away.
    client_of_version = {plan.version_id: plan.client_id for plan in plans}
    goals = Goal.objects.filter(
        version_id__in_ids=list(client_of_version),
        target_date__lte=today + datetime.timedelta(days=NEAR_DAYS),
    ).values_list("version_id", "target_date", "lifecycle", "achievement")
    for version_id, target_date, lifecycle, achievement in goals:
        flag = target_flag(
            target_date=target_date, lifecycle=lifecycle, achievement=achievement, today=today
        )
        if flag is not None:
            client_id = client_of_version[version_id]
            key = "goals_past" if flag is TargetFlag.PAST else "goals_near"
            found[client_id][key] = found[client_id].get(key, 0) + 1
    # Plain pairs, counted here: a caseload has few open alerts, and no row needs its reason.
    alerts = Alert.objects.filter(
        practice_id=actor.practice_id,
        client_id__in_ids=client_ids,
        acknowledged_at__isnull=True,
    ).values_list("client_id", "kind")
    for client_id, kind in alerts:
        found[client_id]["alerts"] = found[client_id].get("alerts", 0) + 1
        if kind == AlertKind.RISK:
            found[client_id]["risk_alerts"] = found[client_id].get("risk_alerts", 0) + 1
    return {pk: Attention(**found.get(pk, {})) for pk in client_ids}


def client_by_name_and_birth(*, practice_id: int, full_name: str, date_of_birth):
    """The one client of the practice with this full name and date of birth, or None (none, or
    more than one): the form cannot be used to list the practice's clients."""
    given, _, family = full_name.strip().rpartition(" ")
    matches = list(
        Client.objects.for_practice(practice_id)
        .annotate(given_lower=Lower("given_name"), family_lower=Lower("family_name"))
        .filter(
            Q(given_lower=given.lower()) | Q(given_lower__startswith=given.lower() + " "),
            family_lower=family.lower(),
            date_of_birth=date_of_birth,
        )
        .only("pk", "practice_id")[:2]
    )
    return matches[0] if len(matches) == 1 else None


def restrictions(*, practice_id: int, lifted: int = 50) -> dict:
    """The practice's restrictions in force, oldest first, and the latest lifted ones: two
    queries whatever their number. Names only: the admin reads no clinical content."""
    rows = Restriction.objects.for_practice(practice_id).select_related(
        "client", "recorded_by", "lifted_by"
    )
    rows = rows.only(
        "requested_on",
        "recorded_at",
        "lifted_at",
        "client__given_name",
        "client__family_name",
        "client__preferred_name",
        "client__practice_id",
        "recorded_by__username",
        "recorded_by__first_name",
        "recorded_by__last_name",
        "lifted_by__username",
        "lifted_by__first_name",
        "lifted_by__last_name",
    )
    return {
        "active": list(rows.filter(lifted_at__isnull=True).order_by("recorded_at", "pk")),
        "lifted": list(rows.filter(lifted_at__isnull=False).order_by("-lifted_at", "-pk")[:lifted]),
    }
