"""The referral pages: a client's referrals, the draft form, one referral with its status moves,
and the transfers awaiting a therapist's answer. Plain POST and redirect; no script needed.

The treating therapist writes, the supervisor reads, through the record's door
(``client_for``); the receiving therapist of a transfer reaches the referral alone
(``kithkin.referrals.access``). A referral of another client is not found, whatever the id.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kithkin.accounts.access import (
    client_for,
    require_in_practice,
    shows_controls,
)
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.core.referrals import MOVE_LABELS, Side, Status, moves
from kithkin.referrals import selectors, services
from kithkin.referrals.access import referral_for
from kithkin.referrals.forms import MoveForm, ReferralForm
from kithkin.web.forms import form_status, show_refusal


def _referral_url(referral) -> str:
    return reverse("referral", args=[referral.client_id, referral.pk])


@login_required
def referrals(request, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    context = {
        "client": client,
        "referrals": list(selectors.referrals_of(client)),
        "may_change": shows_controls(request, client),
    }
    return render(request, "referrals/referrals.html", context)


def _draft_form(request, client, data=None) -> ReferralForm:
    return ReferralForm(
        data,
        therapists=selectors.receiving_therapists(client, by=request.user),
        authorizations=selectors.signed_authorizations(client),
        fit_reviews=selectors.referring_fit_reviews(client),
    )


@login_required
def referral_new(request, client_id: int):
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    if request.method != "POST":
        form = _draft_form(request, client)
        return render(request, "referrals/referral_new.html", {"client": client, "form": form})
    form = _draft_form(request, client, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_draft(
                client=client,
                by=request.user,
                kind=data["kind"],
                reason=data["reason"],
                fit_review=data["fit_review"],
                to_therapist=data["to_therapist"],
                recipient_name=data["recipient_name"],
                recipient_organisation=data["recipient_organisation"],
                recipient_contact=data["recipient_contact"],
                handoff_summary=data["handoff_summary"],
                written_with_client=data["written_with_client"],
                authorization=data["authorization"],
                key=data["key"],
                ip=client_ip(request),
            )
        except services.ReferralError as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, "The referral is drafted. Send it when the client is ready.")
            return redirect(_referral_url(referral))
    context = {"client": client, "form": form}
    return render(request, "referrals/referral_new.html", context, status=form_status(form))


def _page(request, reached, *, form=None, status=200):
    referral, side = reached.referral, reached.side
    may_act = side is Side.RECEIVER or shows_controls(request, reached.client)
    available = moves(referral.status, referral.kind, side) if may_act else ()
    context = {
        "client": reached.client,
        "referral": referral,
        "receiving": side is Side.RECEIVER,
        "moves": available,
        "declinable": any(m.status is Status.DECLINED for m in available),
        "form": form,
        "refusals": (
            services.authorization_refusals(referral)
            if referral.status == Status.DRAFTED and available
            else []
        ),
    }
    return render(request, "referrals/referral.html", context, status=status)


@login_required
def referral(request, client_id: int, referral_id: int):
    return _page(request, referral_for(request, client_id, referral_id, Action.VIEW_CLIENT))


@login_required
@require_POST
def referral_move(request, client_id: int, referral_id: int):
    reached = referral_for(request, client_id, referral_id, Action.CHANGE_CLIENT)
    referral, side = reached.referral, reached.side
    form = MoveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        target = Status(data["to"])
        try:
            if data["seen"] != referral.status:
                raise services.ReferralError(
                    f"This referral is now {Status(referral.status).label.lower()}; the page "
                    "you used was out of date. Look again before moving it."
                )
            moved = _apply(request, referral, target, side, data)
        except services.ReferralError as refused:
            show_refusal(form, refused)
        else:
            messages.success(request, _moved_message(moved))
            if side is Side.RECEIVER and moved.status == Status.DECLINED:
                return redirect("referrals_incoming")  # no longer theirs to read
            return redirect(_referral_url(moved))
    return _page(request, reached, form=form, status=form_status(form))


def _apply(request, referral, target: Status, side: Side, data):
    common = {"referral": referral, "by": request.user, "ip": client_ip(request)}
    if target is Status.SENT:
        if side is not Side.REFERRER:
            raise services.ReferralError("The referring therapist sends the transfer.")
        return services.referral_send(**common)
    if target is Status.ACKNOWLEDGED:
        return services.referral_acknowledge(side=side, **common)
    if target is Status.FIRST_SESSION_HELD:
        return services.referral_first_session(side=side, **common)
    if target is Status.DECLINED:
        return services.referral_decline(side=side, reason=data["decline_reason"], **common)
    raise services.ReferralError(f"A referral is not moved back to {target.label.lower()}.")


def _moved_message(referral) -> str:
    if referral.status == Status.FIRST_SESSION_HELD and referral.is_internal:
        return (
            "The first session is recorded and the transfer is complete: the client is now on "
            f"{referral.to_therapist.display_name}'s caseload, in a new episode."
        )
    return f"The referral is {Status(referral.status).label.lower()}."


@require_in_practice(Action.VIEW_CASELOAD)
def referrals_incoming(request):
    """Transfers sent to the signed-in therapist, awaiting their answer. Each line names the
    client, because the client's authorization names this therapist as its recipient; one
    whose authorization no longer holds is not shown (the referral page would refuse it too)."""
    incoming = [
        r for r in selectors.awaiting_answer(request.user) if not services.authorization_refusals(r)
    ]
    context = {"incoming": incoming, "labels": MOVE_LABELS}
    return render(request, "referrals/incoming.html", context)
