from django.urls import path

from kithkin.inquiries import hours_views, public_views, views

urlpatterns = [
    path("reach-out/<slug:practice_slug>/", public_views.inquiry_new, name="inquiry_new"),
    path(
        "reach-out/<slug:practice_slug>/thanks/",
        public_views.inquiry_thanks,
        name="inquiry_thanks",
    ),
    path("practice/inquiries/", views.inquiries, name="inquiries"),
    path(
        "practice/settings/working-hours/",
        hours_views.practice_hours,
        name="practice_hours",
    ),
    path("practice/inquiries/<int:inquiry_id>/", views.inquiry, name="inquiry"),
    path(
        "practice/inquiries/<int:inquiry_id>/respond/",
        views.inquiry_respond,
        name="inquiry_respond",
    ),
    path(
        "practice/inquiries/<int:inquiry_id>/close/",
        views.inquiry_close,
        name="inquiry_close",
    ),
]
