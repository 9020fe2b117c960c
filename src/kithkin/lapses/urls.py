from django.urls import path

from kithkin.lapses import settings_views, views

LAPSE = "clients/<int:client_id>/lapse/"

urlpatterns = [
    path("practice/lapses/", views.lapses, name="lapses"),
    path(
        "practice/settings/lapses/",
        settings_views.practice_lapse_settings,
        name="practice_lapse_settings",
    ),
    path(LAPSE, views.client_lapse, name="client_lapse"),
    path(LAPSE + "letter.pdf", views.client_lapse_letter, name="client_lapse_letter"),
    path(LAPSE + "letter-sent/", views.client_lapse_letter_sent, name="client_lapse_letter_sent"),
    path(LAPSE + "close/", views.client_lapse_close, name="client_lapse_close"),
]
