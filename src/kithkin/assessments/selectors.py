"""Reads for the assessment page. At most three queries whatever the client's history: the
episodes with their assessments, the version shown, and the list of versions (who and when)."""

from dataclasses import dataclass, field

from kithkin.assessments.models import Assessment, AssessmentVersion
from kithkin.clients.models import Client
from kithkin.relationships.models import Episode

# Names are all the page shows of a user; password hashes and the rest stay in the table.
USER_FIELDS = ("username", "first_name", "last_name")


@dataclass
class EpisodeEntry:
    episode: Episode
    number: int  # its place in the client's whole journey, as the timeline counts
    assessment: Assessment | None

    @property
    def therapist(self):
        return self.episode.relationship.therapist


@dataclass
class AssessmentPage:
    episodes: list[EpisodeEntry]
    shown: EpisodeEntry | None  # the episode whose assessment the page is about
    own: EpisodeEntry | None  # the requesting therapist's open episode, where they write
    version: AssessmentVersion | None = None  # the version shown; the current one by default
    history: list[AssessmentVersion] = field(default_factory=list)  # number, by and at only

    @property
    def is_current(self) -> bool:
        return self.version is None or self.version.number == self.shown.assessment.version

    @property
    def current_version(self) -> AssessmentVersion | None:
        """The current version, when it is the one shown (the form starts from it)."""
        return self.version if self.version is not None and self.is_current else None


def assessment_page(
    *, client: Client, user, episode_id: int | None = None, version: int | None = None
) -> AssessmentPage:
    """The episodes of the client's journey and the assessment to show: the one of the episode
    asked for, else the user's own open episode, else the latest open one, else the latest."""
    rows = list(
        Episode.objects.for_practice(client.practice_id)
        .filter(relationship__client=client)
        .select_related("relationship__therapist", "assessment")
        .only(
            "phase",
            "opened_on",
            "closed_on",
            "ending_type",
            "relationship__ended_on",
            "relationship__therapist_id",
            *(f"relationship__therapist__{name}" for name in USER_FIELDS),
            "assessment__version",
            "assessment__created_at",
            "assessment__created_by_id",
            "assessment__updated_at",
            "assessment__updated_by_id",
            "assessment__episode_id",
        )
        .order_by("opened_on", "pk")
    )
    episodes = [
        EpisodeEntry(episode=e, number=n, assessment=getattr(e, "assessment", None))
        for n, e in enumerate(rows, start=1)
    ]
    own = next(
        (
            entry
            for entry in reversed(episodes)
            if entry.episode.is_open
            and entry.episode.relationship.therapist_id == user.pk
            and entry.episode.relationship.ended_on is None
        ),
        None,
    )
    asked = next((e for e in episodes if e.episode.pk == episode_id), None)
    latest_open = next((e for e in reversed(episodes) if e.episode.is_open), None)
    shown = asked or own or latest_open or (episodes[-1] if episodes else None)
    page = AssessmentPage(episodes=episodes, shown=shown, own=own)
    if shown is None or shown.assessment is None:
        return page
    assessment = shown.assessment
    page.version = (
        AssessmentVersion.objects.for_practice(client.practice_id)
        .filter(assessment=assessment, number=version or assessment.version)
        .select_related("by")
        .first()
    )
    if page.version is None:  # an old link to a version that does not exist: show the current
        page.version = (
            AssessmentVersion.objects.for_practice(client.practice_id)
            .filter(assessment=assessment, number=assessment.version)
            .select_related("by")
            .get()
        )
    page.history = list(
        AssessmentVersion.objects.for_practice(client.practice_id)
        .filter(assessment=assessment)
        .select_related("by")
        .only("number", "at", "assessment_id", *(f"by__{name}" for name in USER_FIELDS))
        .order_by("-number")
    )
    return page
