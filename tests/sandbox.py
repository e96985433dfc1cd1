"""Vendor simulators as real servers on ephemeral loopback ports, with an integration for each."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from integrations.models import Integration
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration
from integrations.simkit import RunningServer, SimulatorApp, serve
from integrations.simkit.sandbox import sandbox_apps, servers_config

VENDOR_KEYS = ("vcclive", "voipstudio", "collect", "ipscape", "voipcloud")


@dataclass
class Sandbox:
    vendor: str
    app: SimulatorApp[Any]
    server: RunningServer
    integration: Integration


class SandboxFactory:
    def __init__(self) -> None:
        self.servers: list[RunningServer] = []

    def __call__(
        self,
        vendor: str,
        *,
        name: str | None = None,
        credentials: dict[str, str] | None = None,
        **sim_settings: Any,
    ) -> Sandbox:
        app, server, entry = self.simulator(vendor, **sim_settings)
        integration = create_integration(
            vendor=vendor,
            name=name or f"sim-{vendor}",
            credential_values={**entry["credentials"], **(credentials or {})},
            actor=CLI,
            base_url_override=entry["base_url"],
        )
        return Sandbox(vendor, app, server, integration)

    def simulator(
        self, vendor: str, **sim_settings: Any
    ) -> tuple[SimulatorApp[Any], RunningServer, dict[str, Any]]:
        """A served simulator and its sandbox account (`base_url`, `credentials`), no integration."""
        app = sandbox_apps()[vendor]
        if sim_settings:
            app.configure(**sim_settings)
        server = serve(app, "127.0.0.1", 0)
        self.servers.append(server)
        return app, server, servers_config({vendor: server})[vendor]

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()


@pytest.fixture
def sandbox(db: None, settings: Any) -> Iterator[SandboxFactory]:
    """`sandbox("vcclive", fault="500")` → a served simulator and an integration pointing at it."""
    settings.ALLOW_PRIVATE_TARGETS = True
    settings.OUTBOUND_READ_TIMEOUT = 0.5
    settings.OUTBOUND_CONNECT_TIMEOUT = 0.5
    factory = SandboxFactory()
    yield factory
    factory.close()
