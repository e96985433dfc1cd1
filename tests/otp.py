"""What an authenticator app does: read the key the enrolment page shows and compute codes."""

from base64 import b32decode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def key_from_text(shown: str) -> bytes:
    """The key as the enrolment page writes it (base32 in groups of four, no padding)."""
    text = shown.replace(" ", "").strip()
    return b32decode(text + "=" * (-len(text) % 8))


def code_for(key: bytes, device: TOTPDevice | None = None) -> str:
    """The code the app shows now; for a device that was used, the next one it accepts (a code is
    good once, and the device takes the step after the last one used, within a step of now)."""
    totp = TOTP(key, step=30, t0=0, digits=6)
    if device is not None:
        device.refresh_from_db()
        if device.last_t >= totp.t():
            totp.time = (device.last_t + 1) * 30
    return f"{totp.token():06d}"
