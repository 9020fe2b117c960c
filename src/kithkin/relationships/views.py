"""The client's timeline: the whole journey across therapists and episodes, and the forms that
open an episode and move it between phases. Plain POST and redirect; no script needed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kithkin.accounts.access import actor_for, client_for, shows_controls
from kithkin.audit.request import client_ip
from kithkin.core.access import Action, may_read_review_draft
from kithkin.core.episodes import EndingType, Phase, TransitionRefused
from kithkin.relationships import returns, selectors, services
from kithkin.relationships.forms import OpenEpisodeForm, TransitionForm
from kithkin.relationships.models import Episode
from kithkin.web.forms import form_status


@login_required
def client_timeline(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    return _page(request, client)


@login_required
@require_POST
def episode_open(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    relationship = selectors.own_open_relationship(client=client, therapist=request.user)
    if relationship is None:
        # An episode belongs to a therapist's own relationship with the client.
        raise PermissionDenied("Only a therapist of this client opens an episode with them")
    choices = returns.return_choices(client=client, me=request.user)
    form = OpenEpisodeForm(request.POST, choices=choices)
    if form.is_valid():
        try:
            episode = services.episode_return(
                relationship=relationship,
                therapist=form.chosen,
                by=request.user,
                on=form.cleaned_data["opened_on"],
                ip=client_ip(request),
            )
        except services.EpisodeError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, str(refused))
        else:
            if episode.relationship_id == relationship.pk:
                messages.success(request, "A new episode is open, at reaching out.")
                return redirect(reverse("client_timeline", args=[client.pk]) + "#now")
            # The client is now the colleague's, and the record is no longer this user's to
            # read: the timeline would answer 404.
            messages.success(
                request,
                f"{client.display_name}'s new episode is open with {form.chosen.display_name}, "
                "at reaching out. Your relationship with the client has ended.",
            )
            return redirect("caseload")
    return _page(request, client, open_form=form, status=form_status(form))


@login_required
@require_POST
def episode_transition(request, client_id: int, episode_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    # An episode of another client is not found, whatever the id says.
    episode = Episode.objects.filter(pk=episode_id, relationship__client=client).first()
    if episode is None:
        raise Http404("No such episode for this client")
    form = TransitionForm(request.POST, prefix=f"e{episode.pk}", phase=episode.phase)
    if form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.episode_transition(
                episode=episode,
                by=request.user,
                to=data["to_phase"],
                reason=data["reason"],
                ending_type=data["ending_type"] or None,
                expected_phase=data["from_phase"],
                ip=client_ip(request),
            )
        except TransitionRefused as refused:
            form.add_error(refused.missing, str(refused))
        except services.EpisodeError as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(request, _moved_message(moved))
            return redirect(reverse("client_timeline", args=[client.pk]) + "#now")
    return _page(request, client, transition_forms={episode.pk: form}, status=form_status(form))


def _page(request, client, *, open_form=None, transition_forms=None, status=200):
    timeline = selectors.timeline(client=client)
    may_change = shows_controls(request, client)
    transition_forms = transition_forms or {}
    showing = {story.episode.pk for story in timeline.open_episodes}
    for pk, form in transition_forms.items():
        if pk not in showing:
            # The episode closed meanwhile, so its form is not on the page: say why up top.
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
    current = [
        {
            "story": story,
            "form": (
                transition_forms.get(story.episode.pk)
                or TransitionForm(prefix=f"e{story.episode.pk}", phase=story.phase)
            )
            if may_change
            else None,
        }
        for story in timeline.open_episodes
    ]
    own = next(
        (
            r
            for r in timeline.relationships
            if r.therapist_id == request.user.pk and r.ended_on is None
        ),
        None,
    )
    can_open = (
        may_change
        and own is not None
        and not any(s.relationship.pk == own.pk for s in timeline.open_episodes)
    )
    actor = actor_for(request.user)
    reviews = {
        story.episode.pk
        for story in timeline.episodes
        if story.phase in (Phase.ENDING, Phase.CLOSED)
        and (
            story.review_author_id is None
            or story.review_signed
            or may_read_review_draft(
                actor,
                therapist_id=story.relationship.therapist_id,
                author_id=story.review_author_id,
            )
        )
    }
    context = {
        "client": client,
        "timeline": timeline,
        "current": current,
        "review_links": reviews,
        "open_form": (
            open_form
            or OpenEpisodeForm(choices=returns.return_choices(client=client, me=request.user))
        )
        if can_open or open_form
        else None,
    }
    return render(request, "relationships/timeline.html", context, status=status)


def _moved_message(episode) -> str:
    if episode.phase == Phase.CLOSED:
        ending = EndingType(episode.ending_type).label.lower()
        return f"The episode is closed ({ending})."
    return f"The episode moved to {Phase(episode.phase).label.lower()}."
