from django.urls import path

from kithkin.practices import views

urlpatterns = [
    path("practice/settings/", views.practice_settings, name="practice_settings"),
]
