from django.urls import path

from kithkin.consent import portal_views, views

CONSENTS = "clients/<int:client_id>/consents/"
ONE = CONSENTS + "<int:authorization_id>/"
RELEASES = "clients/<int:client_id>/releases/"

urlpatterns = [
    path(CONSENTS, views.consents, name="consents"),
    path(CONSENTS + "new/", views.consent_new, name="consent_new"),
    path(ONE, views.consent, name="consent"),
    path(ONE + "sign/", views.consent_sign, name="consent_sign"),
    path(ONE + "revoke/", views.consent_revoke, name="consent_revoke"),
    path(ONE + "event/", views.consent_event, name="consent_event"),
    path(ONE + "copy.pdf", views.consent_pdf, name="consent_pdf"),
    path(RELEASES + "new/", views.release_new, name="release_new"),
    path(RELEASES + "<int:disclosure_id>/", views.disclosure, name="disclosure"),
    path(
        RELEASES + "<int:disclosure_id>/packet.<str:kind>",
        views.disclosure_packet,
        name="disclosure_packet",
    ),
    path("clients/<int:client_id>/disclosures/", views.disclosures, name="disclosures"),
    # The client's own. The client comes from the signed-in account, never from the URL.
    path("portal/consents/", portal_views.portal_consents, name="portal_consents"),
    path(
        "portal/consents/<int:authorization_id>/",
        portal_views.portal_consent,
        name="portal_consent",
    ),
    path(
        "portal/consents/<int:authorization_id>/sign/",
        portal_views.portal_consent_sign,
        name="portal_consent_sign",
    ),
    path(
        "portal/consents/<int:authorization_id>/revoke/",
        portal_views.portal_consent_revoke,
        name="portal_consent_revoke",
    ),
    path(
        "portal/consents/<int:authorization_id>/copy.pdf",
        portal_views.portal_consent_pdf,
        name="portal_consent_pdf",
    ),
]
