"""One sandbox integration per vendor, pointing at the local simulators (`make run`)."""

from django.db import transaction

from integrations.models import Integration
from integrations.services.audit import Actor
from integrations.services.integrations import create_integration
from integrations.simkit.sandbox import sandbox_config


def ensure_sandbox_integrations(host: str, port_base: int, actor: Actor) -> list[str]:
    """Create the missing `sandbox-<vendor>` integrations; returns the names created."""
    created = []
    for vendor, account in sandbox_config(host, port_base).items():
        name = f"sandbox-{vendor}"
        if Integration.objects.filter(name=name).exists():
            continue
        with transaction.atomic():
            create_integration(
                vendor=vendor,
                name=name,
                credential_values=account["credentials"],
                actor=actor,
                base_url_override=account["base_url"],
                notes="Sandbox: talks to the local vendor simulators (python manage.py simulate).",
            )
        created.append(name)
    return created
