"""Credential versions: create, change (blank secret = keep), stage, promote, roll back, reveal.

One active version per integration, at most one staged (being rotated in), previous ones kept for
rollback until confirmed or past retention, then retired. Every change is audited in its own
transaction; no secret ever enters an audit row.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from integrations.models import ApiToken, CredentialState, CredentialVersion, Integration
from integrations.services import audit
from integrations.services.audit import Actor

EDIT_PERMISSION = "integrations.add_credentialversion"
REVEAL_PERMISSION = "integrations.reveal_secret"
ROTATE_PERMISSION = "integrations.rotate_credentials"
# "Last used" is written at most this often per row: a pull of many pages costs one write a minute.
TOUCH_EVERY = timedelta(minutes=1)


def values_of(version: CredentialVersion | None) -> dict[str, str]:
    """Public and secret values of a version together (decrypts: keep it inside a service)."""
    if version is None:
        return {}
    return {**version.public_values, **(version.secret_values or {})}


def merged_values(
    integration: Integration, changes: Mapping[str, str], base: CredentialVersion | None = None
) -> dict[str, str]:
    """The values of `base` (default: the active version) with `changes`; a blank secret keeps it."""
    connector = integration.connector
    values = values_of(base if base is not None else integration.active_credentials)
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


def changed_fields(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    return sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))


def _set_dates(
    integration: Integration, base: CredentialVersion | None, values: Mapping[str, str]
) -> dict[str, str]:
    """When each secret got its value: kept from `base` for an unchanged one, today for a new one."""
    before = values_of(base)
    now = timezone.now().isoformat()
    dates: dict[str, str] = {}
    for name in integration.connector.sensitive_fields() & set(values):
        if base is not None and before.get(name) == values[name]:
            dates[name] = base.secret_set_at.get(name) or base.created_at.isoformat()
        else:
            dates[name] = now
    return dates


def _new_version(
    integration: Integration,
    values: Mapping[str, str],
    state: str,
    actor: Actor,
    *,
    base: CredentialVersion | None,
    note: str,
    api_token: ApiToken | None = None,
) -> CredentialVersion:
    """Inside the caller's transaction: a new version numbered after every other."""
    sensitive = integration.connector.sensitive_fields()
    latest = integration.credential_versions.aggregate(n=Max("version"))["n"] or 0
    version = CredentialVersion(
        integration=integration,
        version=latest + 1,
        state=state,
        public_values={k: v for k, v in values.items() if k not in sensitive},
        note=note[:200],
        created_by=actor.user,
        activated_at=timezone.now() if state == CredentialState.ACTIVE else None,
        secret_set_at=_set_dates(integration, base, values),
        api_token=api_token,
        expires_at=api_token.expires_at if api_token else None,
    )
    version.set_secrets({k: v for k, v in values.items() if k in sensitive})
    version.save()
    return version


def _locked_active(integration: Integration) -> CredentialVersion | None:
    return (
        CredentialVersion.objects.select_for_update()
        .filter(integration=integration, state=CredentialState.ACTIVE)
        .first()
    )


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
    with transaction.atomic():
        active = _locked_active(integration)
        before = values_of(active)
        if active and before == values:
            return None
        if active:
            active.state = CredentialState.PREVIOUS
            active.save(update_fields=["state"])
        # A version that keeps the minted token keeps the link to it (its expiry, its last use).
        token = active.api_token if active and _same_token(integration, before, values) else None
        version = _new_version(
            integration, values, CredentialState.ACTIVE, actor, base=active, note=note, api_token=token
        )
        audit.record(
            "credential.create" if active is None else "credential.change",
            actor,
            version,
            integration=integration,
            details={
                "version": version.version,
                "fields_changed": changed_fields(before, values),
                "note": note[:200],
            },
        )
    return version


def _same_token(integration: Integration, before: Mapping[str, str], after: Mapping[str, str]) -> bool:
    name = integration.connector.rotation.token_field
    return bool(name) and before.get(name) == after.get(name)


def stage(
    integration: Integration,
    values: Mapping[str, str],
    actor: Actor,
    *,
    note: str,
    api_token: ApiToken | None = None,
) -> CredentialVersion:
    """A staged version holding complete `values`: nothing uses it until it is promoted."""
    if not actor.has_perm(ROTATE_PERMISSION):
        raise PermissionDenied("You may not rotate credentials.")
    validate(integration, values)
    with transaction.atomic():
        active = _locked_active(integration)
        before = values_of(active)
        if active is not None and before == dict(values):
            raise ValidationError("That is the value already in use: nothing to rotate to.")
        for old in CredentialVersion.objects.filter(integration=integration, state=CredentialState.STAGED):
            # One staged at a time: an earlier attempt (a failed verification) is retired.
            _retire(old, actor, "replaced by a newer staged value")
        version = _new_version(
            integration, values, CredentialState.STAGED, actor, base=active, note=note, api_token=api_token
        )
        audit.record(
            "credential.stage",
            actor,
            version,
            integration=integration,
            details={"version": version.version, "fields_changed": changed_fields(before, values)},
        )
    return version


def promote(candidate: CredentialVersion, actor: Actor) -> CredentialVersion | None:
    """The staged `candidate` becomes active; the active one is kept as previous. Returns that one."""
    if not actor.has_perm(ROTATE_PERMISSION):
        raise PermissionDenied("You may not rotate credentials.")
    integration = candidate.integration
    with transaction.atomic():
        active = _locked_active(integration)
        current = CredentialVersion.objects.select_for_update().get(pk=candidate.pk)
        if current.state != CredentialState.STAGED:
            raise ValidationError(f"Version {current.version} is {current.state}, not staged.")
        details = {"version": current.version, "previous": active.version if active else None}
        _switch(active, current, CredentialState.PREVIOUS, "credential.promote", actor, details)
    candidate.refresh_from_db()
    return active


def _switch(
    active: CredentialVersion | None,
    target: CredentialVersion,
    demote_to: str,
    action: str,
    actor: Actor,
    details: dict[str, Any],
) -> None:
    """Inside the caller's transaction: `target` becomes active, `active` becomes `demote_to`."""
    if active is not None:
        active.state = demote_to
        active.save(update_fields=["state"])
    target.state, target.activated_at = CredentialState.ACTIVE, timezone.now()
    target.save(update_fields=["state", "activated_at"])
    audit.record(action, actor, target, integration=target.integration, details=details)


def discard(version: CredentialVersion, actor: Actor, why: str) -> None:
    """A staged version that will not be used (failed verification, abandoned rotation)."""
    with transaction.atomic():
        if CredentialVersion.objects.filter(pk=version.pk, state=CredentialState.STAGED).exists():
            _retire(version, actor, why)


def _retire(version: CredentialVersion, actor: Actor, why: str) -> None:
    was = version.state
    version.state = CredentialState.RETIRED
    version.save(update_fields=["state"])
    audit.record(
        "credential.retire",
        actor,
        version,
        integration=version.integration,
        details={"version": version.version, "was": was, "why": why},
    )


def retire(version: CredentialVersion, actor: Actor, why: str) -> None:
    """A previous version that can no longer work (its token revoked): out of rollback's reach."""
    with transaction.atomic():
        if CredentialVersion.objects.filter(pk=version.pk, state=CredentialState.PREVIOUS).exists():
            _retire(version, actor, why)


def rollback_target(integration: Integration) -> CredentialVersion | None:
    return (
        CredentialVersion.objects.filter(integration=integration, state=CredentialState.PREVIOUS)
        .order_by("-version")
        .first()
    )


def rollback(integration: Integration, actor: Actor) -> CredentialVersion:
    """The newest previous version becomes active again; the one rolled back from is retired."""
    if not actor.has_perm(ROTATE_PERMISSION):
        raise PermissionDenied("You may not roll back credentials.")
    with transaction.atomic():
        active = _locked_active(integration)
        target = (
            CredentialVersion.objects.select_for_update()
            .filter(integration=integration, state=CredentialState.PREVIOUS)
            .order_by("-version")
            .first()
        )
        if target is None:
            raise ValidationError("There is no previous version to roll back to.")
        details = {"version": target.version, "rolled_back_from": active.version if active else None}
        _switch(active, target, CredentialState.RETIRED, "credential.rollback", actor, details)
    return target


def confirm(integration: Integration, actor: Actor) -> int:
    """The operator is satisfied with the active version: the previous ones are retired."""
    if not actor.has_perm(ROTATE_PERMISSION):
        raise PermissionDenied("You may not rotate credentials.")
    with transaction.atomic():
        previous = list(
            CredentialVersion.objects.select_for_update().filter(
                integration=integration, state=CredentialState.PREVIOUS
            )
        )
        for version in previous:
            _retire(version, actor, "confirmed: the active version works")
    return len(previous)


def retire_old_previous(retention: timedelta, actor: Actor, now: datetime | None = None) -> int:
    """Previous versions replaced longer than `retention` ago are retired (the scheduled task)."""
    cutoff = (now or timezone.now()) - retention
    count = 0
    stale = CredentialVersion.objects.filter(state=CredentialState.PREVIOUS).select_related("integration")
    for version in stale:
        newer = CredentialVersion.objects.filter(
            integration=version.integration, version__gt=version.version, activated_at__isnull=False
        ).aggregate(at=Max("activated_at"))["at"]
        if newer is not None and newer <= cutoff:
            retire(version, actor, f"kept {retention.days} days for rollback")
            count += 1
    return count


def touch(version_id: int | None, token_id: int | None = None, now: datetime | None = None) -> None:
    """Record a use: at most one write a minute per row (a pull of a thousand pages is one write)."""
    now = now or timezone.now()
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)
    if version_id is not None:
        CredentialVersion.objects.filter(stale, pk=version_id).update(last_used_at=now)
        row = CredentialVersion.objects.filter(pk=version_id).values_list("api_token_id", flat=True).first()
        token_id = token_id or row
    if token_id is not None:
        token = ApiToken.objects.filter(stale, pk=token_id).first()
        if token is not None:
            # An idle expiry (VoIPstudio) moves with every use.
            expires = now + timedelta(seconds=token.idle_seconds) if token.idle_seconds else token.expires_at
            ApiToken.objects.filter(stale, pk=token_id).update(last_used_at=now, expires_at=expires)
            if token.idle_seconds:
                CredentialVersion.objects.filter(api_token_id=token_id).update(expires_at=expires)


def mark_verified(version: CredentialVersion | None, token: ApiToken | None = None) -> None:
    now = timezone.now()
    if version is not None:
        CredentialVersion.objects.filter(pk=version.pk).update(last_verified_at=now)
        token = token or version.api_token
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_verified_at=now)


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
