"""One sandbox integration per vendor, pointing at the local simulators (`make run`)."""

from django.db import transaction

from integrations.models import AllowlistKind, Integration
from integrations.services import allowlists
from integrations.services.audit import Actor
from integrations.services.integrations import create_integration
from integrations.simkit.sandbox import sandbox_config

# The simulated PBX posts its webhooks from loopback (POST /_sim/webhooks/send on its port).
SANDBOX_INBOUND = {"voipcloud": ("127.0.0.1", "::1")}


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
    for vendor, addresses in SANDBOX_INBOUND.items():
        _allow_inbound(f"sandbox-{vendor}", addresses, actor)
    return created


def _allow_inbound(name: str, addresses: tuple[str, ...], actor: Actor) -> None:
    """Put loopback on the sandbox integration's inbound allowlist (once; an admin may remove it)."""
    integration = Integration.objects.filter(name=name).first()
    if integration is None or integration.allowlist.filter(kind=AllowlistKind.INBOUND).exists():
        return
    for address in addresses:
        allowlists.add_entry(
            integration, address, actor, note="Sandbox: the simulated PBX posts webhooks from loopback."
        )
