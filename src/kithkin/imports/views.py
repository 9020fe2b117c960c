"""The referral-in pages: importing a client from a previous provider's FHIR file, and reading
what was imported. Only a clinician imports (the client lands on their caseload); the imported
history is read like the rest of the record, through the one door (``client_for``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from kithkin.accounts.access import client_for, require_in_practice
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.imports import selectors, services
from kithkin.imports.forms import ImportForm
from kithkin.imports.reader import ImportRefused


@require_in_practice(Action.CREATE_CLIENT)
def client_import(request):
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            client = services.previous_record_import(
                by=request.user,
                bundle_text=form.cleaned_data["bundle"],
                phase=form.cleaned_data["phase"],
                ip=client_ip(request),
            )
        except ImportRefused as refused:
            problems = refused.problems
        else:
            messages.success(
                request,
                f"{client.display_name} was added to your caseload with the previous "
                "therapist's record.",
            )
            return redirect("client_detail", client_id=client.pk)
    refused = request.method == "POST" and (bool(form.errors) or bool(problems))
    return render(
        request,
        "imports/import.html",
        {"form": form, "problems": problems},
        status=422 if refused else 200,
    )


@login_required
def previous_record(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    records = selectors.previous_records_of(client)
    return render(request, "imports/previous_record.html", {"client": client, "records": records})
