"""The practice admin's settings page: what the practice has set, each with a link to change
it. It reads no clinical content, so visits are not audited (refusals are)."""

from django.shortcuts import render

from kithkin.accounts.access import require_in_practice
from kithkin.core import hours as core_hours
from kithkin.core.access import Action
from kithkin.inquiries.selectors import hours_for
from kithkin.lapses.selectors import rules_for
from kithkin.practices.models import Practice


@require_in_practice(Action.MANAGE_PRACTICE, audited=False)
def practice_settings(request):
    practice = Practice.objects.get(pk=request.user.practice_id)
    hours = hours_for(practice)
    context = {
        "practice": practice,
        "hours": hours,
        "hours_summary": core_hours.summary(hours),
        "rule": rules_for([practice.pk])[practice.pk],
    }
    return render(request, "practices/settings.html", context)
