from django.urls import path

from kithkin.matching import views

INQUIRY = "practice/inquiries/<int:inquiry_id>/matches/"

urlpatterns = [
    # Each clinician's own profile, and the practice's profiles, read-only.
    path("practice/profile/", views.profile_edit, name="profile_edit"),
    path("practice/therapists/", views.therapist_profiles, name="therapist_profiles"),
    # Suggestions for an inquiry; only the accept, asked for by a clinician, creates anything.
    path(INQUIRY, views.inquiry_matches, name="inquiry_matches"),
    path(INQUIRY + "accept/", views.inquiry_match_accept, name="inquiry_match_accept"),
    # The next best fit for a client whose fit review decided to refer.
    path("clients/<int:client_id>/matches/", views.client_matches, name="client_matches"),
]
