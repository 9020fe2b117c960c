"""Session notes of the demo practice: Alexis's eight most recent attended sessions have signed
progress notes that follow her first weeks with alice (seed 000: her mother, Diane, her work),
one with an addendum, and alice keeps one psychotherapy note.

Written directly, as the rest of the demo is: the notes are dated in the past, which no
service would accept, and a demo load is not an event of the practice's audit trail. Nothing
here draws from the builder's random generator, so the rest of the demo stays as it was.
"""

import datetime

from django.utils import timezone

from kithkin.core.notes import NoteState, NoteText
from kithkin.notes.models import Addendum, ProgressNote, PsychotherapyNote
from kithkin.schedule.models import Session

# Oldest first. With fewer attended sessions the earliest notes are left out, so the newest
# note always sits on the newest session.
NOTES = [
    NoteText(
        focus="First meeting after her message. Tiredness, and a sense of carrying everyone "
        "at home.",
        interventions="Listened; asked what it was like to reach out after so long.",
        response="Spoke quickly at first and slowed down when her father came up.",
        plan="Begin the assessment next week. She will note moments in the week that felt "
        "heavy, if she wants to.",
        between_us="Careful and polite, watching whether I would judge her for needing help. "
        "Some ease by the end.",
    ),
    NoteText(
        focus="The people in her life: her mother, Diane, her father, work.",
        interventions="Began the spheres-of-influence map together.",
        response="Placed Diane close and her mother further away than she expected, and was "
        "surprised by both.",
        plan="Continue the assessment. Notice what she would like from Diane.",
        between_us="She asked whether she was doing it right. We wondered about the question "
        "together, and she laughed.",
    ),
    NoteText(
        focus="Her mother's low mood, and what has never been said between them.",
        interventions="Explored the family's way of not talking about hard things; some gentle "
        "information about depression in families.",
        response="Tearful, then relieved to say aloud that her mother also lives with depression.",
        plan="Put the formulation together next time. No task this week: rest.",
        between_us="A long silence that felt shared rather than awkward. She let me see her cry.",
    ),
    NoteText(
        focus="The formulation: caring for others' needs as her way of staying close.",
        interventions="Offered it as a starting point and asked what fits and what does not.",
        response="Corrected one part: \"It's not that I can't ask. I don't know what happens "
        'after."',
        plan="Write the plan together next session.",
        between_us="She corrected me, and it felt like a step: more a meeting than a report.",
    ),
    NoteText(
        focus="The plan. Three goals in her words: talk with her mother, share the home with "
        "Diane, say what she needs at work.",
        interventions="Wrote the plan together, with a target date for each goal.",
        response="Engaged and clear. She chose to begin with Diane.",
        plan="A first small ask of Diane, about the shopping.",
        between_us="She set the pace. I noticed my wish to hurry and held it.",
    ),
    NoteText(
        focus="Asking Diane to share the shopping.",
        interventions="Rehearsed the first sentence together, then swapped roles.",
        response="Laughed, tried it twice, and the second time found her own words.",
        plan="Try it before Sunday and notice what her body does afterwards.",
        between_us="She checked my face after each try. I named it, and she softened.",
    ),
    NoteText(
        focus="How the talk with Diane went: Diane agreed at once, and Alexis felt guilty "
        "afterwards.",
        interventions="Stayed with the guilt and where else she knows it from.",
        response="Recognised the same pull with her mother.",
        plan="Think about inviting her mother to a joint session, at her own pace.",
        between_us="More direct with me today. She disagreed once, and we stayed with it.",
    ),
    NoteText(
        focus="Communication at work: a meeting where she stayed quiet.",
        interventions="Mapped what she had wanted to say; practised one sentence for her "
        "supervisor.",
        response="Thoughtful. She will try it at the weekly check-in.",
        plan="Ask her mother about a joint session within the next two weeks if it feels "
        "right; bring the work sentence back next time.",
        between_us="Warm and steady. She said this is the one place she does not have to "
        "carry anything.",
    ),
]

# On the sixth note: a correction, kept beside the signed note rather than written into it.
ADDENDUM = (
    NOTES[5],
    "Correction: the sentence we rehearsed was about the shopping; the bills "
    "come next, once she feels ready. She wrote on Thursday that the first ask went "
    "better than she feared.",
)

# On the third note. Alice's own analysis, for her alone (HIPAA 164.501).
PSYCHOTHERAPY = (
    NOTES[2],
    "While she spoke about her mother's silences I felt a strong pull to soften her mother "
    "for her, to make it easier. Some of that is mine. Next time, notice whether I fill the "
    "silences she needs to stay in.",
)


def alexis_notes(practice, alexis, alice) -> None:
    now = timezone.now()
    attended = list(
        Session.objects.filter(
            client=alexis, therapist=alice, status=Session.Status.ATTENDED, starts_at__lt=now
        ).order_by("-starts_at")[: len(NOTES)]
    )
    attended.reverse()
    texts = NOTES[len(NOTES) - len(attended) :]
    notes = {}
    for text, session in zip(texts, attended, strict=True):
        ended = session.starts_at + datetime.timedelta(minutes=session.duration_minutes)
        signed_at = min(ended + datetime.timedelta(hours=2), now)
        notes[text] = ProgressNote(
            practice=practice,
            session=session,
            author=alice,
            state=NoteState.SIGNED,
            signed_by=alice,
            signed_at=signed_at,
            created_at=ended,
            updated_at=signed_at,
            **vars(text),
        )
    ProgressNote.objects.bulk_create(notes.values())
    text, words = ADDENDUM
    if text in notes:
        note = notes[text]
        Addendum.objects.create(
            practice=practice,
            note=note,
            author=alice,
            text=words,
            created_at=min(note.signed_at + datetime.timedelta(days=2), now),
            idempotency_key="demo-addendum-correction",
        )
    text, words = PSYCHOTHERAPY
    note = notes.get(text) or next(iter(notes.values()), None)
    if note is not None:
        PsychotherapyNote.objects.create(
            practice=practice,
            session=note.session,
            author=alice,
            text=words,
            created_at=note.signed_at,
            updated_at=note.signed_at,
        )
