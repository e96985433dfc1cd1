"""Writing audit events: always inside the transaction of the change they describe."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models, transaction
from django.http import HttpRequest

from integrations.client_address import client_address
from integrations.models import AuditEvent, Integration
from integrations.registry import all_sensitive_fields

_ALWAYS_SECRET = frozenset({"password", "secret", "token", "value", "api_key", "authorization"})


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from where: a signed-in user, or the CLI / the system."""

    user: User | None = None
    label: str = "system"
    source_ip: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> "Actor":
        user = request.user
        # Behind a trusted proxy, the person's address rather than the proxy's.
        address = client_address(request)
        if isinstance(user, AnonymousUser) or not user.is_authenticated:
            return cls(label="anonymous", source_ip=address)
        return cls(user=user, label=user.get_username(), source_ip=address)

    def has_perm(self, perm: str) -> bool:
        # The CLI and the system act with the operator's authority over the machine.
        if self.user is None:
            return self.label in {"cli", "system"}
        return self.user.has_perm(perm)


CLI = Actor(label="cli")
SYSTEM = Actor(label="system")


def _scrub(details: Mapping[str, Any]) -> dict[str, Any]:
    """Belt and braces: drop any value stored under a secret's name, whatever the caller passed."""
    secret_names = all_sensitive_fields() | _ALWAYS_SECRET
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if key.lower() in secret_names:
            clean[key] = "[redacted]"
        elif isinstance(value, Mapping):
            clean[key] = _scrub(value)
        else:
            clean[key] = value
    return clean


def record(
    action: str,
    actor: Actor,
    target: models.Model,
    *,
    integration: Integration | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change it records")
    return AuditEvent.objects.create(
        actor=actor.user,
        actor_label=actor.label,
        action=action,
        target_type=target._meta.model_name or "",
        target_id=str(target.pk or ""),
        target_repr=str(target)[:200],
        integration=integration,
        source_ip=actor.source_ip,
        details=_scrub(details or {}),
    )
