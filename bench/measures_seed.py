"""Feedback for the large practice, in bulk, once; run by measures.py in the bench env.

    KITHKIN_DATABASE_URL=... .venv/bin/python bench/measures_seed.py --responses 1000000
    KITHKIN_DATABASE_URL=... .venv/bin/python bench/measures_seed.py --summaries

Gives the practice's clients the questionnaire history a practice collecting feedback for
years would hold, until the practice has ``--responses`` responses (nothing when it has them):

- every client an episode (open, or closed with an ending type when their sessions stopped
  more than eight weeks ago), unless they have one;
- for each attended session: the alliance check-in after most of them (nine items 0-10, the
  free text left blank), PHQ-9 and GAD-7 before every other one. Where that leaves the practice
  short of the count, a share of the clients is measured at every session, as NHS Talking
  Therapies services do; where the count is reached first, the last clients have none, as
  clients who never answered;
- scores from the core's own ``score``, so totals, bands, completeness, answered counts and the
  item-9 state are the ones a submission would store; an Answer row per answered item.

Responses arrive through the portal from the client, without audit events or alerts, and
carry the idempotency key ``bench-seed-<client>-<n>``. The values are drawn from one random
generator per client: every revision and database gets the same responses. Rows are written
with explicit ids, by COPY on PostgreSQL and executemany on SQLite, a batch of clients per
transaction. Progress goes to stderr; the result is JSON on stdout.

With --summaries it times ``kithkin.measures.summaries.summaries_rebuild(practice)`` instead,
or says the revision lacks it.
"""

import argparse
import datetime
import json
import math
import os
import random
import sys
import time

BATCH = 250  # clients per transaction
PREFIX = "bench-seed-"
ALLIANCE_SHARE = 0.9  # attended sessions followed by a check-in
# PHQ-9 and GAD-7 with one item left blank (the score then says "incomplete").
INCOMPLETE = 0.03


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the answers ---------------------------------------------------------------------------------
class Profile:
    """One client's course: symptoms that mostly ease, an alliance that mostly holds."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        # Item means (0-3) at the first and the last session.
        self.phq_start = rng.uniform(0.6, 2.3)
        self.phq_end = max(0.1, self.phq_start * rng.choice([0.3, 0.5, 0.7, 0.9, 1.1]))
        self.gad_start = max(0.2, self.phq_start + rng.gauss(0, 0.4))
        self.gad_end = max(0.1, self.gad_start * rng.choice([0.3, 0.5, 0.7, 0.9, 1.1]))
        # A few clients report thoughts of self-harm now and then.
        self.risk = 0.15 if rng.random() < 0.08 else 0.005
        self.alliance = min(9.6, max(4.0, rng.gauss(8.2, 0.8)))
        self.alliance_trend = rng.gauss(0.3, 0.4)

    def _value(self, mean: float, top: int, spread: float) -> int:
        return min(top, max(0, round(mean + self.rng.gauss(0, spread))))

    def _blank_one(self, answers: dict[int, int | None], items: int) -> None:
        if self.rng.random() < INCOMPLETE:
            answers[self.rng.randint(1, items)] = None

    def phq9(self, progress: float) -> dict[int, int | None]:
        mean = self.phq_start + (self.phq_end - self.phq_start) * progress
        answers = {n: self._value(mean, 3, 0.7) for n in range(1, 9)}
        answers[9] = self._value(1.0, 3, 0.6) if self.rng.random() < self.risk else 0
        self._blank_one(answers, 9)
        # The difficulty question is optional and never scored.
        if self.rng.random() < 0.8:
            answers[10] = self._value(mean, 3, 0.5)
        return answers

    def gad7(self, progress: float) -> dict[int, int | None]:
        mean = self.gad_start + (self.gad_end - self.gad_start) * progress
        answers = {n: self._value(mean, 3, 0.7) for n in range(1, 8)}
        self._blank_one(answers, 7)
        return answers

    def check_in(self, progress: float) -> dict[int, int | None]:
        mean = self.alliance + self.alliance_trend * progress + self.rng.gauss(0, 0.4)
        return {n: self._value(mean, 10, 0.7) for n in range(1, 10)}


def course(rng: random.Random, sessions: list, every_session: bool) -> list:
    """(session id, when, instrument code, answers) for one client's attended sessions."""
    profile = Profile(rng)
    planned = []
    last = max(1, len(sessions) - 1)
    for number, (session_id, starts_at) in enumerate(sessions):
        progress = number / last
        # Questionnaires in the quarter hour or so before the session...
        before = starts_at - datetime.timedelta(minutes=rng.randint(5, 40))
        if every_session or number % 2 == 0:
            planned.append((session_id, before, "phq9", profile.phq9(progress)))
            planned.append((session_id, before, "gad7", profile.gad7(progress)))
        # ...the check-in soon after it ends.
        if rng.random() < ALLIANCE_SHARE:
            after = starts_at + datetime.timedelta(minutes=rng.randint(50, 180))
            planned.append((session_id, after, "alliance", profile.check_in(progress)))
    return planned


# --- the episodes --------------------------------------------------------------------------------
def seed_episodes(practice) -> int:
    """An episode for every client who has none: closed when their sessions stopped more than
    eight weeks ago (how it ended drawn as practices report it), else in active work."""
    from django.db import transaction
    from django.db.models import Max, Min
    from django.utils import timezone

    from kithkin.relationships.models import Episode, TherapyRelationship

    relationships = list(
        TherapyRelationship.objects.filter(practice=practice, episodes__isnull=True)
        .annotate(first=Min("client__sessions__starts_at"), last=Max("client__sessions__starts_at"))
        .order_by("pk")
        .values("pk", "therapist_id", "started_on", "first", "last")
    )
    now = timezone.now()
    endings = ["planned", "client_ended", "lapsed", "therapist_ended", "referred"]
    episodes = []
    for row in relationships:
        rng = random.Random(f"episode-{row['pk']}")
        first = row["first"] or now
        opened_on = min(row["started_on"], (first - datetime.timedelta(weeks=2)).date())
        episode = Episode(
            practice_id=practice.pk,
            relationship_id=row["pk"],
            phase="active",
            opened_on=opened_on,
            opened_by_id=row["therapist_id"],
        )
        if row["last"] is not None and row["last"] < now - datetime.timedelta(weeks=8):
            episode.phase = "closed"
            episode.closed_on = (row["last"] + datetime.timedelta(days=rng.randint(1, 20))).date()
            episode.ending_type = rng.choices(endings, weights=[50, 20, 15, 5, 10])[0]
        episodes.append(episode)
    with transaction.atomic():
        Episode.objects.bulk_create(episodes, batch_size=2000)
    return len(episodes)


def episode_of(client_ids: list[int]) -> dict[int, int]:
    """Each client's open episode, else their latest: what a response is filed under."""
    from kithkin.relationships.models import Episode

    chosen: dict[int, tuple] = {}
    rows = Episode.objects.filter(relationship__client_id__in=client_ids).values_list(
        "relationship__client_id", "pk", "phase", "opened_on"
    )
    for client_id, pk, phase, opened_on in rows:
        rank = (phase != "closed", opened_on, pk)
        if client_id not in chosen or rank > chosen[client_id][0]:
            chosen[client_id] = (rank, pk)
    return {client_id: pk for client_id, (_, pk) in chosen.items()}


# --- the rows ------------------------------------------------------------------------------------
class Writer:
    """Rows with explicit ids, in the model's own column order; a field this script does not
    know gets its default, so a later revision's new column with one does not stop it."""

    def __init__(self, connection, model, known: set[str]):
        self.connection = connection
        self.model = model
        self.fields = model._meta.concrete_fields
        self.defaults = {}
        for field in self.fields:
            if field.attname in known:
                continue
            if not field.has_default() and not field.null:
                raise SystemExit(f"{model.__name__}.{field.name} is new and has no default")
            value = field.get_default() if field.has_default() else None
            self.defaults[field.attname] = field.get_db_prep_save(value, connection)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in self.fields)
        table = connection.ops.quote_name(model._meta.db_table)
        if connection.vendor == "postgresql":
            self.sql = f"COPY {table} ({columns}) FROM STDIN"
        else:
            marks = ", ".join("?" for _ in self.fields)
            # Names from the model's own metadata, quoted by the backend; values are bound.
            self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608

    def write(self, rows: list[dict]) -> None:
        names = [field.attname for field in self.fields]
        tuples = [tuple(row.get(n, self.defaults.get(n)) for n in names) for row in rows]
        raw = self.connection.connection
        if self.connection.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(self.sql) as copy:
                for row in tuples:
                    copy.write_row(row)
        else:
            raw.executemany(self.sql, tuples)


def plan(counts: dict[int, int], need: int) -> float:
    """The share of clients measured at every session so that the expected number of
    responses reaches ``need``, with a little to spare (the last clients then get none)."""
    every_other = sum(ALLIANCE_SHARE * n + 2 * math.ceil(n / 2) for n in counts.values())
    every = sum((ALLIANCE_SHARE + 2) * n for n in counts.values())
    if need <= every_other:
        return 0.0
    if need >= every:
        return 1.0
    return min(1.0, (need - every_other) / (every - every_other) + 0.02)


def seed_responses(practice, need: int) -> dict:
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Count, Max
    from django.utils import timezone

    from kithkin.core.instruments import score
    from kithkin.measures.instruments import instruments_for
    from kithkin.measures.models import Answer, Response
    from kithkin.schedule.models import Session

    instruments = instruments_for(practice)
    answered_before = set(
        Response.objects.filter(practice=practice)
        .order_by()
        .values_list("client_id", flat=True)
        .distinct()
    )
    counts = {
        row["client_id"]: row["n"]
        for row in Session.objects.filter(practice=practice, status=Session.Status.ATTENDED)
        .order_by("client_id")
        .values("client_id")
        .annotate(n=Count("pk"))
        if row["client_id"] not in answered_before
    }
    share = plan(counts, need)
    log(
        f"{len(counts):,} clients without feedback, {sum(counts.values()):,} attended sessions; "
        f"{share:.0%} of them measured at every session"
    )
    response_writer = Writer(
        connection,
        Response,
        {
            "id",
            "practice_id",
            "client_id",
            "instrument",
            "instrument_version",
            "session_id",
            "episode_id",
            "submitted_at",
            "submitted_via",
            "respondent",
            "entered_by_id",
            "idempotency_key",
            "total",
            "band",
            "complete",
            "answered",
            "item9",
            "free_text",
        },
    )
    answer_writer = Writer(
        connection, Answer, {"id", "practice_id", "response_id", "item", "value"}
    )
    next_response = (Response.objects.aggregate(n=Max("pk"))["n"] or 0) + 1
    next_answer = (Answer.objects.aggregate(n=Max("pk"))["n"] or 0) + 1
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    clients = sorted(counts)
    added = answers_added = clients_seeded = 0
    started = time.perf_counter()
    for start in range(0, len(clients), BATCH):
        if added >= need:
            break
        batch = clients[start : start + BATCH]
        episodes = episode_of(batch)
        sessions: dict[int, list] = {client_id: [] for client_id in batch}
        for client_id, pk, starts_at in (
            Session.objects.filter(client_id__in=batch, status=Session.Status.ATTENDED)
            .order_by("client_id", "starts_at", "pk")
            .values_list("client_id", "pk", "starts_at")
        ):
            sessions[client_id].append((pk, starts_at))
        responses, answers = [], []
        for client_id in batch:
            rng = random.Random(f"responses-{client_id}")
            every_session = rng.random() < share
            for n, (session_id, at, code, given) in enumerate(
                course(rng, sessions[client_id], every_session), start=1
            ):
                if added >= need:
                    break
                instrument = instruments[code]
                scored = score(instrument, given)
                risk = scored.risk
                responses.append(
                    {
                        "id": next_response,
                        "practice_id": practice.pk,
                        "client_id": client_id,
                        "instrument": code,
                        "instrument_version": instrument.version,
                        "session_id": session_id,
                        "episode_id": episodes.get(client_id),
                        "submitted_at": adapt(min(at, now)),
                        "submitted_via": "portal",
                        "respondent": "client",
                        "entered_by_id": None,
                        "idempotency_key": f"{PREFIX}{client_id:06d}-{n:03d}",
                        "total": scored.total,
                        "band": scored.band or "",
                        "complete": scored.complete,
                        "answered": scored.answered,
                        "item9": risk.value if risk is not None else "",
                        "free_text": "",
                    }
                )
                for item, value in sorted(given.items()):
                    if value is not None:
                        answers.append(
                            {
                                "id": next_answer,
                                "practice_id": practice.pk,
                                "response_id": next_response,
                                "item": item,
                                "value": value,
                            }
                        )
                        next_answer += 1
                next_response += 1
                added += 1
            clients_seeded += 1
        with transaction.atomic():
            response_writer.write(responses)
            answer_writer.write(answers)
        answers_added += len(answers)
        elapsed = time.perf_counter() - started
        log(
            f"  {added:>9,} of {need:,} responses, {answers_added:>10,} answers, "
            f"{clients_seeded:,} clients, {elapsed:6.1f} s ({added / max(elapsed, 1e-9):,.0f}/s)"
        )
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Response, Answer]):
            cursor.execute(statement)
    return {
        "added": added,
        "answers_added": answers_added,
        "clients": clients_seeded,
        "every_session_share": round(share, 3),
        "seconds": round(time.perf_counter() - started, 1),
    }


def rebuild_summaries(practice) -> dict:
    """The practice view's pre-aggregation, recomputed from every response and session."""
    try:
        from kithkin.measures.summaries import summaries_rebuild
    except ImportError as error:
        return {"missing": f"{type(error).__name__}: {error}"}
    started = time.perf_counter()
    rows = summaries_rebuild(practice)
    return {"rows": rows, "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, help="responses wanted in all")
    parser.add_argument(
        "--summaries", action="store_true", help="rebuild the feedback summaries and time it"
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kithkin.settings")
    import django

    django.setup()
    from seed import analyse

    from kithkin.measures.models import Answer, Response
    from kithkin.practices.models import Practice

    practice = Practice.objects.get(slug="demo")
    if args.summaries:
        print(json.dumps(rebuild_summaries(practice)))
        return
    if args.responses is None:
        parser.error("--responses or --summaries")
    have = Response.objects.filter(practice=practice).count()
    result = {"before": have, "added": 0, "episodes_added": 0}
    if have < args.responses:
        started = time.perf_counter()
        result["episodes_added"] = seed_episodes(practice)
        log(f"episodes: {result['episodes_added']:,} added")
        result.update(seed_responses(practice, args.responses - have))
        analysed = time.perf_counter()
        analyse()
        result["analyse_seconds"] = round(time.perf_counter() - analysed, 1)
        result["total_seconds"] = round(time.perf_counter() - started, 1)
        log(f"ANALYZE took {result['analyse_seconds']} s")
    result["responses"] = Response.objects.filter(practice=practice).count()
    result["answers"] = Answer.objects.filter(practice=practice).count()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
