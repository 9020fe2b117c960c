"""Sessions of the demo practice beyond the builder's weekly ones: Alexis's joint session with
her mother, planned once Alexis has talked to her (seed 000: "in a week or two, or whenever she
feels ready"), so it falls just after that window.

Written directly, as the rest of the demo is: a demo load is not an event of the practice's
audit trail. Nothing here draws from the builder's random generator, so the rest of the demo
stays as it was.
"""

import datetime

from django.utils import timezone

from kithkin.clients.models import Client
from kithkin.schedule.models import Session, SessionAttendee

JOINT_SESSION_IN_DAYS = 15
JOINT_SESSION_HOUR = 17


def alexis_joint_session(practice, alexis: Client, alice, today: datetime.date) -> Session:
    day = today + datetime.timedelta(days=JOINT_SESSION_IN_DAYS)
    session = Session.objects.create(
        practice=practice,
        client=alexis,
        therapist=alice,
        starts_at=timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(JOINT_SESSION_HOUR))
        ),
        # A joint session with a parent usually runs longer than the weekly hour.
        duration_minutes=80,
        modality=Session.Modality.IN_PERSON,
        kind=Session.Kind.JOINT,
    )
    SessionAttendee.objects.create(
        practice=practice,
        session=session,
        person=alexis.people.get(role="mother"),
        attendance=SessionAttendee.Attendance.PLANNED,
    )
    return session
