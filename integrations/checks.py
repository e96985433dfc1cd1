"""Start-up checks: production secrets are explicit, and the key ring opens what is stored.

Registered as Django system checks (runserver, migrate, `manage.py check`), and run by
`startup_guard()` from the WSGI/ASGI entry points and at Celery worker start, which Django's
checks do not cover.
"""

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError


@checks.register(checks.Tags.security)
def check_explicit_secrets(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    errors: list[checks.CheckMessage] = []
    if not getattr(settings, "SECRET_KEY_IS_EXPLICIT", False):
        errors.append(
            checks.Error(
                "DEBUG is off but SECRET_KEY is not set: refusing to run on a generated development key.",
                hint="Set SECRET_KEY in the environment or .env (see .env.example).",
                id="switchboard.E001",
            )
        )
    if not getattr(settings, "PORTAL_ENCRYPTION_KEYS_ARE_EXPLICIT", False):
        errors.append(
            checks.Error(
                "DEBUG is off but no encryption keys are configured: refusing to run on a generated "
                "development key ring.",
                hint="Set PORTAL_ENCRYPTION_KEYS (comma-separated Fernet keys) or "
                "PORTAL_ENCRYPTION_KEYS_FILE (see .env.example).",
                id="switchboard.E002",
            )
        )
    if not getattr(settings, "PORTAL_TOKEN_PEPPER_IS_EXPLICIT", False):
        errors.append(
            checks.Error(
                "DEBUG is off but PORTAL_TOKEN_PEPPER is not set: refusing to check portal API tokens "
                "against a generated development pepper.",
                hint="Set PORTAL_TOKEN_PEPPER to a long random value (see .env.example); changing it "
                "later invalidates every portal API token.",
                id="switchboard.E020",
            )
        )
    return errors


@checks.register(checks.Tags.security)
def check_trusted_proxies(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    """A TRUSTED_PROXIES entry that is no address would fail every request that reads one."""
    from integrations.client_address import trusted_proxies

    try:
        trusted_proxies()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="switchboard.E006")]
    return []


RING_HINT = (
    "Put the key the data was written with back into PORTAL_ENCRYPTION_KEYS, after the new one "
    "(NEW,OLD), start again and run `manage.py rotate_encryption_key` until it reports no "
    "failures; remove the old key only after that."
)


@checks.register(checks.Tags.database)
def check_key_canary(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    """The ring opens the key canary (re-encrypted last by a rotation, so it stays under the old
    key until a rotation has finished) and a sample of every encrypted column."""
    from integrations import crypto
    from integrations.services.keys import CanaryStatus, unreadable_samples, verify_canary

    try:
        crypto.key_ring()  # an empty or malformed ring, or an unreadable key file: before any query
        status = verify_canary()
        unreadable = unreadable_samples()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="switchboard.E003")]
    except DatabaseError:
        return []  # not migrated yet: nothing stored to check
    if status is CanaryStatus.UNREADABLE:
        return [
            checks.Error(
                "The configured PORTAL_ENCRYPTION_KEYS cannot decrypt the secrets stored in the "
                "database (the key canary does not open; a key rotation that did not finish leaves "
                "it under the old key).",
                hint=RING_HINT,
                id="switchboard.E004",
            )
        ]
    if unreadable:
        return [
            checks.Error(
                "The configured PORTAL_ENCRYPTION_KEYS cannot decrypt some of the secrets stored in "
                f"the database: {', '.join(unreadable)}.",
                hint=RING_HINT,
                id="switchboard.E005",
            )
        ]
    return []


@checks.register()
def check_pull_lease(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    """A page in flight must not outlive the lease of the pull it belongs to."""
    if settings.PULL_LEASE_SECONDS > settings.OUTBOUND_PULL_DEADLINE:
        return []
    return [
        checks.Error(
            f"PULL_LEASE_SECONDS ({settings.PULL_LEASE_SECONDS}) must be longer than "
            f"OUTBOUND_PULL_DEADLINE ({settings.OUTBOUND_PULL_DEADLINE:g}): a pull waiting on one slow "
            "page would be taken over by another while it still runs.",
            id="switchboard.E007",
        )
    ]


def startup_guard() -> None:
    """Raise ImproperlyConfigured with every start-up error, for processes Django checks skip."""
    problems = [*check_explicit_secrets(), *check_trusted_proxies(), *check_key_canary()]
    errors = [p for p in problems if p.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(f"{e.msg} {e.hint or ''}".strip() for e in errors))
