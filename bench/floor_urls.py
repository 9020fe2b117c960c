"""bench/floor.py's rungs, served beside every Kithkin URL: each adds one part of what every
page and API read of Kithkin does, so what is left of a request's cost can be measured."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path

from kithkin.accounts.access import client_for
from kithkin.core.access import Action


@login_required
def signed_in(request):
    """The session, the user and the middleware a signed-in page passes through."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def audited_read(request, client_id: int):
    """That, and the access check on one client with its audit event, as every page reads."""
    client_for(request, client_id, Action.VIEW_CLIENT)
    return HttpResponse("ok", content_type="text/plain")


@login_required
def empty_page(request, client_id: int):
    """That, and the page frame (base.html: the navigation, the links) with nothing in it."""
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    return render(request, "base.html", {"client": client})


urlpatterns = [
    path("floor/signed-in", signed_in),
    path("floor/audited-read/<int:client_id>", audited_read),
    path("floor/empty-page/<int:client_id>", empty_page),
    path("", include("kithkin.urls")),
]
