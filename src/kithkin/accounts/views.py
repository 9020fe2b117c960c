from django.contrib import messages
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.shortcuts import redirect, render

from kithkin.accounts import services
from kithkin.accounts.access import actor_for, audit_access, require_in_practice
from kithkin.accounts.forms import EmergencyAccessForm
from kithkin.accounts.models import EmergencyAccess
from kithkin.audit.models import AuditEvent
from kithkin.audit.request import client_ip
from kithkin.clients.models import Client
from kithkin.core.access import Action


@require_in_practice(Action.BREAK_GLASS, audited=False)
def emergency_access(request):
    """Break the glass: a clinician names a client outside their caseload and says why.

    The client is found by full name and date of birth, never by browsing, so the form cannot be
    used to list the practice's clients.
    """
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client = _single_match(request.user.practice_id, **form.cleaned_data)
        if client is None:
            actor = actor_for(request.user)
            audit_access(
                request, actor, Action.BREAK_GLASS, "Client", "", None, False, "no single match"
            )
            form.add_error(
                None, "No single client of this practice matches that name and date of birth."
            )
        else:
            services.emergency_access_grant(
                by=request.user,
                client=client,
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )
            messages.warning(
                request,
                "Emergency access granted. Every view is logged and reported "
                "to the practice admin and the client.",
            )
            return redirect("client_detail", client_id=client.pk)
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "accounts/emergency_access.html", {"form": form}, status=status)


def _single_match(practice_id, *, full_name: str, date_of_birth, **_) -> Client | None:
    given, _, family = full_name.strip().rpartition(" ")
    matches = list(
        Client.objects.for_practice(practice_id)
        .annotate(given_lower=Lower("given_name"), family_lower=Lower("family_name"))
        .filter(
            Q(given_lower=given.lower()) | Q(given_lower__startswith=given.lower() + " "),
            family_lower=family.lower(),
            date_of_birth=date_of_birth,
        )[:2]
    )
    return matches[0] if len(matches) == 1 else None


@require_in_practice(Action.MANAGE_PRACTICE, audited=False)
def emergency_access_report(request):
    """The admin's report of every break-the-glass access, with how often it was used."""
    grants = (
        EmergencyAccess.objects.filter(practice_id=request.user.practice_id)
        .select_related("user", "client")
        .order_by("-started_at")[:500]
    )
    # How often each grant was used comes from the audit trail: one grouped query.
    uses = {
        (row["actor"], row["client_id"]): row["n"]
        for row in AuditEvent.objects.filter(practice_id=request.user.practice_id, emergency=True)
        .values("actor", "client_id")
        .annotate(n=Count("pk"))
    }
    rows = [(grant, uses.get((grant.user_id, grant.client_id), 0)) for grant in grants]
    return render(request, "accounts/emergency_access_report.html", {"rows": rows})
