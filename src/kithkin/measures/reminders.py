"""The reminder after an attended session: a one-time link to the alliance check-in for that
session, emailed to the client if they have an address.

The email says no more than "a short check-in about your session": no name (the client's, a
partner's or the therapist's), no practice, no score. Whoever reads the client's inbox, or a
mail server on the way, learns nothing clinical from it.
"""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kithkin.clients.models import Restriction
from kithkin.measures import selectors
from kithkin.measures.models import OneTimeLink
from kithkin.measures.services import LINK_DAYS, _link_make
from kithkin.schedule.models import Session

SUBJECT = "A short check-in about your session"
BODY = """Hello,

Your therapist would like a short check-in about your session. It takes a few minutes, and
your honest answers help most:

{url}

The link works once, until {expires}. If you did not expect this email, you can ignore it.
"""


@transaction.atomic
def reminder_send(*, session_id: int) -> OneTimeLink | None:
    """Sends the session's reminder, once. Returns the link, or None when nothing is sent: the
    session is no longer attended, its reminder went already, or the client has no email.

    The mail goes out inside the transaction: if sending fails, the link is rolled back with it
    and the job may be tried again; only a commit failing after a sent mail could send twice.
    """
    # The session row is the lock two copies of the job take turns on; the unique reminder per
    # session is the backstop. Only that row, and "no key": a plain lock on the joined client
    # and practice rows held them against the commit-time foreign-key checks of every other
    # write in the practice, while this job waited for the audit's chain head those writes
    # held: a deadlock.
    session = (
        Session.objects.select_for_update(of=("self",), no_key=True)
        .select_related("client__practice", "therapist")
        .filter(pk=session_id)
        .first()
    )
    if session is None or session.status != Session.Status.ATTENDED:
        return None
    if OneTimeLink.objects.filter(session=session, purpose=OneTimeLink.Purpose.REMINDER).exists():
        return None
    client = session.client
    if not client.email:
        return None
    if Restriction.objects.active().filter(client_id=client.pk).exists():
        # The record is restricted at the client's request (GDPR Art. 18): nobody contacts them
        # in its name, and no answer would be added to it.
        return None
    link, token = _link_make(
        client=client,
        instrument_code=selectors.ALLIANCE,
        by=session.therapist,
        purpose=OneTimeLink.Purpose.REMINDER,
        lifetime=datetime.timedelta(days=LINK_DAYS),
        session=session,
        action="measures.reminder.send",
        reason=f"reminder after session {session.pk}, valid {LINK_DAYS} days",
        ip=None,
    )
    url = settings.KITHKIN_BASE_URL.rstrip("/") + reverse("measures_link", args=[token])
    expires = timezone.localtime(link.expires_at).strftime("%d %B %Y, %H:%M %Z")
    send_mail(SUBJECT, BODY.format(url=url, expires=expires), None, [client.email])
    return link
