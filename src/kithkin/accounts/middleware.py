"""Session limits and two-factor enforcement, applied to every request."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

STARTED = "kithkin_started"
SEEN = "kithkin_seen"
# Writing the session on every request would turn each page view into a database write; a
# minute's resolution is plenty for a 30-minute idle limit.
SEEN_RESOLUTION = 60
# Paths served by bearer token (or, for the FHIR CapabilityStatement, to anyone), not by the
# session: a half-finished two-factor sign-in or an idle session must not redirect them.
API_PATHS = ("/api/", "/fhir/")


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The API never reads the session (kithkin.api.auth), so its calls neither end nor
        # prolong a browser's session.
        if not request.path.startswith(API_PATHS) and request.user.is_authenticated:
            now = time.time()
            started = request.session.get(STARTED, now)
            seen = request.session.get(SEEN, now)
            if now - seen > settings.KITHKIN_SESSION_IDLE_SECONDS or (
                now - started > settings.SESSION_COOKIE_AGE
            ):
                return _ended(request, "Your session ended after a period without activity.")
            request.session.setdefault(STARTED, now)
            if now - seen >= SEEN_RESOLUTION or SEEN not in request.session:
                request.session[SEEN] = now
        return self.get_response(request)


# The API authenticates by bearer token alone and never reads the session, so a browser's
# half-finished sign-in must not redirect it (kithkin.api.auth).
OPEN_PATHS = ("/2fa/", "/logout/", "/static/", "/healthz", *API_PATHS)


class TwoFactorMiddleware:
    """Staff who must use two factors reach nothing but the enrolment and verification pages
    until they have proved the second factor in this session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The path first: asking whether the user is signed in reads the session and the user,
        # two queries an API call (which authenticates by its token) has no use for.
        if not request.path.startswith(OPEN_PATHS) and request.user.is_authenticated:
            from kithkin.accounts.two_factor import needs_second_factor

            target = needs_second_factor(request.user, request.session)
            if target:
                return redirect(f"{target}?next={request.path}")
        return self.get_response(request)


def _ended(request, message: str):
    # Only this session ends: flush, not logout, whose signal would end the user's other
    # sessions too (that is for an explicit logout).
    request.session.flush()
    request.user = AnonymousUser()
    login_url = reverse("login")
    if request.headers.get("HX-Request"):
        # htmx swaps responses into the page; tell it to load the login page instead.
        return HttpResponse(status=204, headers={"HX-Redirect": login_url})
    messages.info(request, message)
    return redirect(f"{login_url}?next={request.path}")
