"""Submitting a response and reading the practice view, timed in-process; run by measures.py in
a subprocess with the bench env.

    KITHKIN_DATABASE_URL=... KITHKIN_ALLOWED_HOSTS=testserver \\
        .venv/bin/python bench/measures_capture.py --submissions 300 [--view-requests 100]

- ``response_submit`` as the office form calls it: alice enters a client's alliance check-in or
  PHQ-9 (in turn) for the client's latest attended session, for her 100 clients with the
  longest seeded histories in turn. Each call is timed with perf_counter after 20 untimed
  ones; the client and session are read before the clock starts, as the view has them from its
  own reads. The SQL of one call of each instrument is captured. Each call is a real response,
  with its alerts and audit event, in the bench database: every run adds its submissions to
  these clients' histories (about three each), and open alerts saying the same thing are not
  raised again, so later runs raise fewer.
- ``GET /practice/feedback/`` through django.test.Client (no HTTP), as adam (the practice admin)
  and as alice (a therapist), with the SQL of one GET; only the status when the revision lacks
  the view.

Prints JSON, with the submit clients for the HTTP measurement that follows.
"""

import argparse
import contextlib
import json
import os
import random
import sys
import time
import uuid

from capture import backend_ticks
from measures_seed import PREFIX

WARMUP = 20
VIEW_PATH = "/practice/feedback/"


def draw(rng: random.Random, code: str) -> dict[int, int]:
    """Answers such as clients give: alliance ratings crowding the top of the scale, PHQ-9
    items around mild to moderate, item 9 seldom endorsed."""
    if code == "alliance":
        mean = rng.gauss(8.3, 0.7)
        return {n: min(10, max(0, round(mean + rng.gauss(0, 0.7)))) for n in range(1, 10)}
    level = rng.uniform(0.4, 1.8)
    answers = {n: min(3, max(0, round(level + rng.gauss(0, 0.7)))) for n in range(1, 9)}
    answers[9] = 0 if rng.random() < 0.92 else 1
    answers[10] = min(3, max(0, round(level)))
    return answers


def instrument_of(index: int, clients: int) -> str:
    """Alliance and PHQ-9 in turn, the order swapped on each pass over the clients, so every
    client gets both."""
    return "alliance" if (index + index // clients) % 2 == 0 else "phq9"


def long_histories(practice, therapist, count: int) -> list[dict]:
    """The therapist's active clients with the most seeded responses (so earlier runs' own
    submissions do not change the choice), and their latest attended session."""
    from django.db.models import Count

    from kithkin.measures.models import Response
    from kithkin.schedule.models import Session

    rows = list(
        Response.objects.filter(
            practice=practice,
            idempotency_key__startswith=PREFIX,
            client__therapy_relationships__therapist=therapist,
            client__therapy_relationships__ended_on__isnull=True,
        )
        .values("client_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "client_id")[:count]
    )
    clients = []
    for row in rows:
        attended = Session.objects.filter(
            client_id=row["client_id"], status=Session.Status.ATTENDED
        ).order_by("-starts_at", "-pk")
        latest = attended.values_list("pk", flat=True).first()
        if latest is not None:
            clients.append(
                {
                    "id": row["client_id"],
                    "responses": Response.objects.filter(client_id=row["client_id"]).count(),
                    "sessions": attended.count(),
                    "session_id": latest,
                }
            )
    return clients


def time_submissions(clients: list[dict], therapist, count: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from kithkin.clients.models import Client
    from kithkin.measures.services import response_submit
    from kithkin.schedule.models import Session

    rng = random.Random(count)

    def submit(index: int, capture: bool = False):
        info = clients[index % len(clients)]
        code = instrument_of(index, len(clients))
        # What the office view has in hand when it calls the service.
        client = Client.objects.filter(pk=info["id"]).first()
        session = Session.objects.only("pk", "starts_at", "therapist_id", "client_id").get(
            pk=info["session_id"]
        )
        answers = draw(rng, code)
        # The log a request start empties; the capture's slice must start from nothing.
        reset_queries()
        with CaptureQueriesContext(connection) if capture else contextlib.nullcontext() as seen:
            started = time.perf_counter()
            response = response_submit(
                client=client,
                instrument_code=code,
                answers=answers,
                by=therapist,
                via="office",
                session=session,
                idempotency_key=uuid.uuid4().hex,
                ip="127.0.0.1",
            )
            elapsed_ms = (time.perf_counter() - started) * 1000
        return code, elapsed_ms, response, seen

    timings: dict[str, list[float]] = {"alliance": [], "phq9": []}
    alerts = 0
    for index in range(WARMUP + count):
        code, elapsed_ms, response, _ = submit(index)
        if index >= WARMUP:
            timings[code].append(elapsed_ms)
            alerts += len(response.new_alerts)
    queries = {}
    for index in (0, 1):
        code, _, _, seen = submit(WARMUP + count + index, capture=True)
        queries[code] = [
            {"sql": q["sql"][:400], "seconds": float(q["time"])} for q in seen.captured_queries
        ]
    return {
        "timings_ms": timings,
        "alerts_raised": alerts,
        "queries": queries,
    }


def time_view(username: str, repeat: int) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kithkin.accounts.models import User

    user = User.objects.get(username=username, practice__slug="demo")
    browser = Client()
    browser.force_login(user)
    response = browser.get(VIEW_PATH)
    if response.status_code != 200:
        return {"status": response.status_code}
    for _ in range(4):
        browser.get(VIEW_PATH)
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        browser.get(VIEW_PATH)
    # Read now: the slice is taken from the live log, which the next request empties.
    queries = [
        {"sql": q["sql"][:600], "seconds": float(q["time"])} for q in captured.captured_queries
    ]
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = browser.get(VIEW_PATH)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(
                f"in-process GET {VIEW_PATH} as {username} answered {response.status_code}"
            )
    return {
        "status": 200,
        "role": user.role,
        "inprocess_ms": timings,
        "bytes": len(response.content),
        "queries": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--view-requests", type=int, default=100)
    parser.add_argument("--clients", type=int, default=100, help="clients the submissions visit")
    parser.add_argument("--admin", default="adam")
    parser.add_argument("--therapist", default="alice")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kithkin.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from kithkin.accounts.models import User

    if settings.DEBUG:
        print("warning: DEBUG is on; timings include query logging", file=sys.stderr)
    therapist = User.objects.select_related("practice").get(
        username=args.therapist, practice__slug="demo"
    )
    clients = long_histories(therapist.practice, therapist, args.clients)
    if not clients:
        raise SystemExit(f"{args.therapist} has no client with responses; is the practice seeded?")
    submit = time_submissions(clients, therapist, args.submissions)
    views = {name: time_view(name, args.view_requests) for name in (args.admin, args.therapist)}
    json.dump(
        {
            "vendor": connection.vendor,
            "clients": clients,
            "submit": submit,
            "views": views,
            "backend_ticks": backend_ticks(connection),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
