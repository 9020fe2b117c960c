"""The public side: the inquiry form anyone may fill in, and its thank-you page. No login.

Nothing here reveals anything about the practice beyond its name: not its therapists, not its
clients, not whether a message was kept. A refused spam submission gets the same thank-you page
as a real one, so a bot learns nothing from the answer; a person who made a mistake gets the
form back with their words in it.

Order of the checks on a POST: the practice (404), the size of the body (413) before anything
reads it, the rate limits (429), then CSRF, the spam checks, whether this showing of the form
was already received, and the form.

Each showing of the form is received once (its token's nonce is kept on the inquiry): a double
click, a resubmitted POST or a replayed token gets the same thank-you page and saves nothing,
and says nothing of what was received the first time.
"""

import logging

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from kithkin.audit.request import client_ip
from kithkin.inquiries import selectors, services
from kithkin.inquiries.forms import InquiryForm, Verdict, form_token, token_digest, token_verdict
from kithkin.web.forms import form_status
from kithkin.web.limits import hit

log = logging.getLogger(__name__)

# The form's fields at their longest come to under 4 KB; 20 KB leaves room for encoding and
# refuses a body that can only be an attack or a mistake, before it is parsed.
MAX_BODY_BYTES = getattr(settings, "KITHKIN_INQUIRY_MAX_BODY", 20_000)
# Submissions per hour: from one address (a person sends one, perhaps two), and to one practice
# from everywhere (a flood from many addresses still cannot bury the queue).
PER_IP_PER_HOUR = getattr(settings, "KITHKIN_INQUIRY_RATE_PER_IP", 5)
PER_PRACTICE_PER_HOUR = getattr(settings, "KITHKIN_INQUIRY_RATE_PER_PRACTICE", 60)
WINDOW = 60 * 60

STALE_MESSAGE = (
    "This form was open for a long time, so it was not sent. Check what you wrote and send it "
    "again."
)
TOO_LARGE = "This message is too large to send. Please shorten it and try again."
TOO_MANY = "Too many messages have been sent from here in the last hour. Please try again later."


def _practice(slug: str):
    practice = selectors.practice_by_slug(slug)
    if practice is None:
        raise Http404("No such practice")
    return practice


@csrf_exempt  # CSRF is checked in _receive, after the size check: its parsing reads the body
def inquiry_new(request, practice_slug: str):
    practice = _practice(practice_slug)
    if request.method == "POST":
        if _too_large(request):
            return HttpResponse(TOO_LARGE, status=413, content_type="text/plain; charset=utf-8")
        if _rate_limited(request, practice):
            return HttpResponse(
                TOO_MANY,
                status=429,
                content_type="text/plain; charset=utf-8",
                headers={"Retry-After": str(WINDOW)},
            )
        return _receive(request, practice)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = InquiryForm(initial={"token": form_token(practice.pk)})
    return _page(request, practice, form)


def inquiry_thanks(request, practice_slug: str):
    practice = _practice(practice_slug)
    return render(request, "inquiries/thanks.html", {"practice": practice})


@csrf_protect
def _receive(request, practice):
    token = request.POST.get("token", "")
    verdict = token_verdict(token, practice_id=practice.pk)
    if request.POST.get("website") or verdict == Verdict.BOT:
        # Kept out of the audit trail (a flood of bots would fill a record meant for people's
        # data) and saved nowhere; the log line is for spotting an attack.
        log.info("inquiry refused as spam for practice %s from %s", practice.pk, client_ip(request))
        return redirect("inquiry_thanks", practice_slug=practice.slug)
    stale = verdict == Verdict.STALE
    digest = None if stale else token_digest(token)
    if digest is not None and selectors.received_from_form(practice=practice, digest=digest):
        # Sent again (a double click, the browser resending the POST): the first is in the
        # queue. Whatever this one holds, even if it no longer validates, the answer is the
        # same thank-you page, and nothing of the first comes back.
        log.info("inquiry form sent again for practice %s", practice.pk)
        return redirect("inquiry_thanks", practice_slug=practice.slug)
    data = request.POST.copy()
    if stale:
        data["token"] = form_token(practice.pk)
    form = InquiryForm(data)
    if form.is_valid() and not stale:
        try:
            services.inquiry_receive(
                practice=practice,
                data={k: form.cleaned_data[k] for k in services.INPUT_FIELDS},
                ip=client_ip(request),
                form_digest=digest,
            )
        except services.InquiryError as refused:
            form.add_error(refused.field, str(refused))
        else:
            return redirect("inquiry_thanks", practice_slug=practice.slug)
    if stale:
        form.add_error(None, STALE_MESSAGE)
    return _page(request, practice, form)


def _page(request, practice, form):
    return render(
        request,
        "inquiries/inquiry_new.html",
        {"practice": practice, "form": form},
        status=form_status(form),
    )


def _too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > MAX_BODY_BYTES


def _rate_limited(request, practice) -> bool:
    # Counted together by every worker process (kithkin.web.limits). A refused post still
    # counts, so a flood from one address stays refused while it goes on.
    by_ip = hit(f"inquiries:ip:{client_ip(request) or 'unknown'}", seconds=WINDOW)
    by_practice = hit(f"inquiries:practice:{practice.pk}", seconds=WINDOW)
    return not (
        by_ip.tally.allows(PER_IP_PER_HOUR) and by_practice.tally.allows(PER_PRACTICE_PER_HOUR)
    )
