"""The calendar feed: the page where a clinician makes, rotates and turns off their feed's secret
URL, and the feed itself, which a calendar app fetches without signing in
(docs/calendar-feed.md)."""

import math

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from kithkin.accounts.access import audit_access, in_practice, require_in_practice
from kithkin.audit.request import client_ip
from kithkin.clients.models import display_name, restricted
from kithkin.core.access import Action
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule import feed, services
from kithkin.schedule.models import CalendarFeed


def _codes(user) -> list[dict]:
    """The codes of the clinician's own clients beside their names, to read the feed by: one
    query, names only."""
    rows = (
        TherapyRelationship.objects.filter(
            practice_id=user.practice_id, therapist=user, ended_on__isnull=True
        )
        .filter(~restricted("client_id"))
        .order_by("client__family_name", "client__given_name", "client_id")
        .values_list(
            "client_id", "client__given_name", "client__family_name", "client__preferred_name"
        )
    )
    return [
        {
            "client_id": client_id,
            "code": feed.client_code(client_id),
            "name": display_name(given_name=given, family_name=family, preferred_name=preferred),
        }
        for client_id, given, family, preferred in rows
    ]


def _page(request, *, secret_url: str = "", status: int = 200):
    context = {
        "feed": CalendarFeed.objects.filter(user=request.user).first(),
        "secret_url": secret_url,
        "codes": _codes(request.user),
        "days_back": feed.DAYS_BACK,
        "days_ahead": feed.DAYS_AHEAD,
    }
    response = render(request, "schedule/calendar_feed.html", context, status=status)
    # The page may show the secret URL, which must not stay in a browser's or proxy's cache.
    add_never_cache_headers(response)
    return response


# The page names the clinician's clients beside their codes, so each visit is audited.
@require_in_practice(Action.VIEW_CASELOAD)
@require_GET
def calendar_feed(request):
    return _page(request)


@require_in_practice(Action.VIEW_CASELOAD)
@require_POST
def calendar_feed_rotate(request):
    # Shown once, on the answer to this POST; only its hash is stored.
    _, secret = services.calendar_feed_rotate(user=request.user, ip=client_ip(request))
    url = request.build_absolute_uri(reverse("calendar_feed_ics", args=[secret]))
    messages.success(request, "Your calendar feed has a new secret URL. Any earlier one is off.")
    return _page(request, secret_url=url)


@require_in_practice(Action.VIEW_CASELOAD, audited=False)
@require_POST
def calendar_feed_revoke(request):
    if services.calendar_feed_revoke(user=request.user, ip=client_ip(request)) is None:
        messages.info(request, "Your calendar feed was already off.")
    else:
        messages.success(request, "Your calendar feed is off: its URL no longer works.")
    return redirect("calendar_feed")


@require_GET
def calendar_feed_ics(request, token: str):
    """The feed. The secret in the URL is the only credential: calendar apps cannot sign in.
    Any URL that opens no live feed answers the same 404."""
    found = feed.feed_for_secret(token)
    if found is None:
        raise Http404("No such calendar feed")
    request.calendar_feed = found
    throttle = feed.FeedThrottle()
    if not throttle.allow_request(request):
        response = HttpResponse("Too many requests.", status=429, content_type="text/plain")
        wait = throttle.wait()
        if wait:
            response["Retry-After"] = str(math.ceil(wait))
        return response
    # The feed's owner is the actor, as a token's user is for the API, whoever else may be
    # signed in to this browser; the audit event says it came through the feed.
    signed_in = request.user
    request.user = found.user
    request.kithkin_channel = feed.CHANNEL
    try:
        actor = in_practice(request, Action.VIEW_CASELOAD, audited=False)
    except PermissionDenied:
        request.user = signed_in
        raise Http404("No such calendar feed") from None
    now = timezone.now()
    entries = feed.feed_entries(actor=actor, now=now)
    sessions = sum(entry.kind == "session" for entry in entries)
    # One event per fetch, naming the therapist: the clients are in the session rows.
    audit_access(
        request,
        actor,
        "calendar_feed.fetch",
        "CalendarFeed",
        found.pk,
        None,
        True,
        f"{sessions} sessions, {len(entries) - sessions} check-ins",
    )
    body = feed.feed_calendar(
        feed=found, entries=entries, base_url=request.build_absolute_uri("/")[:-1], now=now
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Disposition"] = 'inline; filename="kithkin.ics"'
    return response
