"""Credential versions: create, change (blank secret = keep), reveal. Every step audited."""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from integrations.models import CredentialState, CredentialVersion, Integration
from integrations.services import audit
from integrations.services.audit import Actor

EDIT_PERMISSION = "integrations.add_credentialversion"
REVEAL_PERMISSION = "integrations.reveal_secret"


def merged_values(integration: Integration, changes: Mapping[str, str]) -> dict[str, str]:
    """The active values with `changes` applied; a blank secret keeps the stored one."""
    connector = integration.connector
    active = integration.active_credentials
    values: dict[str, str] = {}
    if active:
        values.update(active.public_values)
        values.update(active.secret_values or {})
    for name, value in changes.items():
        f = connector.field(name)
        if f is not None and f.secret and value == "" and name in values:
            continue
        values[name] = value
    return {name: value for name, value in values.items() if value != ""}


def validate(integration: Integration, values: Mapping[str, str]) -> None:
    """Errors by field name, each a sentence naming the field by its label ("API password is required")."""
    connector = integration.connector
    errors = connector.validate_credentials(values)
    if errors:
        labelled: dict[str, list[str]] = {}
        for name, message in errors.items():
            f = connector.field(name)
            # An unknown name has no label: its message already says what is wrong with it.
            labelled[name] = [f"{f.label} {message}" if f else message]
        raise ValidationError(labelled)


def save_credentials(
    integration: Integration, changes: Mapping[str, str], actor: Actor, note: str = ""
) -> CredentialVersion | None:
    """Store a new active version when anything changed; the old one is kept for rollback.

    Returns None when nothing changed. Raises ValidationError (nothing saved) on bad input.
    """
    if not actor.has_perm(EDIT_PERMISSION):
        raise PermissionDenied("You may not edit credentials.")
    values = merged_values(integration, changes)
    validate(integration, values)
    sensitive = integration.connector.sensitive_fields()
    public = {k: v for k, v in values.items() if k not in sensitive}
    secrets = {k: v for k, v in values.items() if k in sensitive}
    with transaction.atomic():
        active = (
            CredentialVersion.objects.select_for_update()
            .filter(integration=integration, state=CredentialState.ACTIVE)
            .first()
        )
        before = {**active.public_values, **(active.secret_values or {})} if active else {}
        if active and before == values:
            return None
        changed = sorted(n for n in set(before) | set(values) if before.get(n) != values.get(n))
        if active:
            active.state = CredentialState.PREVIOUS
            active.save(update_fields=["state"])
        latest = integration.credential_versions.aggregate(n=Max("version"))["n"] or 0
        version = CredentialVersion(
            integration=integration,
            version=latest + 1,
            state=CredentialState.ACTIVE,
            public_values=public,
            note=note[:200],
            created_by=actor.user,
            activated_at=timezone.now(),
        )
        version.set_secrets(secrets)
        version.save()
        audit.record(
            "credential.create" if active is None else "credential.change",
            actor,
            version,
            integration=integration,
            details={"version": version.version, "fields_changed": changed, "note": note[:200]},
        )
    return version


def reveal(integration: Integration, field_name: str, actor: Actor) -> str:
    """The plaintext of one secret of the active version, for a person allowed to see it."""
    if not actor.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied("You may not reveal secrets.")
    if field_name not in integration.connector.sensitive_fields():
        raise ValidationError(f"{field_name!r} is not a secret field of {integration.vendor_label}.")
    with transaction.atomic():
        active = integration.active_credentials
        if active is None:
            raise ValidationError("This integration has no credentials yet.")
        audit.record(
            "credential.reveal",
            actor,
            active,
            integration=integration,
            details={"field": field_name, "version": active.version},
        )
        return active.secret(field_name)
