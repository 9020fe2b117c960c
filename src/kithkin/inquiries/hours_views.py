"""The practice admin's page of working hours: which days, from when to when, and in which
time zone the practice answers inquiries. No clinical content, so visits are not audited;
saving is (``working_hours.set``), and so is every refusal."""

from django.contrib import messages
from django.shortcuts import redirect, render

from kithkin.accounts.access import require_in_practice
from kithkin.audit.request import client_ip
from kithkin.core import hours as core_hours
from kithkin.core.access import Action
from kithkin.inquiries import selectors, services
from kithkin.inquiries.forms import WorkingHoursForm
from kithkin.practices.models import Practice
from kithkin.web.forms import form_status


@require_in_practice(Action.MANAGE_PRACTICE, audited=False)
def practice_hours(request):
    practice = Practice.objects.get(pk=request.user.practice_id)
    hours = selectors.hours_for(practice)
    if request.method == "POST":
        form = WorkingHoursForm(request.POST, current_zone=practice.time_zone)
        if form.is_valid():
            try:
                saved = services.working_hours_set(
                    practice=practice,
                    by=request.user,
                    weekdays=form.cleaned_data["weekdays"],
                    opens=form.cleaned_data["opens"],
                    closes=form.cleaned_data["closes"],
                    time_zone=form.cleaned_data["time_zone"],
                    ip=client_ip(request),
                )
            except services.InquiryError as refused:
                form.add_error(None, str(refused))
            else:
                if saved == hours:
                    messages.info(request, "Nothing changed: these are the practice's hours.")
                else:
                    messages.success(
                        request,
                        f"Saved. Waiting times now count {core_hours.summary(saved)} "
                        f"({saved.time_zone}). Inquiries already answered keep the time "
                        "they waited.",
                    )
                return redirect("practice_hours")
    else:
        form = WorkingHoursForm(
            initial={
                "weekdays": sorted(hours.weekdays),
                "opens": hours.opens,
                "closes": hours.closes,
                "time_zone": hours.time_zone,
            },
            current_zone=practice.time_zone,
        )
    context = {
        "practice": practice,
        "form": form,
        "summary": core_hours.summary(hours),
        "hours": hours,
    }
    return render(request, "inquiries/practice_hours.html", context, status=form_status(form))
