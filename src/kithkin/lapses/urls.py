from django.urls import path

from kithkin.lapses import views

LAPSE = "clients/<int:client_id>/lapse/"

urlpatterns = [
    path("practice/lapses/", views.lapses, name="lapses"),
    path(LAPSE, views.client_lapse, name="client_lapse"),
    path(LAPSE + "letter.pdf", views.client_lapse_letter, name="client_lapse_letter"),
    path(LAPSE + "letter-sent/", views.client_lapse_letter_sent, name="client_lapse_letter_sent"),
    path(LAPSE + "close/", views.client_lapse_close, name="client_lapse_close"),
]
