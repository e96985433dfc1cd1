"""The encryption key ring: the first key encrypts, every key decrypts.

Keys come from `settings.PORTAL_ENCRYPTION_KEYS` (Fernet keys). Rotation means: put the new key
first, keep the old ones after it, run `manage.py rotate_encryption_key`, then drop the old keys.
"""

import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "InvalidToken",
    "decrypt",
    "encrypt",
    "fingerprints",
    "is_current",
    "key_index",
    "key_ring",
    "reencrypt",
]


@lru_cache(maxsize=8)
def _ring_for(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    if not keys:
        raise ImproperlyConfigured(
            "PORTAL_ENCRYPTION_KEYS is empty: set it (or PORTAL_ENCRYPTION_KEYS_FILE) to one or more "
            "Fernet keys. Generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        )
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except (ValueError, TypeError):
            # Never echo the key: say which position is wrong.
            raise ImproperlyConfigured(
                f"PORTAL_ENCRYPTION_KEYS: key #{position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes)."
            ) from None
    return MultiFernet(fernets), fernets[0]


def key_ring() -> tuple[MultiFernet, Fernet]:
    """The ring for the current settings (cached per key tuple, so tests may override settings)."""
    problem = getattr(settings, "PORTAL_ENCRYPTION_KEYS_ERROR", "")
    if problem:
        raise ImproperlyConfigured(problem)  # e.g. PORTAL_ENCRYPTION_KEYS_FILE cannot be read
    return _ring_for(tuple(settings.PORTAL_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    ring, _ = key_ring()
    return ring.encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Raises `InvalidToken` when no key of the ring opens the value."""
    ring, _ = key_ring()
    return ring.decrypt(token.encode()).decode()


def is_current(token: str) -> bool:
    """Whether the value is already encrypted with the first (current) key."""
    _, primary = key_ring()
    try:
        primary.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    """Decrypt with any key of the ring and encrypt again with the first one."""
    ring, _ = key_ring()
    return ring.rotate(token.encode()).decode()


@lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, ...]:
    _ring_for(keys)  # the same validation and messages
    return tuple(Fernet(key.encode()) for key in keys)


def key_index(token: str) -> int | None:
    """Which key of the ring (0 = the first) opens `token`; None when none does.

    Each key is tried in turn and the plaintext is dropped at once: this only counts.
    """
    for index, fernet in enumerate(_fernets(tuple(settings.PORTAL_ENCRYPTION_KEYS))):
        try:
            fernet.decrypt(token.encode())
        except InvalidToken:
            continue
        return index
    return None


def fingerprints() -> list[str]:
    """A short SHA-256 fingerprint of each key of the ring, in order: tells keys apart, reveals none."""
    return [hashlib.sha256(key.encode()).hexdigest()[:8] for key in settings.PORTAL_ENCRYPTION_KEYS]
