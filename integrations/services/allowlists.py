"""Allowlist entries: add, remove, list. Every change audited in its own transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from integrations.addresses import normalize_network
from integrations.models import AllowlistEntry, AllowlistKind, Integration
from integrations.services import audit
from integrations.services.audit import Actor


def add_entry(
    integration: Integration, cidr: str, actor: Actor, kind: str = AllowlistKind.INBOUND, note: str = ""
) -> AllowlistEntry:
    if not actor.has_perm("integrations.add_allowlistentry"):
        raise PermissionDenied("You may not change allowlists.")
    if kind not in AllowlistKind.values:
        raise ValidationError(f"kind must be one of {', '.join(AllowlistKind.values)}")
    network = normalize_network(cidr)
    if AllowlistEntry.objects.filter(integration=integration, kind=kind, cidr=network).exists():
        raise ValidationError(f"{network} is already on the {kind} allowlist of {integration}.")
    with transaction.atomic():
        entry = AllowlistEntry.objects.create(
            integration=integration, kind=kind, cidr=network, note=note, created_by=actor.user
        )
        audit.record(
            "allowlist.add",
            actor,
            entry,
            integration=integration,
            details={"cidr": network, "kind": kind, "note": note},
        )
    return entry


def remove_entry(
    integration: Integration, cidr: str, actor: Actor, kind: str = AllowlistKind.INBOUND
) -> None:
    if not actor.has_perm("integrations.delete_allowlistentry"):
        raise PermissionDenied("You may not change allowlists.")
    network = normalize_network(cidr)
    with transaction.atomic():
        entry = AllowlistEntry.objects.filter(integration=integration, kind=kind, cidr=network).first()
        if entry is None:
            raise ValidationError(f"{network} is not on the {kind} allowlist of {integration}.")
        audit.record(
            "allowlist.remove",
            actor,
            entry,
            integration=integration,
            details={"cidr": network, "kind": kind},
        )
        entry.delete()
