from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kithkin.accounts.access import actor_for, require_in_practice
from kithkin.accounts.models import User
from kithkin.audit.selectors import record_access_log
from kithkin.core.access import Action, Role


@login_required
def home(request):
    role = actor_for(request.user).role
    if role in (Role.THERAPIST, Role.SUPERVISOR):
        return redirect("caseload")
    if role is Role.CLIENT:
        return redirect("portal")
    return redirect("practice_users")


@require_in_practice(Action.VIEW_PORTAL)
def portal(request):
    client = getattr(request.user, "client_record", None)
    if client is None:
        raise Http404("No client record is linked to this account")
    return render(request, "web/portal.html", {"client": client})


@require_in_practice(Action.VIEW_PORTAL)
def portal_access_log(request):
    """The client sees who opened their record (HIPAA 164.528 in spirit, GDPR Art. 15)."""
    client = getattr(request.user, "client_record", None)
    if client is None:
        raise Http404("No client record is linked to this account")
    events = record_access_log(practice_id=client.practice_id, client_id=client.pk)
    return render(request, "web/portal_access_log.html", {"events": events})


@require_in_practice(Action.MANAGE_PRACTICE, audited=False)
def practice_users(request):
    """The admin's page: the practice's accounts and roles, and no clinical content."""
    users = User.objects.filter(practice_id=request.user.practice_id).order_by("role", "username")
    return render(request, "web/practice_users.html", {"users": users})


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
