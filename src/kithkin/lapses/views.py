"""The lapse pages: the clinician's worklist of relationships gone quiet, and one client's page
with the invitation letter, the record that it was sent, and the closing as lapsed. Plain POST
and redirect. Access goes through ``client_for``: the treating therapist writes; a supervisor
reads; anyone else does not learn the client exists."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from kithkin.accounts.access import actor_for, client_for, require_in_practice, shows_controls
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.core.lapses import quiet_since, why_not_close
from kithkin.lapses import selectors, services
from kithkin.lapses.forms import CloseForm, LetterSentForm
from kithkin.web.forms import form_status
from kithkin.web.pdf import render_pdf


@require_in_practice(Action.VIEW_CASELOAD)
def lapses(request):
    actor = actor_for(request.user)
    rule = selectors.rules_for([actor.practice_id])[actor.practice_id]
    rows = selectors.worklist(actor=actor, rule=rule)
    return render(request, "lapses/lapses.html", {"rows": rows, "rule": rule})


def _episode(client, user):
    episode = selectors.episode_for(client, user)
    if episode is None:
        raise Http404("This client has no open episode")
    return episode


def letter_context(client, episode) -> dict:
    """What the invitation names: the client as they wish to be addressed, the therapist, the
    practice."""
    therapist = episode.relationship.therapist
    return {
        "client_name": client.preferred_name or client.given_name,
        "therapist_name": therapist.get_full_name() or therapist.username,
        "practice_name": client.practice.name,
    }


def letter_text(client, episode) -> str:
    return render_to_string("lapses/letter.txt", letter_context(client, episode)).strip()


@login_required
def client_lapse(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    return _page(request, client, _episode(client, request.user))


def _page(request, client, episode, *, letter_form=None, close_form=None):
    today = timezone.localdate()
    lapse = selectors.lapse_of(episode)
    facts = selectors.quiet_facts([episode], today=today)[episode.pk]
    rule = selectors.rules_for([episode.practice_id])[episode.practice_id]
    found_on = lapse.found_on if lapse is not None and lapse.is_open else None
    why_not = why_not_close(facts, found_on=found_on, today=today, rule=rule)
    may_change = shows_controls(request, client)
    on_worklist = lapse is not None and lapse.is_open
    if may_change and on_worklist:
        letter_form = letter_form or LetterSentForm(initial={"sent_on": today})
    if may_change and (not why_not or close_form is not None):
        close_form = close_form or CloseForm()
    context = {
        "client": client,
        "episode": episode,
        "lapse": lapse,
        "on_worklist": on_worklist,
        "quiet_since": quiet_since(facts),
        "days_quiet": (today - quiet_since(facts)).days,
        "facts": facts,
        "rule": rule,
        "why_not": why_not,
        "letter": letter_text(client, episode),
        "letter_form": letter_form if may_change else None,
        "close_form": close_form if may_change else None,
    }
    bound = [f for f in (letter_form, close_form) if f is not None and f.is_bound]
    status = max((form_status(f) for f in bound), default=200)
    return render(request, "lapses/client_lapse.html", context, status=status)


@login_required
def client_lapse_letter(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    episode = _episode(client, request.user)
    context = {**letter_context(client, episode), "today": timezone.localdate()}
    context["paragraphs"] = letter_text(client, episode).split("\n\n")
    data = render_pdf("lapses/letter_pdf.html", context)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="invitation-{client.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def client_lapse_letter_sent(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    episode = _episode(client, request.user)
    form = LetterSentForm(request.POST)
    if form.is_valid():
        try:
            services.lapse_letter_record(
                episode=episode,
                by=request.user,
                sent_on=form.cleaned_data["sent_on"],
                note=form.cleaned_data["note"],
                ip=client_ip(request),
            )
        except services.LapseError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Recorded. The door is open; now the client decides.")
            return redirect("client_lapse", client_id=client.pk)
    return _page(request, client, episode, letter_form=form)


@login_required
@require_POST
def client_lapse_close(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    episode = _episode(client, request.user)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.lapse_close(
                episode=episode,
                by=request.user,
                short_review=form.cleaned_data["short_review"],
                ip=client_ip(request),
            )
        except services.LapseError as refused:
            for reason in refused.reasons:
                form.add_error(None, reason)
        else:
            messages.success(request, "Closed as lapsed, with its review.")
            return redirect("client_timeline", client_id=client.pk)
    return _page(request, client, episode, close_form=form)
