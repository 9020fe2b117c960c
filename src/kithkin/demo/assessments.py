"""Alexis's assessment in the demo practice: her concerns in her own words (seed 000), her
relationships at the five levels of seed 004 with resources as well as challenges, a low risk
with its note, and the formulation with its one code as a starting point.

Two versions, as the work went: the assessment written in her second week, then revised with the
formulation in her third. Written directly, as the rest of the demo is: the history is dated in
the past, which no service would accept, and a demo load is not an event of the audit trail.
Wholly synthetic; nothing here draws from the builder's random generator.
"""

import datetime

from django.utils import timezone

from kithkin.assessments.models import Assessment, AssessmentVersion
from kithkin.relationships.models import Episode

ASSESSMENT = {
    "presenting_concerns": (
        "I've been living with depression for a long time and I'm tired of carrying it on my "
        "own. My mom has depression too, and we have never once talked about it. I want to be "
        "able to. And I can't even ask my roommate Diane to take the trash out; I just do "
        "everything myself and then I resent her for it."
    ),
    "personal_resources": (
        "Thoughtful and articulate about her moods; keeps a journal; walks most evenings. Came "
        "to therapy on her own initiative."
    ),
    "personal_challenges": (
        "Low mood most days for about two years; a harsh inner critic; puts her own needs last."
    ),
    "familial_resources": (
        "A warm, steady bond with her father, who lives out of town and listens without "
        "judging. Her mother meets her for coffee most weeks."
    ),
    "familial_challenges": (
        "Her mother also lives with depression, and it has never been named between them. "
        "Alexis learned early to keep her needs quiet so as not to add to her mother's load."
    ),
    "social_resources": ("Counts Diane, her roommate, as a friend; two coworkers she trusts."),
    "social_challenges": (
        "Finds it hard to ask Diane for anything (cleaning, bills, shopping), does it all "
        "herself and then resents it. Communication at work is a daily strain; she stays quiet "
        "in meetings."
    ),
    "ecological_resources": "Steady job and housing; a park near home where she walks.",
    "ecological_challenges": (
        "Long hours; rent leaves little over; short winter days; a long way from her father."
    ),
    "spiritual_resources": "Values honesty and kindness; finds calm outdoors and in music.",
    "spiritual_challenges": "Says she has lost a sense of where her life is going.",
    "symptoms": (
        "Low mood most of the day, more days than not; wakes around 4 am; low energy; has "
        "stopped playing the guitar she loved; hard to concentrate at work. Appetite unchanged. "
        "About two years, worse over the last six months."
    ),
    "risk_to_self": (
        "Passive thoughts that it would be easier not to wake up, two years ago in the worst "
        "months; none since. No plan or intent, and no history of self-harm."
    ),
    "risk_to_others": "None disclosed.",
    "safeguarding": "No children or dependants; no concerns raised.",
    "risk_level": "low",
    "risk_note": (
        "Past passive thoughts, none now. Protective: her father, her work, her wish to repair "
        "things with her mother. She has the crisis line number and agreed to tell me if the "
        "thoughts come back."
    ),
}
FORMULATION = (
    "Alexis's depression makes sense within a family where hard things were carried in silence: "
    "her mother's depression was never named, and Alexis learned to protect others from her "
    "needs. The same pattern shows with Diane and at work, where not asking leaves her "
    "overloaded and resentful, which feeds the low mood. Her bond with her father, her insight "
    "and her wish to talk with her mother are real resources. The work: naming needs here, in "
    "our relationship, first; then with her mother (perhaps in a joint session), with Diane, "
    "and at work."
)
CODES = [["F32.1", "Major depressive disorder, single episode, moderate"]]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def alexis_assessment(practice, alexis, alice) -> Assessment:
    episode = Episode.objects.get(relationship__client=alexis, relationship__therapist=alice)
    first = _at(episode.opened_on + datetime.timedelta(weeks=2), 17)
    revised = _at(episode.opened_on + datetime.timedelta(weeks=3, days=1), 17)
    assessment = Assessment.objects.create(
        practice=practice,
        episode=episode,
        version=2,
        created_by=alice,
        created_at=first,
        updated_by=alice,
        updated_at=revised,
    )
    AssessmentVersion.objects.bulk_create(
        [
            AssessmentVersion(
                practice=practice, assessment=assessment, number=1, by=alice, at=first, **ASSESSMENT
            ),
            AssessmentVersion(
                practice=practice,
                assessment=assessment,
                number=2,
                by=alice,
                at=revised,
                formulation=FORMULATION,
                codes=CODES,
                **ASSESSMENT,
            ),
        ]
    )
    return assessment
