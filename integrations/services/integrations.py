"""Creating integrations (with their first credentials) and deleting them, each in one audited
transaction."""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from integrations.models import Integration
from integrations.registry import UnknownVendor, get_connector
from integrations.services import audit, credentials, schedules
from integrations.services.audit import Actor


def create_integration(
    *,
    vendor: str,
    name: str,
    credential_values: Mapping[str, str],
    actor: Actor,
    base_url_override: str = "",
    timezone: str = "UTC",
    notes: str = "",
) -> Integration:
    """Validate everything first; then create the integration and its first credential version."""
    if not actor.has_perm("integrations.add_integration"):
        raise PermissionDenied("You may not add integrations.")
    try:
        connector = get_connector(vendor)
    except UnknownVendor as exc:
        raise ValidationError({"vendor": str(exc)}) from None
    integration = Integration(
        vendor=vendor, name=name, base_url_override=base_url_override, timezone=timezone, notes=notes
    )
    if actor.user is not None:
        integration.owner = actor.user
    integration.full_clean()
    values = {k: v for k, v in credential_values.items() if v != ""}
    credentials.validate(integration, values)
    if not base_url_override and connector.default_base_url(values) is None:
        raise ValidationError(
            {"base_url_override": f"{connector.label} has no default address: give a base URL."}
        )
    with transaction.atomic():
        integration.save()
        audit.record(
            "integration.create", actor, integration, integration=integration, details={"vendor": vendor}
        )
        credentials.save_credentials(integration, values, actor, note="initial credentials")
    return integration


def delete_integration(integration: Integration, actor: Actor) -> None:
    """Delete an integration with everything that belongs to it; the audit row outlives it.

    Its schedules go first through `schedules.remove`, so their beat tasks go too (a beat task
    left behind would keep trying to pull an integration that no longer exists).
    """
    if not actor.has_perm("integrations.delete_integration"):
        raise PermissionDenied("You may not delete integrations.")
    with transaction.atomic():
        for schedule in integration.pull_schedules.all():
            schedules.remove(schedule, actor)
        audit.record(
            "integration.delete",
            actor,
            integration,
            integration=integration,  # set to NULL by the delete; the name stays in the row
            details={
                "name": integration.name,
                "vendor": integration.vendor,
                "credential_versions": integration.credential_versions.count(),
                "allowlist_entries": integration.allowlist.count(),
                "api_tokens": integration.api_tokens.count(),
                "test_runs": integration.test_runs.count(),
                "pull_runs": integration.pull_runs.count(),
                "call_records": integration.call_records.count(),
            },
        )
        integration.delete()
