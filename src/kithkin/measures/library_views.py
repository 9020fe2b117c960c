"""The practice admin's page of licensed instruments: the definitions the practice loaded, a form
to load one from its file, and a button to retire one. No clinical content, so visits are not
audited; loading and retiring are."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kithkin.accounts.access import require_in_practice
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.core.instruments import shipped_instruments
from kithkin.measures import library
from kithkin.measures.forms import InstrumentLoadForm
from kithkin.measures.library import LibraryError
from kithkin.measures.models import PracticeInstrument
from kithkin.web.forms import form_status


@require_in_practice(Action.MANAGE_PRACTICE, audited=False)
def practice_instruments(request):
    posted = request.method == "POST"
    form = InstrumentLoadForm(request.POST, request.FILES) if posted else InstrumentLoadForm()
    if posted and form.is_valid():
        try:
            row = library.instrument_load(
                practice=request.user.practice,
                text=form.cleaned_data["definition"],
                licence=form.cleaned_data["licence"],
                by=request.user,
                ip=client_ip(request),
            )
        except LibraryError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, str(refused))
        else:
            messages.success(
                request,
                f"{row.title}, version {row.version}, is loaded: therapists can now enter it, "
                "send it as a link and start it on the office tablet.",
            )
            return redirect("practice_instruments")
    rows = (
        PracticeInstrument.objects.filter(practice_id=request.user.practice_id)
        .select_related("loaded_by", "retired_by")
        # The list needs no definition text, which may run to hundreds of kilobytes.
        .defer("definition")
    )
    context = {"rows": rows, "form": form, "shipped": shipped_instruments().values()}
    return render(request, "measures/practice_instruments.html", context, status=form_status(form))


@require_POST
@require_in_practice(Action.MANAGE_PRACTICE, audited=False)
def practice_instrument_retire(request, instrument_id: int):
    row = (
        PracticeInstrument.objects.filter(pk=instrument_id, practice_id=request.user.practice_id)
        .defer("definition")
        .first()
    )
    if row is None:
        raise Http404("No such instrument in this practice")
    try:
        library.instrument_retire(practice_instrument=row, by=request.user, ip=client_ip(request))
    except LibraryError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            f"{row.title}, version {row.version}, is retired: it takes no new responses. The "
            "responses already given keep their scores.",
        )
    return redirect("practice_instruments")
