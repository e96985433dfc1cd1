"""Creating integrations (with their first credentials) in one audited transaction."""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from integrations.models import Integration
from integrations.registry import UnknownVendor, get_connector
from integrations.services import audit, credentials
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
