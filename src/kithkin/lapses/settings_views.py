"""The practice admin's page of lapse thresholds: how long without an attended session before a
relationship is on the lapse worklist, and how much longer before it may close as lapsed. No
clinical content, so visits are not audited; saving is (``lapse_settings.set``), and so is every
refusal."""

from django.contrib import messages
from django.shortcuts import redirect, render

from kithkin.accounts.access import require_in_practice
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.lapses import selectors
from kithkin.lapses.forms import LapseSettingsForm
from kithkin.lapses.settings_services import LapseSettingsError, lapse_settings_set
from kithkin.web.forms import form_status, show_refusal


@require_in_practice(Action.MANAGE_PRACTICE, audited=False)
def practice_lapse_settings(request):
    practice_id = request.user.practice_id
    rule = selectors.rules_for([practice_id])[practice_id]
    if request.method == "POST":
        form = LapseSettingsForm(request.POST)
        if form.is_valid():
            try:
                saved = lapse_settings_set(
                    practice=request.user.practice,
                    by=request.user,
                    quiet_days=form.cleaned_data["quiet_days"],
                    close_after_days=form.cleaned_data["close_after_days"],
                    ip=client_ip(request),
                )
            except LapseSettingsError as refused:
                show_refusal(form, refused)
            else:
                if saved == rule:
                    messages.info(request, "Nothing changed: these are the practice's numbers.")
                else:
                    messages.success(
                        request,
                        f"Saved. From the next nightly scan, a relationship is lapsing after "
                        f"{saved.quiet_days} days without an attended session, and may close "
                        f"as lapsed {saved.close_after_days} days after it is found.",
                    )
                return redirect("practice_lapse_settings")
    else:
        form = LapseSettingsForm(
            initial={"quiet_days": rule.quiet_days, "close_after_days": rule.close_after_days}
        )
    context = {"form": form, "rule": rule}
    return render(request, "lapses/practice_settings.html", context, status=form_status(form))
