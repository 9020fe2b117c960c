from django.urls import path

from kithkin.schedule import feed_views, views

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/feed/", feed_views.calendar_feed, name="calendar_feed"),
    path("calendar/feed/rotate/", feed_views.calendar_feed_rotate, name="calendar_feed_rotate"),
    path("calendar/feed/revoke/", feed_views.calendar_feed_revoke, name="calendar_feed_revoke"),
    # The secret is the only credential (docs/calendar-feed.md); a calendar app cannot sign in.
    path("calendar/feed/<str:token>.ics", feed_views.calendar_feed_ics, name="calendar_feed_ics"),
    path("clients/<int:client_id>/sessions/", views.client_sessions, name="client_sessions"),
    path("clients/<int:client_id>/sessions/new/", views.session_new, name="session_new"),
    path(
        "clients/<int:client_id>/sessions/<int:session_id>/",
        views.session_detail,
        name="session_detail",
    ),
    path(
        "clients/<int:client_id>/sessions/<int:session_id>/edit/",
        views.session_edit,
        name="session_edit",
    ),
    path(
        "clients/<int:client_id>/sessions/<int:session_id>/outcome/",
        views.session_outcome,
        name="session_outcome",
    ),
]
