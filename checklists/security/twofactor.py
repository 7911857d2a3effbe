"""TOTP two-factor for clinicians (django-otp): enrol with a QR code, then verify once per session."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib.auth.models import AnonymousUser, User
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "authenticator"


def has_confirmed_device(user: User | AnonymousUser) -> bool:
    """Return True when ``user`` has finished enrolling an authenticator."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def totp_pending_device(*, user: User) -> TOTPDevice:
    """Return the user's unconfirmed authenticator, creating it (with a new secret) when there is none."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """Return the device's otpauth:// URL as a QR code, an SVG ``data:`` URI (no external service)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def totp_secret_base32(device: TOTPDevice) -> str:
    """Return the shared secret as base32, for typing into an authenticator by hand."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm the pending ``device`` when ``token`` is a current code from it; return whether it was."""
    if not device.verify_token(token.strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True
