from django.urls import path

from kithkin.plans import portal_views, views

VERSION = "clients/<int:client_id>/plan/versions/<int:version_id>/"

urlpatterns = [
    path("clients/<int:client_id>/plan/", views.plan, name="plan"),
    path("clients/<int:client_id>/plan/start/", views.plan_start, name="plan_start"),
    path("clients/<int:client_id>/plan/revise/", views.plan_revise, name="plan_revise"),
    path("clients/<int:client_id>/plan/diff/", views.plan_diff, name="plan_diff"),
    path("clients/<int:client_id>/plan/check-ins/new/", views.check_in_new, name="check_in_new"),
    path(VERSION, views.plan_version, name="plan_version"),
    path(VERSION + "edit/", views.plan_version_edit, name="plan_version_edit"),
    path(VERSION + "sign/", views.plan_version_sign, name="plan_version_sign"),
    path(VERSION + "goals/", views.plan_goal_add, name="plan_goal_add"),
    path(VERSION + "goals/<int:goal_id>/", views.plan_goal_edit, name="plan_goal_edit"),
    path(VERSION + "goals/<int:goal_id>/remove/", views.plan_goal_remove, name="plan_goal_remove"),
    # The client's own plan. The client comes from the signed-in account, never from the URL.
    path("portal/plan/", portal_views.portal_plan, name="portal_plan"),
    path(
        "portal/plan/acknowledge/",
        portal_views.portal_plan_acknowledge,
        name="portal_plan_acknowledge",
    ),
]
