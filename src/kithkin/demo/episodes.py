"""Episodes of the demo practice: Alexis in active work with her whole history, and the other
demo clients spread over the phases, one of them a returning client (seed 004: "a client ...
will begin with a new one shortly or even return to the same one").

Written directly, as the rest of the demo is: the histories are dated in the past, which no
service would accept, and a demo load is not an event of the practice's audit trail. Nothing
here draws from the builder's random generator, so the rest of the demo stays as it was.
"""

import datetime

from django.utils import timezone

from kithkin.clients.models import Client
from kithkin.relationships.models import Episode, EpisodeTransition, TherapyRelationship
from kithkin.schedule.models import Session

# Alexis's first ten weeks with alice: weeks after first contact for each phase.
ALEXIS_PATH = [
    (0, "reaching_out", ""),
    (1, "assessment", ""),
    (3, "formulation", ""),
    (5, "planning", ""),
    (7, "active", "Plan agreed with Alexis, in her words: her mother, Diane, and work."),
]

# The other demo clients, by their place in the builder's list: each episode is its moves after
# reaching out, as (phase, reason, ending type).
OTHERS = {
    0: [[("assessment", "", "")]],
    1: [[("assessment", "", ""), ("formulation", "", ""), ("planning", "", "")]],
    # The returning client: a planned ending, then a new episode some weeks later.
    2: [
        [
            ("assessment", "", ""),
            ("formulation", "", ""),
            ("planning", "", ""),
            ("active", "", ""),
            ("ending", "", ""),
            ("closed", "", "planned"),
        ],
        [("assessment", "", "")],
    ],
    3: [
        [
            ("assessment", "", ""),
            ("formulation", "", ""),
            ("planning", "", ""),
            ("active", "", ""),
            ("ending", "", ""),
        ]
    ],
    4: [[("assessment", "", ""), ("formulation", "", "")]],
    5: [
        [
            ("assessment", "", ""),
            ("formulation", "", ""),
            ("planning", "", ""),
            ("active", "", ""),
            ("closed", "No reply to two messages after three missed sessions.", "lapsed"),
        ]
    ],
    6: [
        [
            ("assessment", "", ""),
            (
                "active",
                "Referred with a recent formulation and plan from a previous therapist; "
                "agreed to start the work after the assessment.",
                "",
            ),
        ]
    ],
    7: [
        [
            ("assessment", "", ""),
            ("formulation", "", ""),
            ("planning", "", ""),
            ("active", "", ""),
            ("planning", "A new job changed what matters most; the goals are revisited.", ""),
        ]
    ],
}


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def alexis_episode(practice, alexis, alice) -> Episode:
    relationship = TherapyRelationship.objects.get(client=alexis, therapist=alice)
    opened = relationship.started_on
    episode = Episode.objects.create(
        practice=practice,
        relationship=relationship,
        phase=ALEXIS_PATH[-1][1],
        opened_on=opened,
        opened_by=alice,
    )
    rows, previous = [], ""
    for weeks, phase, reason in ALEXIS_PATH:
        rows.append(
            EpisodeTransition(
                practice=practice,
                episode=episode,
                from_phase=previous,
                to_phase=phase,
                reason=reason,
                by=alice,
                at=_at(opened + datetime.timedelta(weeks=weeks)),
            )
        )
        previous = phase
    EpisodeTransition.objects.bulk_create(rows)
    return episode


def other_episodes(practice, *, skip: Client, today: datetime.date) -> None:
    """Spreads each client's episodes between their first contact and yesterday."""
    clients = list(Client.objects.filter(practice=practice).exclude(pk=skip.pk).order_by("pk"))
    for index, client in enumerate(clients):
        stories = OTHERS.get(index)
        if not stories:
            continue
        relationship = TherapyRelationship.objects.select_related("therapist").get(client=client)
        first_session = Session.objects.filter(client=client).order_by("starts_at").first()
        start = relationship.started_on
        if first_session is not None:
            start = min(start, timezone.localtime(first_session.starts_at).date())
        # Eight weeks at least for each episode, so a returning client has had time to end
        # and return; the relationship then starts with its first episode.
        start = min(start, today - datetime.timedelta(weeks=8 * len(stories)))
        if start != relationship.started_on:
            relationship.started_on = start
            relationship.save(update_fields=["started_on"])
        span = (today - start).days - 1
        windows = [(0.0, 1.0)] if len(stories) == 1 else [(0.0, 0.6), (0.75, 1.0)]
        episodes = [
            _episode(practice, relationship, moves, start, span, begin, end)
            for moves, (begin, end) in zip(stories, windows, strict=True)
        ]
        for episode, following in zip(episodes, [*episodes[1:], None], strict=True):
            if not episode.is_open:
                _sessions_of_a_closed_episode(practice, client, relationship, episode, following)


def _sessions_of_a_closed_episode(practice, client, relationship, episode, following) -> None:
    """Weekly sessions from the assessment to the ending, and none until the client returns:
    a lapsed client's last three sessions were missed, as the closing reason says. The
    builder's random sessions of that stretch give way to these."""
    replaced = Session.objects.filter(client=client, starts_at__gte=_at(episode.opened_on, 0))
    if following is not None:
        replaced = replaced.filter(starts_at__lt=_at(following.opened_on, 0))
    replaced.delete()
    assessed = episode.transitions.get(to_phase="assessment").at.date()
    weeks = max(1, (episode.closed_on - assessed).days // 7)
    missed = 3 if episode.ending_type == "lapsed" else 0
    Session.objects.bulk_create(
        Session(
            practice=practice,
            client=client,
            therapist_id=relationship.therapist_id,
            starts_at=_at(assessed + datetime.timedelta(weeks=w), 10),
            status=Session.Status.NO_SHOW if w >= weeks - missed else Session.Status.ATTENDED,
        )
        for w in range(weeks)
    )


def _episode(practice, relationship, moves, start, span, begin, end) -> Episode:
    steps = len(moves) + 1
    days = [
        start + datetime.timedelta(days=round(span * (begin + (end - begin) * k / steps)))
        for k in range(steps)
    ]
    last_phase, _, ending = moves[-1]
    closed = last_phase == "closed"
    episode = Episode.objects.create(
        practice=practice,
        relationship=relationship,
        phase=last_phase,
        opened_on=days[0],
        closed_on=days[-1] if closed else None,
        ending_type=ending,
        opened_by=relationship.therapist,
    )
    path = [("reaching_out", "", ""), *moves]
    EpisodeTransition.objects.bulk_create(
        EpisodeTransition(
            practice=practice,
            episode=episode,
            from_phase=path[k - 1][0] if k else "",
            to_phase=phase,
            reason=reason,
            ending_type=ending_type,
            by=relationship.therapist,
            at=_at(day),
        )
        for k, ((phase, reason, ending_type), day) in enumerate(zip(path, days, strict=True))
    )
    return episode
