from django.urls import reverse

from kithkin.accounts.models import User
from kithkin.clients.models import Client
from kithkin.consent.models import Authorization, Disclosure
from kithkin.demo.builder import load_demo


def test_alexis_has_a_signed_authorization_a_release_under_it_and_one_to_sign(db, client):
    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    signed, waiting = Authorization.objects.filter(client=alexis).order_by("pk")
    assert signed.signed_name == "Alexis Rowan" and signed.signed_pdf.startswith(b"%PDF-")
    assert waiting.signed_at is None and waiting.expiry_event
    release = Disclosure.objects.get(client=alexis)
    assert release.authorization == signed and release.recipient_name == "Dr Imani Hollis"
    # Diane must not know she is discussed; the packet says nothing of her.
    assert "Diane" not in release.packet_bundle and "roommate" not in release.packet_bundle
    client.force_login(User.objects.get(username="alexis"))
    page = client.get(reverse("portal_consents")).content.decode()
    assert "Waiting for a signature" in page and "Springfield Family Medicine" in page
