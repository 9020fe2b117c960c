from django.urls import path

from kithkin.notes import views

NOTE = "clients/<int:client_id>/sessions/<int:session_id>/"

urlpatterns = [
    path(f"{NOTE}note/", views.progress_note, name="progress_note"),
    path(f"{NOTE}note/autosave/", views.progress_note_autosave, name="progress_note_autosave"),
    path(f"{NOTE}note/sign/", views.progress_note_sign, name="progress_note_sign"),
    path(f"{NOTE}note/addenda/", views.progress_note_addendum, name="progress_note_addendum"),
    path(f"{NOTE}psychotherapy-note/", views.psychotherapy_note, name="psychotherapy_note"),
]
