from django.urls import path

from kithkin.referrals import views

REFERRALS = "clients/<int:client_id>/referrals/"

urlpatterns = [
    path(REFERRALS, views.referrals, name="referrals"),
    path(REFERRALS + "new/", views.referral_new, name="referral_new"),
    path(REFERRALS + "<int:referral_id>/", views.referral, name="referral"),
    path(REFERRALS + "<int:referral_id>/move/", views.referral_move, name="referral_move"),
    # Transfers sent to the signed-in therapist, before the client is on their caseload.
    path("referrals/incoming/", views.referrals_incoming, name="referrals_incoming"),
]
