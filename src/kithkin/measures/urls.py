from django.urls import path

from kithkin.measures import library_views, portal_views, practice_views, views

CLIENT = "clients/<int:client_id>/measures/"

urlpatterns = [
    path(CLIENT, views.measures, name="measures"),
    path(CLIENT + "enter/<slug:code>/", views.measures_enter, name="measures_enter"),
    path(
        CLIENT + "alerts/<int:alert_id>/acknowledge/",
        views.measures_alert_acknowledge,
        name="measures_alert_acknowledge",
    ),
    path(CLIENT + "fit-reviews/", views.measures_fit_review, name="measures_fit_review"),
    path(CLIENT + "links/", views.measures_link_create, name="measures_link_create"),
    path(CLIENT + "kiosk/", views.measures_kiosk_start, name="measures_kiosk_start"),
    # Summed over clients; the reader's role decides which therapists' lines appear.
    path("practice/feedback/", practice_views.practice_feedback, name="practice_feedback"),
    # The practice admin's licensed instruments, loaded from the practice's own files.
    path(
        "practice/instruments/",
        library_views.practice_instruments,
        name="practice_instruments",
    ),
    path(
        "practice/instruments/<int:instrument_id>/retire/",
        library_views.practice_instrument_retire,
        name="practice_instrument_retire",
    ),
    # The client's own questionnaires. The client comes from the signed-in account.
    path("portal/measures/", portal_views.portal_measures, name="portal_measures"),
    path("portal/measures/<slug:code>/", portal_views.portal_measure, name="portal_measure"),
    # A one-time link: no account, the token is the key.
    path("q/<str:token>/", portal_views.measures_link, name="measures_link"),
    # The office tablet: only in the browser of the therapist who started it, once.
    path("kiosk/<str:kiosk_token>/", portal_views.measures_kiosk, name="measures_kiosk"),
]
