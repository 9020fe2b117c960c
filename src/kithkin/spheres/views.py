"""Sphere maps in session: the bullseye drawn on the server, edited with htmx. Beside the
therapist's map stands the client's latest finished map from home, read-only: it is the
client's own writing."""

from functools import lru_cache
from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from kithkin.accounts.access import client_for
from kithkin.audit.request import client_ip
from kithkin.clients.models import Person
from kithkin.core.access import Action
from kithkin.core.bullseye import draw
from kithkin.core.bullseye_text import text_alternative
from kithkin.core.spheres import SphereError, incongruence, movement
from kithkin.spheres import selectors, services
from kithkin.spheres.forms import EntryForm
from kithkin.spheres.models import SphereMap


@login_required
def maps(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    context = {"client": client, "maps": selectors.maps_of(client), "home": _home(client)}
    return render(request, "spheres/maps.html", context)


@login_required
@require_POST
def map_new(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    sphere_map = services.map_create(
        client=client, by=request.user, made_by="therapist", ip=client_ip(request)
    )
    return redirect("sphere_map", client_id=client.pk, map_id=sphere_map.pk)


@login_required
def sphere_map(request, client_id: int, map_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    the_map = _map(client, map_id)
    if the_map.made_by == SphereMap.MadeBy.CLIENT:
        context = {**_panel(client, the_map), "by_client": _client_name(client)}
        return render(request, "spheres/map.html", context)
    # Ids and names are all the editor shows: the whole rows would decrypt every person's notes.
    people = tuple(Person.objects.filter(client=client).order_by("name").values_list("pk", "name"))
    context = {
        **_panel(client, the_map),
        "form": _blank_form_html(people),
        "people": people,
        "home": _home(client),
    }
    return render(request, "spheres/map.html", context)


@login_required
@require_POST
def entry_save(request, client_id: int, map_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    the_map = _map(client, map_id)
    if the_map.made_by == SphereMap.MadeBy.CLIENT:
        raise PermissionDenied("This map is the client's own, made at home; only they change it.")
    people = list(Person.objects.filter(client=client).order_by("name"))
    form = EntryForm(request.POST, people=people)
    status = 200
    if form.is_valid():
        try:
            services.entry_save(
                sphere_map=the_map,
                person_id=form.cleaned_data["person"],
                by=request.user,
                ring=form.cleaned_data["ring"],
                types=form.cleaned_data["types"],
                ratings=form.ratings(),
                note=form.cleaned_data["note"],
                ip=client_ip(request),
            )
            form = _blank_form(people)
        except SphereError as problem:
            form.add_error(problem.field if problem.field in form.fields else None, str(problem))
            status = 422
    else:
        status = 422
    if not request.htmx and status == 200:
        return redirect("sphere_map", client_id=client.pk, map_id=the_map.pk)
    if request.htmx:
        context = {**_panel(client, the_map), "form": form, "people": people}
        return render(request, "spheres/_editor.html", context, status=status)
    context = {**_panel(client, the_map), "form": form, "people": people, "home": _home(client)}
    return render(request, "spheres/map.html", context, status=status)


@login_required
def compare(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    try:
        before = _map(client, int(request.GET.get("before", "")))
        after = _map(client, int(request.GET.get("after", "")))
    except ValueError:
        raise Http404("Choose two maps to compare") from None
    earlier, later = selectors.entries_of(before), selectors.entries_of(after)
    previous = {e.person_id: e.ring for e in earlier}
    context = {
        "client": client,
        "before": before,
        "after": after,
        "svg": mark_safe(draw(later, title=f"{client.display_name}: changes", previous=previous)),  # noqa: S308 - built by core.bullseye, which escapes every text
        "movement": movement(earlier, later),
        "text": text_alternative(later, previous=previous),
    }
    return render(request, "spheres/compare.html", context)


def _blank_form(people) -> str:
    return _blank_form_html(tuple((person.pk, person.name) for person in people))


@lru_cache(maxsize=512)
def _blank_form_html(people: tuple[tuple[int, str], ...]) -> str:
    """The empty editor, rendered once per list of people in each process.

    Its 18 fields and about 100 options are the same on every view of a client's maps until
    someone is added or renamed, and rendering them cost about 3 ms a page. Only names and ids
    the page shows anyway are kept, in this process's memory.
    """
    rows = [SimpleNamespace(pk=pk, name=name) for pk, name in people]
    return mark_safe(str(EntryForm(people=rows)))  # noqa: S308 - Django's form rendering escapes


def _map(client, map_id: int) -> SphereMap:
    found = selectors.shared_map(client, map_id)
    if found is None:
        raise Http404("No such map")
    return found


def _client_name(client) -> str:
    return client.preferred_name or client.given_name


def _home(client) -> dict | None:
    """The client's latest finished map from home, drawn for the therapist: two queries."""
    latest = selectors.latest_home_map(client)
    if latest is None:
        return None
    entries = selectors.entries_of(latest)
    name = _client_name(client)
    finished = timezone.localtime(latest.finished_at or latest.taken_at)
    title = f"{name}'s own map, made at home, finished {finished.day} {finished:%b %Y}"
    return {
        "map": latest,
        "name": name,
        "finished_at": finished,
        # Drawn by the core, which escapes every text; its ids differ from the therapist's map.
        "svg": mark_safe(draw(entries, title=title, ident="home-map")),  # noqa: S308
        "text": text_alternative(entries),
        "empty": not entries,
    }


def _panel(client, the_map) -> dict:
    entries = selectors.entries_of(the_map)
    prompts = {p.person_id: p for e in entries if (p := incongruence(e))}
    title = f"{client.display_name}: spheres of influence, {the_map.taken_at:%d %b %Y}"
    return {
        "client": client,
        "map": the_map,
        "entries": entries,
        "prompts": list(prompts.values()),
        # The core escapes every piece of text it draws, so the SVG is safe to insert as is.
        "svg": mark_safe(draw(entries, title=title, prompts=prompts)),  # noqa: S308
        "text": text_alternative(entries, prompts),
    }
