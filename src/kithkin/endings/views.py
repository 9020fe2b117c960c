"""The therapist's ending review pages: the draft re-made from the record with the written parts
in it, the form that saves those parts, signing, sharing with the client, and the client's PDF.
Access goes through the one door (``client_for``); an episode of another client is not found,
whatever the id says."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kithkin.accounts.access import actor_for, client_for, shows_controls
from kithkin.audit.request import client_ip
from kithkin.consent.views import pdf_response
from kithkin.core.access import Action, may_read_review_draft
from kithkin.core.disclosure import Audience
from kithkin.core.episodes import EndingType, Phase
from kithkin.endings import selectors, services
from kithkin.endings.forms import ReviewForm
from kithkin.endings.services import ReviewError
from kithkin.lapses.selectors import lapse_of
from kithkin.web.forms import form_status, show_refusal
from kithkin.web.pdf import render_pdf

REVIEW_PHASES = (Phase.ENDING, Phase.CLOSED)


def _episode(client, episode_id: int):
    episode = selectors.episode_of(client, episode_id)
    if episode is None:
        raise Http404("No such episode of this client")
    return episode


def _review(request, episode):
    review = _readable(request, episode, selectors.review_of(episode))
    if review is None:
        raise Http404("This episode has no ending review yet")
    return review


def _readable(request, episode, review):
    """An unsigned review stays with its author: a colleague who took the client on later (or
    anyone else but its therapist, author and their supervisor) finds none until it is signed."""
    if review is None or review.is_signed:
        return review
    therapist_id = episode.relationship.therapist_id
    actor = actor_for(request.user)
    if not may_read_review_draft(actor, therapist_id=therapist_id, author_id=review.drafted_by_id):
        raise Http404("No such ending review")
    return review


@login_required
def ending_review(request, client_id: int, episode_id: int):
    if request.method == "POST":
        return _save(request, client_id, episode_id)
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    episode = _episode(client, episode_id)
    review = _readable(request, episode, selectors.review_of(episode))
    return _page(request, client, episode, review)


def _save(request, client_id: int, episode_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    episode = _episode(client, episode_id)
    review = _review(request, episode)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_save(
                review=review, by=request.user, texts=form.texts(), ip=client_ip(request)
            )
        except ReviewError as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, "The review is saved.")
            return redirect("ending_review", client.pk, episode.pk)
    return _page(request, client, episode, review, form=form, status=form_status(form))


def _page(request, client, episode, review, *, form=None, error="", status=200):
    may_change = shows_controls(request, client)
    in_ending = episode.phase in REVIEW_PHASES
    page = None
    if in_ending or review is not None:
        page = selectors.review_page(episode, review, today=timezone.localdate())
    if may_change and review is not None and not review.is_signed and form is None:
        form = ReviewForm.of(review)
    context = {
        "client": client,
        "episode": episode,
        "record": review,
        "review": page.draft if page else None,
        "maps": page.maps if page else (),
        # An episode closed as lapsed has the short review written at the close (seed 003: a
        # look back even without the client); it belongs beside this one.
        "lapse": lapse_of(episode) if episode.ending_type == EndingType.LAPSED else None,
        "in_ending": in_ending,
        "may_change": may_change,
        "form": form if may_change else None,
        "error": error,
    }
    return render(request, "endings/review.html", context, status=status)


def _act(request, client_id: int, episode_id: int, act, done: str):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    episode = _episode(client, episode_id)
    try:
        act(episode)
    except ReviewError as refused:
        review = selectors.review_of(episode)
        return _page(request, client, episode, review, error=str(refused), status=422)
    messages.success(request, done)
    return redirect("ending_review", client.pk, episode.pk)


@login_required
@require_POST
def ending_review_start(request, client_id: int, episode_id: int):
    def start(episode):
        services.review_start(
            episode=episode,
            by=request.user,
            come_back=episode.practice.name,
            ip=client_ip(request),
        )

    return _act(
        request, client_id, episode_id, start, "The review is started: write it with the client."
    )


@login_required
@require_POST
def ending_review_sign(request, client_id: int, episode_id: int):
    def sign(episode):
        services.review_sign(
            review=_review(request, episode), by=request.user, ip=client_ip(request)
        )

    return _act(request, client_id, episode_id, sign, "The review is signed.")


@login_required
@require_POST
def ending_review_share(request, client_id: int, episode_id: int):
    def share(episode):
        services.review_share(
            review=_review(request, episode), by=request.user, ip=client_ip(request)
        )

    return _act(
        request, client_id, episode_id, share, "The review is shared with the client's portal."
    )


@login_required
def ending_review_pdf(request, client_id: int, episode_id: int):
    """The client's copy. Only a signed review is printed: a copy in the client's hands is a
    review shared. Printed, it travels (it can lie on a table a roommate walks past; seed 000:
    Diane must not even know she may be a topic), so it is built as a letter, withholding
    everyone the guard withholds from what leaves. The portal page is the client's own."""
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    episode = _episode(client, episode_id)
    review = _review(request, episode)
    if not review.is_signed:
        raise Http404("Only a signed review is printed")
    page = selectors.review_page(
        episode, review, today=timezone.localdate(), audience=Audience.LETTER
    )
    context = {
        "client": client,
        "episode": episode,
        "record": review,
        "review": page.draft,
        "maps": page.maps,
    }
    data = render_pdf("endings/review_pdf.html", context)
    return pdf_response(data, f"ending-review-{review.pk}.pdf")
