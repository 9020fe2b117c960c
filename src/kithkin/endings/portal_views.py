"""The client's ending reviews in the portal: only reviews the therapist signed and shared, and
only the signed-in client's own (the record comes from the account, never from the URL)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from kithkin.accounts.access import portal_client
from kithkin.core.access import Action
from kithkin.core.disclosure import Audience
from kithkin.endings import selectors


@login_required
def portal_reviews(request):
    client = portal_client(request, Action.VIEW_PORTAL)
    context = {"client": client, "reviews": selectors.shared_reviews(client)}
    return render(request, "endings/portal_reviews.html", context)


@login_required
def portal_review(request, review_id: int):
    client = portal_client(request, Action.VIEW_PORTAL)
    review = selectors.shared_review(client, review_id)
    if review is None:
        raise Http404("No such review")
    page = selectors.review_page(
        review.episode, review, today=timezone.localdate(), audience=Audience.OWN_PORTAL_OF_CLIENT
    )
    context = {"client": client, "record": review, "review": page.draft, "maps": page.maps}
    return render(request, "endings/portal_review.html", context)
