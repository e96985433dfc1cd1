# accounts and lockout: login protection (second-factor reset, lockouts and unlocking).
from integrations.admin import (
    accounts,
    audit,
    integrations,
    lockout,
    portal_tokens,
    pulls,
    reports,
    runs,
    webhooks,
    workers,
)

__all__ = [
    "accounts",
    "audit",
    "integrations",
    "lockout",
    "portal_tokens",
    "pulls",
    "reports",
    "runs",
    "webhooks",
    "workers",
]
