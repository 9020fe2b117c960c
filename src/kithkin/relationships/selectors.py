"""Reads of the therapy relationship's journey. The timeline is six queries whatever the length
of the journey: relationships, episodes (with their ending reviews and lapses joined in),
transitions, sessions, referrals and the inquiry the client came from, joined in memory."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from kithkin.clients.models import Client
from kithkin.core.episodes import PHASES, Move, Phase, Stage, stage_of
from kithkin.core.referrals import REASON_LABELS, Kind, Reason
from kithkin.inquiries.models import RESPONSE_HOW, Inquiry
from kithkin.referrals.models import Referral
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
    """One line of an episode's story: a move between phases, a session, or something else
    the record holds about the episode (``headline``, with ``by`` and a day-only ``on`` when
    the record keeps only the day): the first contact, a lapse, the review, a referral."""

    at: datetime.datetime
    transition: EpisodeTransition | None = None
    session: SessionLine | None = None
    headline: str = ""
    by: str = ""
    on: datetime.date | None = None
    kind: str = "move"

    @property
    def html(self) -> str:
        """The line of the list, every text in it escaped here."""
        if self.session is not None:
            line = self.session
            return (
                f'<li class="event-session"><time datetime="{line.when_iso}">{line.when_text}'
                f"</time> Session: {escape(line.summary)}</li>"
            )
        if self.on is not None:
            when = f'<time datetime="{self.on.isoformat()}">{self.on.day} {self.on:%b %Y}</time>'
        else:
            local = timezone.localtime(self.at)
            when = f'<time datetime="{local.isoformat()}">{local.day} {local:%b %Y, %H:%M}</time>'
        move = self.transition
        if move is None:
            by = f", by {escape(self.by)}" if self.by else ""
            return (
                f'<li class="event-{self.kind}">{when} <strong>{escape(self.headline)}</strong>'
                f"{by}</li>"
            )
        reason = f"<blockquote>{linebreaksbr(move.reason)}</blockquote>" if move.reason else ""
        return (
            f'<li class="event-move">{when} <strong>{escape(self.headline)}</strong>, '
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
    # The episode's ending review, if one was started: who started it, and whether it is
    # signed (a draft is its author's until then; see core.access.may_read_review_draft).
    review_author_id: int | None = None
    review_signed: bool = False

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
    # The first contact when no episode followed it (yet): an inquiry matched by hand.
    before: list[Event] = field(default_factory=list)

    @property
    def before_html(self) -> str:
        return mark_safe("\n".join(event.html for event in self.before))  # noqa: S308 - escaped

    @property
    def outside_html(self) -> str:
        return mark_safe("\n".join(line.row_html for line in self.outside))  # noqa: S308 - escaped

    @property
    def open_episodes(self) -> list[EpisodeStory]:
        return [story for story in self.episodes if story.is_open]


def timeline(*, client: Client) -> Timeline:
    """The whole journey of a client: every therapist, every episode with its moves, and every
    session, earlier episodes included (seed 004: the journey is cyclical), with the rest of the
    cycle around them: the inquiry they came from, a lapse and its letter, the ending review
    signed and shared, and referrals out."""
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
    # The review and the lapse ride along as columns of a left join (each is one row per
    # episode at most), never their texts: those are clinical and stay encrypted in their rows.
    episodes = list(
        Episode.objects.for_practice(practice_id)
        .filter(relationship__client=client)
        .annotate(**EPISODE_EXTRAS)
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
        story = EpisodeStory(
            episode=episode,
            number=number,
            relationship=by_relationship[episode.relationship_id],
            phase=phase,
            stage=stage_of(phase),
            since=rows[-1].at if rows else None,
            marks=[PhaseMark(p, p in visited, p is phase) for p in PHASES],
            events=[Event(at=row.at, transition=row, headline=headline(row)) for row in rows],
            review_author_id=episode.review_author_id,
            review_signed=episode.review_signed_at is not None,
        )
        story.events.extend(_episode_events(episode))
        stories.append(story)
    by_episode = {story.episode.pk: story for story in stories}
    for episode_id, event in _referral_events(client):
        if episode_id in by_episode:
            by_episode[episode_id].events.append(event)
    before = []
    for day, events in _inquiry_events(client):
        story = _story_after(day, stories)
        if story is None:
            before.extend(events)
        else:
            story.events.extend(events)
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
        before=before,
    )


def person_name(first: str | None, last: str | None, username: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or (username or "")


EPISODE_EXTRAS = {
    "review_author_id": F("ending_review__drafted_by_id"),
    "review_signed_at": F("ending_review__signed_at"),
    "review_shared_at": F("ending_review__shared_at"),
    **{f"review_signer_{n}": F(f"ending_review__signed_by__{n}") for n in USER_FIELDS},
    **{f"review_sharer_{n}": F(f"ending_review__shared_by__{n}") for n in USER_FIELDS},
    "lapse_found_on": F("lapse__found_on"),
    "lapse_letter_sent_on": F("lapse__letter_sent_on"),
    "lapse_resolved_on": F("lapse__resolved_on"),
}


def _person(row, prefix: str) -> str:
    return person_name(
        *(getattr(row, f"{prefix}_{n}") for n in ("first_name", "last_name", "username"))
    )


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _episode_events(episode) -> list[Event]:
    """The review's signing and sharing, and a lapse with its outreach letter (seed 003: the
    ending that would otherwise be a voicemail), from the columns joined to the episode."""
    events = []
    if episode.review_signed_at:
        events.append(
            Event(
                at=episode.review_signed_at,
                headline="Ending review signed",
                by=_person(episode, "review_signer"),
                kind="review",
            )
        )
    if episode.review_shared_at:
        events.append(
            Event(
                at=episode.review_shared_at,
                headline="Ending review shared with the client's portal",
                by=_person(episode, "review_sharer"),
                kind="review",
            )
        )
    lapse_lines = (
        (episode.lapse_found_on, "Found lapsing: no session attended for a while, none booked"),
        (episode.lapse_letter_sent_on, "Outreach letter sent, inviting an ending session"),
        (episode.lapse_resolved_on, "No longer lapsing: a session was attended or booked"),
    )
    for day, text in lapse_lines:
        if day:
            events.append(Event(at=_day_start(day), headline=text, on=day, kind="lapse"))
    return events


REFERRAL_FIELDS = (
    "episode_id",
    "kind",
    "reason",
    "recipient_name",
    "recipient_organisation",
    "sent_at",
    "acknowledged_at",
    "declined_at",
    "first_session_at",
    *(f"to_therapist__{name}" for name in USER_FIELDS),
)


def _referral_events(client: Client) -> list[tuple[int, Event]]:
    """Each referral out of an episode, as it went: sent, acknowledged or declined, and the
    first session with the new therapist or provider. A declined referral's reason is clinical
    text and stays on the referral's own page."""
    found = []
    rows = (
        Referral.objects.for_practice(client.practice_id)
        .filter(client=client, episode__isnull=False)
        .order_by("created_at", "pk")
        .values_list(*REFERRAL_FIELDS)
    )
    for (
        episode_id,
        kind,
        reason,
        name,
        organisation,
        sent_at,
        acknowledged_at,
        declined_at,
        first_session_at,
        *therapist,
    ) in rows:
        internal = kind == Kind.INTERNAL
        to = person_name(therapist[1], therapist[2], therapist[0]) if internal else ""
        to = to or ", ".join(p for p in (name, organisation) if p)
        what = "Transfer" if internal else "Referral"
        why = REASON_LABELS[Reason(reason)].lower()
        lines = (
            (sent_at, f"{what} to {to} sent ({why})"),
            (acknowledged_at, f"{what} acknowledged: {to} will take the client"),
            (declined_at, f"{what} to {to} declined"),
            (first_session_at, f"First session with {to}"),
        )
        found.extend(
            (episode_id, Event(at=at, headline=text, kind="referral"))
            for at, text in lines
            if at is not None
        )
    return found


RESPONSE_TEXT = dict(RESPONSE_HOW)


def _inquiry_events(client: Client) -> list[tuple[datetime.date, list[Event]]]:
    """The inquiry the client came from (seed 004: the first contact is already part of the
    therapy): when they reached out and when the practice first answered. Never what they
    wrote: their concerns and the response note are clinical text, kept on the inquiry."""
    found = []
    rows = (
        Inquiry.objects.for_practice(client.practice_id)
        .filter(client=client)
        .order_by("received_at", "pk")
        .values_list(
            "received_at",
            "first_response_at",
            "response_how",
            *(f"responded_by__{name}" for name in USER_FIELDS),
        )
    )
    for received_at, responded_at, how, *responder in rows:
        events = [
            Event(
                at=received_at,
                headline="Reached out through the practice's inquiry form",
                kind="contact",
            )
        ]
        if responded_at is not None:
            events.append(
                Event(
                    at=responded_at,
                    headline=f"First response {RESPONSE_TEXT.get(how, '')}".strip(),
                    by=person_name(responder[1], responder[2], responder[0]),
                    kind="contact",
                )
            )
        found.append((timezone.localdate(received_at), events))
    return found


def _story_after(day: datetime.date, stories: list[EpisodeStory]) -> EpisodeStory | None:
    """The episode a first contact led to: the first to open on or after the day it came (the
    match opens it), else the latest that opened before."""
    later = [s for s in stories if s.episode.opened_on >= day]
    if later:
        return later[0]
    return stories[-1] if stories else None


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
