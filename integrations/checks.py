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


@checks.register(checks.Tags.database)
def check_key_canary(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    from integrations.services.keys import CanaryStatus, verify_canary

    try:
        status = verify_canary()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="switchboard.E003")]
    except DatabaseError:
        return []  # not migrated yet: nothing stored to check
    if status is CanaryStatus.UNREADABLE:
        return [
            checks.Error(
                "The configured PORTAL_ENCRYPTION_KEYS cannot decrypt the secrets stored in the "
                "database (the key canary does not open).",
                hint="Put the key the data was written with back into PORTAL_ENCRYPTION_KEYS, after "
                "the new one (NEW,OLD), start again and run `manage.py rotate_encryption_key`; "
                "remove the old key only after that.",
                id="switchboard.E004",
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
            id="switchboard.E005",
        )
    ]


def startup_guard() -> None:
    """Raise ImproperlyConfigured with every start-up error, for processes Django checks skip."""
    problems = [*check_explicit_secrets(), *check_key_canary()]
    errors = [p for p in problems if p.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(f"{e.msg} {e.hint or ''}".strip() for e in errors))
