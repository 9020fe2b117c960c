from django.urls import path

from kithkin.endings import portal_views, views

REVIEW = "clients/<int:client_id>/episodes/<int:episode_id>/review/"

urlpatterns = [
    path(REVIEW, views.ending_review, name="ending_review"),
    path(REVIEW + "start/", views.ending_review_start, name="ending_review_start"),
    path(REVIEW + "sign/", views.ending_review_sign, name="ending_review_sign"),
    path(REVIEW + "share/", views.ending_review_share, name="ending_review_share"),
    path(REVIEW + "review.pdf", views.ending_review_pdf, name="ending_review_pdf"),
    # The client's own reviews. The client comes from the signed-in account, never from the URL.
    path("portal/reviews/", portal_views.portal_reviews, name="portal_reviews"),
    path("portal/reviews/<int:review_id>/", portal_views.portal_review, name="portal_review"),
]
