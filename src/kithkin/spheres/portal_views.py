"""The client's spheres-of-influence exercise at home, in the portal.

Five guided steps, as the seed describes doing the exercise "at home": list the people in your
life, place them on the bullseye, name the types of each relationship, consider the components
of healthy relationships, and reflect. Each step saves as the client goes and records where they
are, so a draft reopens there. The map stays with the client until they finish it; then it is
shared with their therapist as it stands and can no longer change. Plain forms and
post-redirect-get: nothing needs JavaScript.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from kithkin.accounts.access import actor_for, audit_access, portal_client
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.core.bullseye import draw
from kithkin.core.bullseye_text import text_alternative
from kithkin.core.disclosure import Audience
from kithkin.core.spheres import SphereError, incongruence
from kithkin.core.vocabulary import COMPONENTS, TYPES
from kithkin.partners import services as partner_services
from kithkin.partners.selectors import people_for
from kithkin.spheres import selectors, services
from kithkin.spheres.models import SphereMap
from kithkin.spheres.portal_forms import (
    FinishForm,
    PersonForm,
    PlaceForm,
    RatingsForm,
    ReflectForm,
    StepForm,
    TypesForm,
)

STEPS = {
    1: "List the people in your life",
    2: "Place them on the bullseye",
    3: "Name the kinds of relationship",
    4: "Consider the components",
    5: "Reflect",
}
LAST = max(STEPS)
FINISHED = (
    "This map is finished and shared with your therapist, so it stays as you shared it. "
    "You can start a new map at any time."
)
NOBODY_PLACED = (
    "Place at least one person on the bullseye before you finish: there is nothing to share yet."
)
SAVED_FOR_LATER = "Saved. Your map stays with you until you finish it; come back to it at any time."


@login_required
def maps(request):
    client = portal_client(request, Action.PORTAL_EXERCISE)
    home_maps = selectors.home_maps_of(client)
    draft = _draft(home_maps)
    context = {"client": client, "maps": home_maps, "draft": draft}
    return render(request, "spheres/portal/maps.html", context)


@login_required
@require_POST
def map_new(request):
    """Starts a map, or reopens the one in progress: one draft at a time keeps nothing
    half-finished out of sight, and a double click does not start two."""
    client = portal_client(request, Action.PORTAL_EXERCISE)
    draft = _draft(selectors.home_maps_of(client))
    if draft is None:
        draft = services.map_create(
            client=client, by=request.user, made_by=SphereMap.MadeBy.CLIENT, ip=client_ip(request)
        )
    else:
        messages.info(request, "You already have a map in progress; here it is, where you left it.")
    return redirect("portal_map_step", home_map_id=draft.pk, step=draft.step)


@login_required
def home_map(request, home_map_id: int):
    client, the_map = _own_map(request, home_map_id)
    if the_map.status == SphereMap.Status.DRAFT:
        return redirect("portal_map_step", home_map_id=the_map.pk, step=the_map.step)
    return _finished(request, client, the_map)


@login_required
def step(request, home_map_id: int, step: int):
    client, the_map = _own_map(request, home_map_id)
    _check_step(step)
    if the_map.status == SphereMap.Status.FINAL:
        return redirect("portal_map", home_map_id=the_map.pk)
    return _step_page(request, client, the_map, step, person_id=_int(request.GET.get("person")))


@login_required
@require_POST
def step_save(request, home_map_id: int, step: int):
    client, the_map = _own_map(request, home_map_id)
    _check_step(step)
    if the_map.status == SphereMap.Status.FINAL:
        return _finished(request, client, the_map, problem=FINISHED, status=422)
    page = _Page.load(client, the_map)
    if step == 4 and _int(request.POST.get("person")) not in page.entries:
        # Another client's person, or someone not placed: say so, and show the first person.
        problem = "That person is not on this map. Place them on the bullseye first, in step 2."
        return _step_page(request, client, the_map, 4, page=page, problem=problem, status=422)
    form = _bound(step, request.POST, page)
    if not form.is_valid():
        return _step_page(request, client, the_map, step, form=form, page=page, status=422)
    ip = client_ip(request)
    try:
        # One page, one transaction: a refused value leaves the whole page unsaved.
        with transaction.atomic():
            SAVES[step](form, page=page, the_map=the_map, by=request.user, ip=ip)
            to_step, to_person = _destination(step, form, page)
            services.map_step(sphere_map=the_map, by=request.user, step=to_step, ip=ip)
    except SphereError as problem:
        the_map.refresh_from_db()
        form.add_error(problem.field if problem.field in form.fields else None, str(problem))
        return _step_page(request, client, the_map, step, form=form, page=page, status=422)
    if form.cleaned_data["go"] == "later":
        messages.success(request, SAVED_FOR_LATER)
        return redirect("portal_maps")
    url = reverse("portal_map_step", kwargs={"home_map_id": the_map.pk, "step": to_step})
    return redirect(f"{url}?person={to_person}" if to_person else url)


@login_required
@require_POST
def person_add(request, home_map_id: int):
    client, the_map = _own_map(request, home_map_id)
    if the_map.status == SphereMap.Status.FINAL:
        return _finished(request, client, the_map, problem=FINISHED, status=422)
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            person = partner_services.person_add(
                client=client,
                by=request.user,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                ip=client_ip(request),
            )
        except partner_services.PartnerError as problem:
            form.add_error("name", str(problem))
        else:
            messages.success(request, f"{person.name} is on your list.")
            return redirect("portal_map_step", home_map_id=the_map.pk, step=1)
    return _step_page(request, client, the_map, 1, person_form=form, status=422)


@login_required
@require_POST
def finish(request, home_map_id: int):
    client, the_map = _own_map(request, home_map_id)
    if the_map.status == SphereMap.Status.FINAL:
        return _finished(request, client, the_map, problem=FINISHED, status=422)
    page = _Page.load(client, the_map)
    form = FinishForm(request.POST)
    if form.is_valid() and not page.entries:
        form.add_error(None, NOBODY_PLACED)
    if not form.is_valid():
        return _step_page(request, client, the_map, LAST, form=form, page=page, status=422)
    services.map_finish(
        sphere_map=the_map,
        by=request.user,
        reflection=form.cleaned_data["reflection"],
        ip=client_ip(request),
    )
    messages.success(request, "Finished and shared with your therapist. Thank you.")
    return redirect("portal_map", home_map_id=the_map.pk)


# --- what each step shows and saves ----------------------------------------------------------


@dataclass
class _Page:
    """What every step needs: the client's people, and this map's entries by person."""

    people: list
    entries: dict

    @classmethod
    def load(cls, client, the_map) -> "_Page":
        # The client's own portal: the guard keeps everyone (the client named them), but the
        # list still comes through it, like every page that shows people outside the record.
        people = people_for(client, Audience.OWN_PORTAL_OF_CLIENT)
        return cls(people=people, entries={e.person_id: e for e in selectors.entries_of(the_map)})

    @property
    def placed(self) -> list:
        return [p for p in self.people if p.pk in self.entries]


def _bound(step: int, data, page: _Page):
    if step == 2:
        return PlaceForm(data, people=page.people)
    if step == 3:
        return TypesForm(data, people=page.placed)
    return {1: StepForm, 4: RatingsForm, 5: ReflectForm}[step](data)


def _unbound(step: int, page: _Page, the_map, person):
    entries = page.entries
    if step == 2:
        # Someone not placed yet starts as "not on this map", so no choice is ever blank.
        initial = {
            f"ring_{p.pk}": entries[p.pk].ring if p.pk in entries else "" for p in page.people
        }
        return PlaceForm(people=page.people, initial=initial)
    if step == 3:
        initial = {f"types_{pk}": sorted(e.types) for pk, e in entries.items()}
        return TypesForm(people=page.placed, initial=initial)
    if step == 4:
        ratings = entries[person.pk].ratings if person else {}
        initial = {f"c_{key}": ratings.get(key, 0) for key in COMPONENTS}
        return RatingsForm(initial={"person": person.pk if person else None, **initial})
    if step == 5:
        return ReflectForm(initial={"reflection": the_map.reflection})
    return StepForm()


def _save_entry(the_map, page: _Page, person_id: int, *, field: str, by, ip, **change) -> None:
    current = page.entries.get(person_id)
    values = {"ring": None, "types": (), "ratings": {}, "note": ""}
    if current is not None:
        values = {
            "ring": current.ring,
            "types": current.types,
            "ratings": current.ratings,
            "note": current.note,
        }
    values.update(change)
    try:
        services.entry_save(sphere_map=the_map, person_id=person_id, by=by, ip=ip, **values)
    except SphereError as problem:
        # Shown beside the person it concerns.
        raise SphereError(str(problem), field=field) from problem


def _save_nothing(form, **_) -> None:
    """Step 1 adds people through its own form; its buttons only move on."""


def _save_places(form: PlaceForm, *, page: _Page, the_map, by, ip) -> None:
    for person_id, ring in form.rings().items():
        current = page.entries.get(person_id)
        if ring is None:
            if current is not None:
                services.entry_remove(sphere_map=the_map, person_id=person_id, by=by, ip=ip)
        elif current is None or current.ring != ring:
            field = f"ring_{person_id}"
            _save_entry(the_map, page, person_id, field=field, by=by, ip=ip, ring=ring)


def _save_types(form: TypesForm, *, page: _Page, the_map, by, ip) -> None:
    for person_id, types in form.types().items():
        if set(types) != set(page.entries[person_id].types):
            field = f"types_{person_id}"
            _save_entry(the_map, page, person_id, field=field, by=by, ip=ip, types=types)


def _save_ratings(form: RatingsForm, *, page: _Page, the_map, by, ip) -> None:
    person_id, ratings = form.cleaned_data["person"], form.ratings()
    if ratings != dict(page.entries[person_id].ratings):
        _save_entry(the_map, page, person_id, field="", by=by, ip=ip, ratings=ratings)


def _save_reflection(form: ReflectForm, *, page: _Page, the_map, by, ip) -> None:
    services.map_reflect(
        sphere_map=the_map, by=by, reflection=form.cleaned_data["reflection"], ip=ip
    )


SAVES = {
    1: _save_nothing,
    2: _save_places,
    3: _save_types,
    4: _save_ratings,
    5: _save_reflection,
}


def _destination(step: int, form, page: _Page) -> tuple[int, int | None]:
    """The step (and, in step 4, the person) the button leads to."""
    go = form.cleaned_data["go"]
    if go in ("stay", "later"):
        return step, form.cleaned_data.get("person") if step == 4 else None
    forward = go == "next"
    placed = [p.pk for p in page.placed]
    if step == 4:
        # Step 4 takes one person at a time: Next and Back walk through them first.
        index = placed.index(form.cleaned_data["person"]) + (1 if forward else -1)
        if 0 <= index < len(placed):
            return 4, placed[index]
    target = min(max(step + (1 if forward else -1), 1), LAST)
    if target == 4 and placed:
        return 4, placed[0] if forward else placed[-1]
    return target, None


# --- pages ------------------------------------------------------------------------------------


def _own_map(request, home_map_id: int):
    client = portal_client(request, Action.PORTAL_EXERCISE)
    the_map = selectors.home_map(client, home_map_id)
    if the_map is None:
        # Someone else's map answers as a map that does not exist; the attempt is kept.
        actor = actor_for(request.user)
        action = Action.PORTAL_EXERCISE
        audit_access(request, actor, action, "SphereMap", home_map_id, None, False, "not theirs")
        raise Http404("No such map")
    return client, the_map


def _draft(home_maps) -> SphereMap | None:
    return next((m for m in home_maps if m.status == SphereMap.Status.DRAFT), None)


def _check_step(step: int) -> None:
    if step not in STEPS:
        raise Http404("No such step")


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _drawing(entries, *, prompts: bool) -> dict:
    # Until the client has considered the components (step 4), a prompt would only say that
    # nothing was rated yet; the seed's invitation to curiosity belongs to the reflection.
    found = {p.person_id: p for e in entries if (p := incongruence(e))} if prompts else {}
    return {
        # The core escapes every text it draws, so the SVG is safe to insert as is.
        "svg": mark_safe(draw(entries, title="Your spheres of influence", prompts=found)),  # noqa: S308
        "text": text_alternative(entries, found),
        "prompts": list(found.values()),
    }


def _step_page(
    request,
    client,
    the_map,
    step: int,
    *,
    form=None,
    person_form=None,
    page: _Page | None = None,
    person_id: int | None = None,
    problem: str = "",
    status: int = 200,
):
    page = page or _Page.load(client, the_map)
    placed = page.placed
    person = None
    if step == 4 and placed:
        wanted = person_id
        if form is not None and form.is_bound:
            wanted = _int(form.data.get("person"))
        person = next((p for p in placed if p.pk == wanted), placed[0])
    entries = sorted(page.entries.values(), key=lambda e: (e.label.casefold(), e.person_id))
    context = {
        "client": client,
        "map": the_map,
        "step": step,
        "step_name": STEPS[step],
        "steps": list(STEPS.items()),
        "last": LAST,
        "people": page.people,
        "placed": placed,
        "person": person,
        "person_number": placed.index(person) + 1 if person else 0,
        "form": form or _unbound(step, page, the_map, person),
        "person_form": person_form or PersonForm(),
        "types": list(TYPES.values()),
        "problem": problem,
        **_drawing(entries, prompts=step == LAST),
    }
    return render(request, f"spheres/portal/step_{step}.html", context, status=status)


def _finished(request, client, the_map, *, problem: str = "", status: int = 200):
    entries = selectors.entries_of(the_map)
    context = {
        "client": client,
        "map": the_map,
        "problem": problem,
        "empty": not entries,
        **_drawing(entries, prompts=True),
    }
    return render(request, "spheres/portal/finished.html", context, status=status)
