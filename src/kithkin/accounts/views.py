from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from kithkin.accounts import services, two_factor
from kithkin.accounts.access import require_in_practice
from kithkin.accounts.forms import EmergencyAccessForm, TokenForm
from kithkin.accounts.models import EmergencyAccess, User
from kithkin.audit.models import AuditEvent
from kithkin.audit.request import client_ip
from kithkin.clients.finder import client_named
from kithkin.core.access import Action
from kithkin.web.dbrouter import replica_safe
from kithkin.web.forms import form_status


@require_in_practice(Action.BREAK_GLASS, audited=False)
def emergency_access(request):
    """Break the glass: a clinician names a client outside their caseload and says why.

    The client is found by full name and date of birth, never by browsing, so the form cannot be
    used to list the practice's clients.
    """
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client = client_named(request, form, Action.BREAK_GLASS)
        if client is not None:
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
    return render(
        request, "accounts/emergency_access.html", {"form": form}, status=form_status(form)
    )


@require_in_practice(Action.MANAGE_PRACTICE, audited=False)
@replica_safe
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


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@login_required
def two_factor_setup(request):
    """Enrolment: scan the code, then prove it works with one token."""
    if user_has_device(request.user, confirmed=True):
        return redirect("two_factor_verify")
    device = two_factor.pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            services.two_factor_confirm(device=device, by=request.user, ip=client_ip(request))
            otp_login(request, device)
            messages.success(request, "Two-factor authentication is on for your account.")
            return redirect(_safe_next(request))
        form.add_error("token", "That code did not match. Check your phone's clock and try again.")
    context = {
        "form": form,
        "qr_svg": two_factor.qr_svg(device),
        "secret": two_factor.secret_base32(device),
        "next": _safe_next(request),
    }
    return render(request, "accounts/two_factor_setup.html", context, status=form_status(form))


@login_required
def two_factor_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", "That code did not match. Try the newest code in your app.")
    context = {"form": form, "next": _safe_next(request)}
    return render(request, "accounts/two_factor_verify.html", context, status=form_status(form))


@login_required
def password_change(request):
    """Changing the password ends every other session (Django's session hash covers the
    password); this one continues, since its user has just proved who they are."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        if user.practice_id:
            services.password_changed(user=user, ip=client_ip(request))
        messages.success(request, "Your password was changed. Your other sessions have ended.")
        return redirect("home")
    return render(
        request, "accounts/password_change.html", {"form": form}, status=form_status(form)
    )


def _practice_user(request, user_id: int) -> User:
    user = User.objects.filter(pk=user_id, practice_id=request.user.practice_id).first()
    if user is None:
        raise Http404("No such user")
    return user


@require_POST
@require_in_practice(Action.MANAGE_PRACTICE, audited=False)
def user_end_sessions(request, user_id: int):
    user = _practice_user(request, user_id)
    services.user_end_sessions(user=user, by=request.user, ip=client_ip(request), reason="by admin")
    messages.success(request, f"Every session of {user.username} has ended.")
    return redirect("practice_users")


@require_POST
@require_in_practice(Action.MANAGE_PRACTICE, audited=False)
def user_deactivate(request, user_id: int):
    user = _practice_user(request, user_id)
    if user == request.user:
        messages.error(request, "You cannot deactivate your own account.")
        return redirect("practice_users")
    services.user_deactivate(user=user, by=request.user, ip=client_ip(request))
    messages.success(request, f"{user.username} was deactivated and their sessions ended.")
    return redirect("practice_users")
