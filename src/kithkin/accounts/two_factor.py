"""TOTP two-factor authentication for staff, on django-otp."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from kithkin.core.access import Role

# Whether the user had a confirmed device when this session first asked, kept in the session so
# that staff who have not enrolled (2FA optional) do not cost a query on every page.
ENROLLED = "kithkin_2fa_enrolled"


def needs_second_factor(user, session=None) -> str | None:
    """Where a signed-in user must go before anything else, or None."""
    if user.role == Role.CLIENT or user.is_verified():
        return None
    if settings.KITHKIN_REQUIRE_2FA:
        return "/2fa/verify/" if user_has_device(user, confirmed=True) else "/2fa/setup/"
    # Optional outside production, but a user who enrolled must still use it. A device confirmed
    # later, in another session, takes effect at that user's next login.
    enrolled = session.get(ENROLLED) if session is not None else None
    if enrolled is None:
        enrolled = user_has_device(user, confirmed=True)
        if session is not None:
            session[ENROLLED] = enrolled
    return "/2fa/verify/" if enrolled else None


def pending_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG: no image request, nothing for the CSP to allow."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]
