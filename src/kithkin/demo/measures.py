"""Alexis's feedback in the demo practice (issue 6): PHQ-9 and GAD-7 at every other attended
session, from moderate to mild, and the alliance check-in after every session, with one dip.

- PHQ-9 14 -> 12 -> 9 -> 7 and GAD-7 11 -> 10 -> 8 -> 6 at sessions 1, 3, 5 and 7. From the first
  to the last, PHQ-9 falls 7 (reliable at 6 or more) and GAD-7 falls 5 (reliable at 4 or more):
  a reliable improvement by the NHS Talking Therapies definitions, and, below caseness on both at
  the end, a reliable recovery. Item 9 is answered "not at all" every time, as her assessment
  (no thoughts of self-harm for two years) would lead one to expect, so the demo has no risk
  alert.
- Her alliance check-in rises from 74 to 86 of 90 but for session 4, the week she felt rushed at
  the end: 73 after 79. Still over the cut-off of 72, the fall alone raises one "Alliance
  dropped" alert. alice acknowledged it the next morning and opened a fit review from it,
  deciding to adjust the approach (the session's last ten minutes kept for what Alexis came in
  with). The scores after it keep rising, so no other alliance alert is raised.
- alice rates the alliance herself after every second session, so the measures page shows the
  two views and the gap at the latest session.

Unlike the rest of the demo, this goes through the measures services (``response_submit``,
``alert_acknowledge``, ``fit_review_create``), with fixed idempotency keys: the scores, the
alerts the rules raise and the audit events are then the ones a real practice would hold. The
services stamp everything with the time of the call and none takes a time, so the demo moves the
stamps of its own rows back to the sessions afterwards (the answers would otherwise all be dated
the day of the build). The audit events keep the time of the build: the trail is append-only and
hash-chained, and it truly records when these rows were written.

The demo's twelve other clients give feedback too (``other_clients_measures``), rising and
without alerts, so the practice view has enough clients to show its figures. Nothing here draws
from the builder's random generator, and the large practice (``grow_practice``) adds no
feedback: its clients have no questionnaires, so growing it costs what it did.
"""

import datetime

from kithkin.measures import services
from kithkin.measures.instruments import ALLIANCE, GAD7, PHQ9
from kithkin.measures.models import Alert, FitReview, Response
from kithkin.schedule.models import Session

KEY = "demo-alexis"

# Session number -> answers to items 1-9 (each 0-3). Item 9 is 0 each time.
PHQ9_ANSWERS = {
    1: (2, 2, 2, 2, 2, 2, 1, 1, 0),  # 14, moderate
    3: (2, 2, 2, 2, 1, 1, 1, 1, 0),  # 12, moderate
    5: (1, 1, 2, 2, 1, 1, 1, 0, 0),  # 9, mild
    7: (1, 1, 1, 2, 1, 1, 0, 0, 0),  # 7, mild
}
GAD7_ANSWERS = {
    1: (2, 2, 2, 2, 1, 1, 1),  # 11, moderate
    3: (2, 2, 2, 1, 1, 1, 1),  # 10, moderate
    5: (1, 2, 1, 1, 1, 1, 1),  # 8, mild
    7: (1, 1, 1, 1, 1, 1, 0),  # 6, mild
}
# The nine statements, in order: trust and safety, open communication, collaboration, feeling
# understood, engagement, respect, hope, benefit, adaptability. Each 0-10.
ALLIANCE_ANSWERS = {
    1: (9, 8, 8, 8, 8, 9, 8, 8, 8),  # 74
    2: (9, 9, 8, 9, 8, 9, 8, 9, 8),  # 77
    3: (9, 9, 9, 9, 8, 10, 8, 9, 8),  # 79
    # The dip: collaboration, feeling understood and adaptability fall.
    4: (9, 8, 7, 7, 8, 10, 8, 9, 7),  # 73
    5: (9, 9, 9, 9, 9, 10, 8, 9, 8),  # 80
    6: (10, 9, 9, 9, 9, 10, 9, 9, 8),  # 82
    7: (10, 9, 9, 10, 9, 10, 9, 9, 9),  # 84
    8: (10, 10, 9, 10, 9, 10, 9, 10, 9),  # 86
}
COULD_BE_BETTER = {
    1: "I'm not sure yet what I'm supposed to say here. It was fine.",
    4: "I felt rushed at the end. I'd saved the thing about Mum for last and there wasn't time.",
    8: "Nothing really. Maybe a bit more time on work next week.",
}
DIP = 4
# alice's own view after every second session; at session 4 she did not see the dip coming.
THERAPIST_ANSWERS = {
    2: (8, 8, 8, 8, 8, 9, 7, 8, 8),  # 72
    4: (8, 8, 8, 8, 8, 9, 8, 8, 8),  # 73
    6: (9, 9, 8, 9, 8, 9, 8, 8, 8),  # 76
    8: (9, 9, 9, 9, 9, 10, 8, 9, 8),  # 80
}

ACKNOWLEDGEMENT = (
    "Read it the morning after. She saved what mattered most for the last minutes and I ran "
    "out the clock. I will name it at the start of next session and keep the last ten minutes "
    "for what she came in with."
)
FIT_FEEDBACK = (
    "Her alliance check-in fell from 79 to 73 at session 4, lower on working together, feeling "
    "understood and changing how we work, and she wrote that she felt rushed at the end, with "
    "the thing about her mother left unsaid. Every other check-in has risen."
)
FIT_TRIED = (
    "Nothing yet: this is the first dip. Her scores on the PHQ-9 and GAD-7 are coming down, and "
    "she says the sessions help."
)

# When each thing happened, from the session's start: questionnaires in the portal in the
# quarter hour before, the check-in soon after the hour, alice's rating when she signs her note.
BEFORE = datetime.timedelta(minutes=15)
AFTER = datetime.timedelta(minutes=80)
THERAPIST_AFTER = datetime.timedelta(hours=3)
NEXT_MORNING = datetime.timedelta(hours=22)


def _answers(values: tuple[int, ...]) -> dict[int, int]:
    return dict(enumerate(values, start=1))


def alexis_measures(practice, alexis, alice, login) -> None:
    """``login`` is Alexis's portal account: she answers there."""
    sessions = list(
        Session.objects.filter(
            client=alexis, therapist=alice, status=Session.Status.ATTENDED
        ).order_by("starts_at", "pk")
    )
    stamps: dict[int, datetime.datetime] = {}

    def submit(number, session, code, values, *, at, respondent="client", free_text=""):
        therapist = respondent == Response.Respondent.THERAPIST
        response = services.response_submit(
            client=alexis,
            instrument_code=code,
            answers=_answers(values),
            by=alice if therapist else login,
            via=Response.Via.THERAPIST if therapist else Response.Via.PORTAL,
            session=session,
            idempotency_key=f"{KEY}-s{number}-{code}-{respondent}",
            free_text=free_text,
            respondent=respondent,
        )
        stamps[response.pk] = at
        return response

    dip_alerts: list[Alert] = []
    for number, session in enumerate(sessions, start=1):
        ended = session.starts_at + AFTER
        for code, table in ((PHQ9, PHQ9_ANSWERS), (GAD7, GAD7_ANSWERS)):
            if number in table:
                submit(number, session, code, table[number], at=session.starts_at - BEFORE)
        if number in ALLIANCE_ANSWERS:
            response = submit(
                number,
                session,
                ALLIANCE,
                ALLIANCE_ANSWERS[number],
                at=ended,
                free_text=COULD_BE_BETTER.get(number, ""),
            )
            if number == DIP:
                dip_alerts = response.new_alerts
        if number in THERAPIST_ANSWERS:
            submit(
                number,
                session,
                ALLIANCE,
                THERAPIST_ANSWERS[number],
                at=session.starts_at + THERAPIST_AFTER,
                respondent=Response.Respondent.THERAPIST,
            )
        if number == DIP:
            _answer_the_dip(alexis, alice, dip_alerts, at=ended + NEXT_MORNING)
    _dated(stamps)


def _answer_the_dip(alexis, alice, alerts: list[Alert], *, at: datetime.datetime) -> None:
    for alert in alerts:
        services.alert_acknowledge(alert=alert, by=alice, note=ACKNOWLEDGEMENT)
        review = services.fit_review_create(
            client=alexis,
            by=alice,
            feedback=FIT_FEEDBACK,
            tried=FIT_TRIED,
            decision=FitReview.Decision.ADJUST,
            opened_from=alert,
            idempotency_key=f"{KEY}-fit-review-{alert.kind}",
        )
        Alert.objects.filter(pk=alert.pk).update(acknowledged_at=at)
        FitReview.objects.filter(pk=review.pk).update(at=at + datetime.timedelta(minutes=10))


def _dated(stamps: dict[int, datetime.datetime]) -> None:
    """Moves each response, and the alerts it raised, back to the session it was given at."""
    for pk, at in stamps.items():
        Response.objects.filter(pk=pk).update(submitted_at=at)
        Alert.objects.filter(response_id=pk).update(raised_at=at)


# --- The rest of the demo practice's feedback, for the practice view ---------------------------

# Each other client's check-ins start between 74 and 85 of 90 and rise a point a session, never
# falling; their PHQ-9 and GAD-7 come down two points at every other session (a quarter of them
# from below caseness, a third skipping a check-in now and then). The practice view
# then has enough clients to show its figures, and no other client raises an alert: Alexis's
# dip stays the demo's one alert, as her story tells it.
OTHER_KEY = "demo-other"


def _spread(total: int, items: int, top: int) -> tuple[int, ...]:
    """``total`` over ``items`` answers of 0-``top``, as even as whole numbers allow."""
    base, extra = divmod(total, items)
    values = tuple(base + (1 if n < extra else 0) for n in range(items))
    assert max(values) <= top and sum(values) == total
    return values


def other_clients_measures(practice, clients) -> None:
    """``clients``: (client, therapist) pairs, in the order the builder made them. Their
    therapist enters each questionnaire in the office, at the session it is about."""
    stamps: dict[int, datetime.datetime] = {}
    for index, (client, therapist) in enumerate(clients):
        sessions = Session.objects.filter(client=client, status=Session.Status.ATTENDED).order_by(
            "starts_at", "pk"
        )
        for number, session in enumerate(sessions, start=1):
            measured = (number - 1) // 2  # measurements so far, at sessions 1, 3, 5...
            entries = []
            # A third of them forget the check-in every fourth session (never three in a row,
            # which would be an alert): the response rate is not a perfect 100%.
            if not (index % 3 == 1 and number % 4 == 0):
                entries.append((ALLIANCE, _spread(min(90, 74 + (index * 5) % 12 + number), 9, 10)))
            if number % 2 == 1:
                # A quarter start below caseness on both measures, where recovery does not apply.
                below = index % 4 == 2
                phq9 = max(2, (9 if below else 12 + index % 5) - 2 * measured)
                gad7 = max(2, (7 if below else 9 + index % 4) - 2 * measured)
                # Item 9 (thoughts of self-harm) is 0: the demo's clients raise no risk alert.
                entries.append((PHQ9, (*_spread(phq9, 8, 3), 0)))
                entries.append((GAD7, _spread(gad7, 7, 3)))
            for code, values in entries:
                response = services.response_submit(
                    client=client,
                    instrument_code=code,
                    answers=_answers(values),
                    by=therapist,
                    via=Response.Via.OFFICE,
                    session=session,
                    idempotency_key=f"{OTHER_KEY}-{index}-s{number}-{code}",
                )
                stamps[response.pk] = session.starts_at + AFTER
    _dated(stamps)
