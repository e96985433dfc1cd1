"""Two-factor login: who must have it, enrolment, codes, recovery codes, and an admin's reset.

The second factor is an authenticator app (django-otp's TOTP device) with ten single-use recovery
codes (its static device) for a lost phone. Verification is per device, so django-otp's
throttling applies (each failure doubles the wait before the next try on that device).
"""

import math
import re
from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from integrations.roles import INTEGRATION_ADMINS
from integrations.services import audit
from integrations.services.audit import Actor

RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
TOTP_CODE = re.compile(r"[0-9]{6}")

AnyUser = AbstractBaseUser | AnonymousUser


def is_required(user: AnyUser) -> bool:
    """Whether the role demands a second factor: Integration admins and superusers, unless relaxed."""
    if not settings.REQUIRE_2FA_FOR_ADMINS or not isinstance(user, User) or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=INTEGRATION_ADMINS).exists()


def is_enrolled(user: AnyUser) -> bool:
    """A confirmed authenticator app (recovery codes alone do not count: they run out)."""
    return isinstance(user, User) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_code(user: AnyUser) -> bool:
    """Whether a signed-in user must still give a code: the role demands it, or they enrolled."""
    if not user.is_authenticated or getattr(user, "is_verified", lambda: False)():
        return False
    return is_required(user) or user_has_device(user)


def pending_app(user: User) -> TOTPDevice:
    """The authenticator being set up: one unconfirmed device, kept across reloads of the page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed: base32, in groups of four."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


class Throttled(Exception):
    """Wrong codes in a row: django-otp makes the next try wait (1, 2, 4, ... seconds)."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"wait {seconds} second{'s' if seconds != 1 else ''} before the next try")
        self.seconds = seconds


def _refuse_if_throttled(device: Device) -> None:
    allowed, why = device.verify_is_allowed()
    until = (why or {}).get("locked_until")
    if not allowed and until is not None:
        raise Throttled(max(1, math.ceil((until - timezone.now()).total_seconds())))


@dataclass(frozen=True)
class Enrolled:
    device: TOTPDevice
    recovery_codes: list[str]


def confirm_app(user: User, device: TOTPDevice, code: str, actor: Actor) -> Enrolled | None:
    """Confirm the pending authenticator with a code it shows; it replaces any earlier one."""
    if device.user_id != user.pk or device.confirmed or not TOTP_CODE.fullmatch(code.strip()):
        return None
    _refuse_if_throttled(device)
    if verify_token(user, device.persistent_id, code.strip()) is None:
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit.record("2fa.enrol", actor, user, details={"recovery_codes": RECOVERY_CODES})
    return Enrolled(device, codes)


def new_recovery_codes(user: User, actor: Actor) -> list[str]:
    """Ten fresh codes; the earlier ones stop working."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit.record("2fa.recovery_codes", actor, user, details={"recovery_codes": RECOVERY_CODES})
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify(user: User, code: str) -> Device | None:
    """The device that accepts `code`: six digits try the app, anything else a recovery code
    (which is used up by it). Raises `Throttled` while the device makes the next try wait."""
    code = code.strip().replace(" ", "")
    if not code:
        return None
    if TOTP_CODE.fullmatch(code):
        candidates = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        candidates = StaticDevice.objects.filter(user=user, confirmed=True)
        code = code.lower()
    for device in candidates:
        _refuse_if_throttled(device)
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def reset(user: User, actor: Actor) -> int:
    """Remove every device of `user` (a lost phone): they enrol again at their next login, and
    their sessions verified by a removed device are no longer verified."""
    with transaction.atomic():
        devices = list(devices_for_user(user, confirmed=None))
        for device in devices:
            device.delete()
        audit.record("2fa.reset", actor, user, details={"devices_removed": len(devices)})
    return len(devices)
