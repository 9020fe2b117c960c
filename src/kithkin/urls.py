from django.contrib.auth import views as auth_views
from django.urls import include, path

from kithkin.accounts import views as account_views
from kithkin.api.api import api
from kithkin.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("api/", api.urls),
    path("fhir/R4/", include("kithkin.fhir.urls")),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("portal/", views.portal, name="portal"),
    path("portal/access-log/", views.portal_access_log, name="portal_access_log"),
    path("practice/users/", views.practice_users, name="practice_users"),
    path(
        "practice/emergency-access/",
        account_views.emergency_access_report,
        name="emergency_access_report",
    ),
    path("emergency-access/", account_views.emergency_access, name="emergency_access"),
    path("2fa/setup/", account_views.two_factor_setup, name="two_factor_setup"),
    path("2fa/verify/", account_views.two_factor_verify, name="two_factor_verify"),
    path("account/password/", account_views.password_change, name="password_change"),
    path(
        "practice/users/<int:user_id>/end-sessions/",
        account_views.user_end_sessions,
        name="user_end_sessions",
    ),
    path(
        "practice/users/<int:user_id>/deactivate/",
        account_views.user_deactivate,
        name="user_deactivate",
    ),
    path("", include("kithkin.clients.urls")),
    path("", include("kithkin.partners.urls")),
    path("", include("kithkin.relationships.urls")),
    path("", include("kithkin.assessments.urls")),
    path("", include("kithkin.spheres.urls")),
    path("", include("kithkin.plans.urls")),
    path("", include("kithkin.schedule.urls")),
    path("", include("kithkin.notes.urls")),
    path("", include("kithkin.measures.urls")),
    path("", include("kithkin.consent.urls")),
    path("", include("kithkin.imports.urls")),
    path("", include("kithkin.referrals.urls")),
    path("", include("kithkin.inquiries.urls")),
    path("", include("kithkin.matching.urls")),
    path("", include("kithkin.lapses.urls")),
    path("", include("kithkin.endings.urls")),
    path("", include("kithkin.practices.urls")),
]
