"""Login and logout: start the session clocks, and make a logout end every session."""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from kithkin.accounts.middleware import SEEN, STARTED
from kithkin.accounts.models import User
from kithkin.accounts.services import user_end_sessions, user_login_recorded
from kithkin.audit.request import client_ip


@receiver(user_logged_in)
def start_session_clocks(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[STARTED] = now
    request.session[SEEN] = now
    if user.practice_id:
        user_login_recorded(user=user, allowed=True, ip=client_ip(request))


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    # Recorded in the practice of the account that was tried, if there is one; axes keeps its
    # own count for the lockout.
    user = User.objects.filter(username=credentials.get("username", "")).first()
    if user is not None and user.practice_id:
        user_login_recorded(user=user, allowed=False, ip=client_ip(request) if request else None)


@receiver(user_logged_out)
def end_every_session(sender, request, user, **kwargs):
    # Logging out on one device logs out everywhere: a shared or lost device is the usual
    # reason to press the button.
    if user is not None:
        user_end_sessions(
            user=user, by=user, ip=client_ip(request) if request else None, reason="logout"
        )
