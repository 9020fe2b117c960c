"""The practice view: the feedback figures of the practice and of each therapist the reader may
see, summed over clients. No client is named, and a figure over fewer than five is withheld."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from kithkin.accounts.access import actor_for, require_in_practice
from kithkin.core.access import Action
from kithkin.core.practice_feedback import ALLIANCE_BANDS, SMALL
from kithkin.measures.summaries import practice_feedback as figures_for
from kithkin.web.dbrouter import replica_safe


@require_GET
@require_in_practice(Action.VIEW_PRACTICE_FEEDBACK)
@replica_safe
def practice_feedback(request):
    view = figures_for(actor_for(request.user), request.user.practice_id)
    return render(
        request,
        "measures/practice_feedback.html",
        {"view": view, "small": SMALL, "bands": ALLIANCE_BANDS},
    )
