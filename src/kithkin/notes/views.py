"""A session's notes: the progress note (autosaved while a draft, locked once signed, then
addenda) and the therapist's private psychotherapy note.

The note form autosaves with htmx a moment after typing stops, answering only a small "Saved
at 10:42" status; without script the "Save draft" button posts the same form to the same URL.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from kithkin.accounts.access import (
    actor_for,
    audit_access,
    client_for,
    psychotherapy_note_for,
    shows_controls,
)
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.core.notes import FIELDS, LABELS
from kithkin.notes import selectors, services
from kithkin.notes.forms import AddendumForm, ProgressNoteForm, PsychotherapyNoteForm
from kithkin.web.forms import form_status


def _session(client, session_id: int):
    session = selectors.session_of(client, session_id)
    if session is None:
        # A session of another client is not found, whatever the id says.
        raise Http404("No such session for this client")
    return session


def _hhmm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


@login_required
def progress_note(request, client_id: int, session_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    session = _session(client, session_id)
    return _page(request, client, session)


@login_required
@require_POST
def progress_note_autosave(request, client_id: int, session_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    session = _session(client, session_id)
    form = ProgressNoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, client, session, form, "Not saved: " + _first_error(form))
    try:
        note = services.progress_note_save(
            session=session, by=request.user, text=form.note_text(), ip=client_ip(request)
        )
    except services.NotTheAuthor as refused:
        raise PermissionDenied(str(refused)) from refused
    except services.NoteLocked as refused:
        return _refused(request, client, session, form, str(refused), locked=True)
    if note is None:
        status = "Nothing to save yet."
    elif note.is_signed:
        status = f"Signed at {_hhmm(note.signed_at)}."
    else:
        status = f"Draft saved at {_hhmm(note.updated_at)}."
    if request.htmx:
        return render(request, "notes/_saved.html", {"status": status})
    messages.success(request, status)
    return redirect("progress_note", client_id=client.pk, session_id=session.pk)


@login_required
@require_POST
def progress_note_sign(request, client_id: int, session_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    session = _session(client, session_id)
    form = ProgressNoteForm(request.POST)
    if form.is_valid():
        try:
            services.progress_note_sign(
                session=session, by=request.user, text=form.note_text(), ip=client_ip(request)
            )
        except services.NotTheAuthor as refused:
            raise PermissionDenied(str(refused)) from refused
        except services.NoteLocked as refused:
            return _refused(request, client, session, form, str(refused), locked=True)
        except services.NoteIncomplete as refused:
            for field, message in refused.refusals.items():
                form.add_error(field or None, message)
        else:
            messages.success(request, "The note is signed and locked. Later changes are addenda.")
            return redirect("progress_note", client_id=client.pk, session_id=session.pk)
    return _page(request, client, session, note_form=form, status=form_status(form))


@login_required
@require_POST
def progress_note_addendum(request, client_id: int, session_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    session = _session(client, session_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.addendum_add(
                session=session,
                by=request.user,
                text=form.cleaned_data["text"],
                idempotency_key=form.cleaned_data["key"],
                ip=client_ip(request),
            )
        except services.NoteError as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(request, "The addendum was added to the signed note.")
            return redirect("progress_note", client_id=client.pk, session_id=session.pk)
    return _page(request, client, session, addendum_form=form, status=form_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def psychotherapy_note(request, client_id: int, session_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    session = _session(client, session_id)
    writing = request.method == "POST"
    action = Action.CHANGE_PSYCHOTHERAPY_NOTE if writing else Action.VIEW_PSYCHOTHERAPY_NOTE
    note = psychotherapy_note_for(request, client=client, session=session, action=action)
    form = PsychotherapyNoteForm(
        request.POST if writing else None, initial={"text": note.text if note else ""}
    )
    if writing and form.is_valid():
        saved = services.psychotherapy_note_save(
            session=session, by=request.user, text=form.cleaned_data["text"], ip=client_ip(request)
        )
        messages.success(
            request, f"Your psychotherapy note was saved at {_hhmm(saved.updated_at)}."
        )
        return redirect("psychotherapy_note", client_id=client.pk, session_id=session.pk)
    context = {"client": client, "session": session, "note": note, "form": form}
    return render(request, "notes/psychotherapy_note.html", context, status=form_status(form))


def _first_error(form) -> str:
    return next(str(e) for errors in form.errors.values() for e in errors)


def _refused(request, client, session, form, reason: str, *, locked: bool = False):
    """A save the note could not take. The autosave status says why; the full page also keeps
    the text that was not saved, in the addendum form when the note was signed meanwhile."""
    if request.htmx:
        if locked:
            reason += " Reload the page to add one."
        return render(request, "notes/_saved.html", {"status": reason, "refused": True}, status=422)
    if not locked:
        return _page(request, client, session, note_form=form, status=422)
    messages.error(request, reason)
    note = selectors.note_of(session)
    unsaved = _unsaved_as_addendum(note, form.cleaned_data if form.is_bound else {})
    return _page(
        request,
        client,
        session,
        addendum_form=AddendumForm(initial={"text": unsaved}),
        status=422,
        note=note,
    )


def _unsaved_as_addendum(note, data) -> str:
    """The headings whose text differs from the signed note, so nothing typed is lost."""
    parts = []
    for name in FIELDS:
        typed = (data.get(name) or "").strip()
        if typed and typed != getattr(note, name):
            parts.append(f"{LABELS[name]}: {typed}")
    return "\n\n".join(parts)


def _page(request, client, session, *, note_form=None, addendum_form=None, status=200, note=False):
    if note is False:
        note = selectors.note_of(session)
    actor = actor_for(request.user)
    may_change = shows_controls(request, client)
    author_id = note.author_id if note else session.therapist_id
    if note is not None:
        audit_access(
            request,
            actor,
            "progress_note.view",
            "ProgressNote",
            note.pk,
            client.pk,
            True,
            "read with the client's record",
        )
    editing = may_change and request.user.pk == author_id and not (note and note.is_signed)
    if editing and note_form is None:
        note_form = ProgressNoteForm(initial={n: getattr(note, n) for n in FIELDS} if note else {})
    adding = may_change and note is not None and note.is_signed
    if adding and addendum_form is None:
        addendum_form = AddendumForm()
    for form, shown in ((note_form, editing), (addendum_form, adding)):
        if form is not None and not shown:
            # The form is not on the page (the note was signed meanwhile, or is still a
            # draft): say why up top.
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
    if note is not None and not note.is_signed:
        saved = f"Draft saved at {_hhmm(note.updated_at)}."
    else:
        saved = "Not saved yet."
    context = {
        "client": client,
        "session": session,
        "note": note,
        "headings": [(LABELS[n], getattr(note, n)) for n in FIELDS] if note else [],
        "note_form": note_form if editing else None,
        "addendum_form": addendum_form if adding else None,
        "saved": saved,
        # The would-be author sees the way to their own psychotherapy note whether or not they
        # have written one; nobody else is shown that such a thing could exist here.
        "psychotherapy_link": request.user.pk == session.therapist_id,
    }
    return render(request, "notes/progress_note.html", context, status=status)
