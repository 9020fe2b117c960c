"""The people in a client's life and their part in the plan, edited in session with htmx: each
form answers with the person's card, so the page never reloads."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kithkin.accounts.access import actor_for, client_for, require_in_practice
from kithkin.audit.request import client_ip
from kithkin.clients.models import Person
from kithkin.core.access import Action
from kithkin.core.vocabulary import TYPES
from kithkin.partners import selectors, services
from kithkin.partners.forms import ActionForm, KindsForm, PartnerForm, PersonForm
from kithkin.partners.models import PlannedAction
from kithkin.plans import selectors as plan_selectors

TYPE_LABELS = {t.key: t.label for t in TYPES.values()}


@login_required
def people(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    cards = [_card(client, person) for person in selectors.people_of(client)]
    context = {"client": client, "cards": cards, "add_form": PersonForm(prefix="new")}
    return render(request, "partners/people.html", context)


@login_required
@require_POST
def person_add(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    form = PersonForm(request.POST, prefix="new")
    if form.is_valid():
        services.person_add(
            client=client, by=request.user, ip=client_ip(request), **form.cleaned_data
        )
        if request.htmx:
            cards = [_card(client, p) for p in selectors.people_of(client)]
            return render(request, "partners/_people_list.html", {"client": client, "cards": cards})
        return redirect("people", client_id=client.pk)
    return render(
        request, "partners/_add_person.html", {"client": client, "add_form": form}, status=422
    )


@login_required
@require_POST
def person_kinds(request, client_id: int, person_id: int):
    client, person = _person(request, client_id, person_id)
    form = KindsForm(request.POST, prefix=f"k{person.pk}")
    if form.is_valid():
        services.person_set_kinds(
            person=person,
            by=request.user,
            kinds=form.cleaned_data["kinds"],
            on=form.cleaned_data["on"],
            ip=client_ip(request),
        )
    return _answer(request, client, person, kinds_form=None if form.is_valid() else form)


@login_required
@require_POST
def partner_set(request, client_id: int, person_id: int):
    client, person = _person(request, client_id, person_id)
    form = PartnerForm(request.POST, prefix=f"p{person.pk}")
    error = None
    if form.is_valid():
        try:
            services.partner_set(
                person=person, by=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except services.PartnerError as problem:
            error = str(problem)
            form.add_error("reason", error)
    ok = form.is_valid() and error is None
    return _answer(request, client, person, partner_form=None if ok else form)


@login_required
@require_POST
def action_add(request, client_id: int, person_id: int):
    client, person = _person(request, client_id, person_id)
    partner = getattr(person, "partner", None)
    if partner is None:
        raise Http404("Make this person a therapy partner first")
    form = ActionForm(request.POST, prefix=f"a{person.pk}")
    if form.is_valid():
        services.action_plan(
            partner=partner, by=request.user, ip=client_ip(request), **form.cleaned_data
        )
    return _answer(request, client, person, action_form=None if form.is_valid() else form)


@login_required
@require_POST
def action_done(request, client_id: int, action_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    action = (
        PlannedAction.objects.filter(pk=action_id, partner__person__client=client)
        .select_related("partner__person")
        .first()
    )
    if action is None:
        raise Http404("No such action")
    services.action_done(action=action, by=request.user, ip=client_ip(request))
    if request.htmx:
        return _answer(request, client, action.partner.person)
    return redirect("people", client_id=client.pk)


@require_in_practice(Action.VIEW_CASELOAD)
def worklist(request):
    groups = selectors.worklist(actor=actor_for(request.user))
    # Plan check-ins due or overdue (issue 5): two queries whatever the caseload.
    check_ins = plan_selectors.check_ins_due(actor=actor_for(request.user))
    return render(request, "partners/worklist.html", {"groups": groups, "check_ins": check_ins})


def _person(request, client_id, person_id) -> tuple:
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    # A person of another client is not found, whatever the id says.
    person = Person.objects.filter(pk=person_id, client=client).select_related("partner").first()
    if person is None:
        raise Http404("No such person in this client's life")
    return client, person


def _card(client, person, **forms) -> dict:
    today = timezone.localdate()
    partner = getattr(person, "partner", None)
    kinds = getattr(person, "all_kinds", None)
    if kinds is None:
        kinds = list(person.kinds.order_by("since", "kind"))
    current = [k for k in kinds if k.until is None]
    actions = getattr(partner, "planned", None) if partner else None
    if partner and actions is None:
        actions = list(partner.actions.order_by("window_start", "pk"))
    initial_partner = (
        {
            "involvement": partner.involvement,
            "knows_in_therapy": partner.knows_in_therapy,
            "knows_discussed": partner.knows_discussed,
            "may_contact": partner.may_contact,
            "contact_note": partner.contact_note,
        }
        if partner
        else {}
    )
    return {
        "person": person,
        "partner": partner,
        "current_kinds": [TYPE_LABELS.get(k.kind, k.kind) for k in current],
        "history": [k for k in kinds if k.until is not None],
        "type_labels": TYPE_LABELS,
        "actions": [
            selectors.describe_action(a, pronouns=client.pronouns, today=today)
            for a in actions or []
        ],
        "kinds_form": forms.get("kinds_form")
        or KindsForm(
            prefix=f"k{person.pk}", initial={"kinds": [k.kind for k in current], "on": today}
        ),
        "partner_form": forms.get("partner_form")
        or PartnerForm(prefix=f"p{person.pk}", initial=initial_partner),
        "action_form": forms.get("action_form") or ActionForm(prefix=f"a{person.pk}"),
    }


def _answer(request, client, person, **forms):
    failed = any(form is not None for form in forms.values())
    status = 422 if failed else 200
    if request.htmx:
        person = Person.objects.select_related("partner").get(pk=person.pk)
        context = {"client": client, "card": _card(client, person, **forms)}
        return render(request, "partners/_person.html", context, status=status)
    if not failed:
        return redirect("people", client_id=client.pk)
    # Without JavaScript: the whole page again, this person's form showing its errors.
    cards = [
        _card(client, p, **forms) if p.pk == person.pk else _card(client, p)
        for p in selectors.people_of(client)
    ]
    context = {"client": client, "cards": cards, "add_form": PersonForm(prefix="new")}
    return render(request, "partners/people.html", context, status=status)
