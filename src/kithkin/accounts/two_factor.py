"""TOTP two-factor authentication for staff, on django-otp."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from kithkin.core.access import Role


def needs_second_factor(user) -> str | None:
    """Where a signed-in user must go before anything else, or None."""
    if user.role == Role.CLIENT or user.is_verified():
        return None
    if settings.KITHKIN_REQUIRE_2FA:
        return "/2fa/verify/" if user_has_device(user, confirmed=True) else "/2fa/setup/"
    # Optional outside production, but a user who enrolled must still use it.
    return "/2fa/verify/" if user_has_device(user, confirmed=True) else None


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
