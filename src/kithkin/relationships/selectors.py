"""Reads of the therapy relationship's journey. The timeline is four queries whatever the length
of the journey: relationships, episodes, transitions and sessions, joined in memory."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from kithkin.clients.models import Client
from kithkin.core.episodes import PHASES, Move, Phase, Stage, stage_of
from kithkin.relationships.models import Episode, EpisodeTransition, TherapyRelationship
from kithkin.schedule.models import Session

# Names are all the timeline shows of a user; password hashes and the rest stay in the table.
USER_FIELDS = ("username", "first_name", "last_name")
SESSION_FIELDS = (
    "starts_at",
    "status",
    "kind",
    "modality",
    "therapist_id",
    *(f"therapist__{name}" for name in USER_FIELDS),
)


@dataclass(frozen=True)
class PhaseMark:
    phase: Phase
    visited: bool
    current: bool


@dataclass(frozen=True, slots=True)
class SessionLine:
    """A session as the timeline shows it, read as a plain row and worded once: 300 sessions as
    model instances with their therapists, and the template's work on each, cost the page about
    half its time."""

    starts_at: datetime.datetime
    status: str
    therapist_id: int
    therapist_name: str
    when_iso: str
    when_text: str
    status_text: str
    kind_text: str
    modality_text: str

    @property
    def summary(self) -> str:
        return f"{self.status_text.lower()}, {self.kind_text.lower()}, {self.modality_text.lower()}"

    @property
    def row_html(self) -> str:
        """The session as a row of the table of sessions outside any episode."""
        return (
            f'<tr><td><time datetime="{self.when_iso}">{self.when_text}</time></td>'
            f"<td>{escape(self.status_text)}</td><td>{escape(self.kind_text)}</td>"
            f"<td>{escape(self.modality_text)}</td><td>{escape(self.therapist_name)}</td></tr>"
        )


@dataclass
class Event:
    """One line of an episode's story: a move between phases or a session."""

    at: datetime.datetime
    transition: EpisodeTransition | None = None
    session: SessionLine | None = None
    headline: str = ""

    @property
    def html(self) -> str:
        """The line of the list, every text in it escaped here."""
        if self.session is not None:
            line = self.session
            return (
                f'<li class="event-session"><time datetime="{line.when_iso}">{line.when_text}'
                f"</time> Session: {escape(line.summary)}</li>"
            )
        local = timezone.localtime(self.at)
        move = self.transition
        reason = f"<blockquote>{linebreaksbr(move.reason)}</blockquote>" if move.reason else ""
        return (
            f'<li class="event-move"><time datetime="{local.isoformat()}">'
            f"{local.day} {local:%b %Y, %H:%M}</time> <strong>{escape(self.headline)}</strong>, "
            f"by {escape(move.by.display_name)}{reason}</li>"
        )


@dataclass
class EpisodeStory:
    episode: Episode
    number: int
    relationship: TherapyRelationship
    phase: Phase
    stage: Stage
    since: datetime.datetime | None
    marks: list[PhaseMark]
    events: list[Event] = field(default_factory=list)
    sessions: int = 0

    @property
    def therapist(self):
        return self.relationship.therapist

    @property
    def events_html(self) -> str:
        return mark_safe("\n".join(event.html for event in self.events))  # noqa: S308 - escaped

    @property
    def is_open(self) -> bool:
        return self.phase is not Phase.CLOSED


@dataclass
class Timeline:
    relationships: list[TherapyRelationship]
    episodes: list[EpisodeStory]
    outside: list[SessionLine]
    session_count: int

    @property
    def outside_html(self) -> str:
        return mark_safe("\n".join(line.row_html for line in self.outside))  # noqa: S308 - escaped

    @property
    def open_episodes(self) -> list[EpisodeStory]:
        return [story for story in self.episodes if story.is_open]


def timeline(*, client: Client) -> Timeline:
    """The whole journey of a client: every therapist, every episode with its moves, and every
    session, earlier episodes included (seed 004: the journey is cyclical)."""
    practice_id = client.practice_id
    relationships = list(
        TherapyRelationship.objects.for_practice(practice_id)
        .filter(client=client)
        .select_related("therapist")
        .only(
            "started_on",
            "ended_on",
            "client_id",
            "therapist_id",
            *(f"therapist__{name}" for name in USER_FIELDS),
        )
        .order_by("started_on", "pk")
    )
    by_relationship = {r.pk: r for r in relationships}
    episodes = list(
        Episode.objects.for_practice(practice_id)
        .filter(relationship__client=client)
        .order_by("opened_on", "pk")
    )
    moves = defaultdict(list)
    for row in (
        EpisodeTransition.objects.for_practice(practice_id)
        .filter(episode__relationship__client=client)
        .select_related("by")
        .only(
            "episode_id",
            "from_phase",
            "to_phase",
            "ending_type",
            "reason",
            "at",
            *(f"by__{name}" for name in USER_FIELDS),
        )
        .order_by("at", "pk")
    ):
        moves[row.episode_id].append(row)
    sessions = _lines(
        Session.objects.for_practice(practice_id)
        .filter(client=client)
        .order_by("starts_at", "pk")
        .values_list(*SESSION_FIELDS)
    )

    stories = []
    for number, episode in enumerate(episodes, start=1):
        rows = moves.get(episode.pk, [])
        phase = Phase(episode.phase)
        visited = {Phase(row.to_phase) for row in rows} | {phase}
        stories.append(
            EpisodeStory(
                episode=episode,
                number=number,
                relationship=by_relationship[episode.relationship_id],
                phase=phase,
                stage=stage_of(phase),
                since=rows[-1].at if rows else None,
                marks=[PhaseMark(p, p in visited, p is phase) for p in PHASES],
                events=[Event(at=row.at, transition=row, headline=headline(row)) for row in rows],
            )
        )
    outside = []
    for session in sessions:
        story = _episode_of(session, stories)
        if story is None:
            outside.append(session)
        else:
            story.events.append(Event(at=session.starts_at, session=session))
            story.sessions += 1
    for story in stories:
        story.events.sort(key=lambda event: event.at)
    return Timeline(
        relationships=relationships,
        episodes=stories,
        outside=outside,
        session_count=len(sessions),
    )


STATUS_TEXT = dict(Session.Status.choices)
KIND_TEXT = dict(Session.Kind.choices)
MODALITY_TEXT = dict(Session.Modality.choices)


def _lines(rows) -> list[SessionLine]:
    zone = timezone.get_current_timezone()
    lines = []
    for starts_at, status, kind, modality, therapist_id, username, first, last in rows:
        local = starts_at.astimezone(zone)
        lines.append(
            SessionLine(
                starts_at=starts_at,
                status=status,
                therapist_id=therapist_id,
                therapist_name=f"{first} {last}".strip() or username,
                when_iso=local.isoformat(),
                when_text=f"{local.day} {local:%b %Y, %H:%M}",
                status_text=STATUS_TEXT.get(status, status),
                kind_text=KIND_TEXT.get(kind, kind),
                modality_text=MODALITY_TEXT.get(modality, modality),
            )
        )
    return lines


def _episode_of(session: SessionLine, stories: list[EpisodeStory]) -> EpisodeStory | None:
    """The episode a session belongs to: same therapist, on a day the episode was open. A
    session of a therapist who covered without an episode of their own stays outside."""
    day = timezone.localtime(session.starts_at).date()
    for story in reversed(stories):
        episode = story.episode
        if story.relationship.therapist_id != session.therapist_id:
            continue
        if episode.opened_on <= day and (episode.closed_on is None or day <= episode.closed_on):
            return story
    return None


def headline(row: EpisodeTransition) -> str:
    """The move in words, as the timeline shows it."""
    to = Phase(row.to_phase)
    if not row.from_phase:
        return f"Opened at {to.label.lower()}"
    origin = Phase(row.from_phase)
    move = row.move
    if move is Move.CLOSE:
        return f"Closed from {origin.label.lower()}: {row.get_ending_type_display().lower()}"
    if move is Move.BACK:
        return f"Moved back from {origin.label.lower()} to {to.label.lower()}"
    if move is Move.SKIP:
        skipped = [p.label.lower() for p in PHASES[origin.position + 1 : to.position]]
        return f"Moved from {origin.label.lower()} to {to.label.lower()}, skipping {_and(skipped)}"
    return f"Moved from {origin.label.lower()} to {to.label.lower()}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def own_open_relationship(*, client: Client, therapist) -> TherapyRelationship | None:
    """The therapist's own current relationship with the client: where a new episode opens."""
    return (
        TherapyRelationship.objects.for_practice(client.practice_id)
        .filter(client=client, therapist=therapist, ended_on__isnull=True)
        .first()
    )
