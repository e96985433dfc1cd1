"""The sandbox: one fake account per vendor, all five simulators served on loopback.

``python manage.py simulate`` serves these on ports ``port_base + SANDBOX_PORT_OFFSETS[key]``;
``--print-config`` prints ``sandbox_config(host, port_base)``.  Every credential here is a fixed,
obviously fake sandbox value.

This is the one simkit module that imports the vendors' simulators (the package ``__init__``
does not import it, so the vendors can import simkit without a cycle).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from integrations.vendors.collect.simulator import CollectSettings, CollectSimulator
from integrations.vendors.ipscape.simulator import IpscapeSettings, IpscapeSimulator
from integrations.vendors.vcclive.simulator import VccLiveSettings, VccLiveSimulator
from integrations.vendors.voipcloud.simulator import VoipCloudSettings, VoipCloudSimulator
from integrations.vendors.voipstudio.simulator import VoipStudioSettings, VoipStudioSimulator

from .app import SimulatorApp
from .clock import SimClock
from .server import RunningServer, serve
from .settings import LOOPBACK

SANDBOX_PORT_OFFSETS: dict[str, int] = {
    "vcclive": 0,
    "voipstudio": 1,
    "collect": 2,
    "ipscape": 3,
    "voipcloud": 4,
}
BASE_PATHS: dict[str, str] = {
    "vcclive": VccLiveSimulator.base_path,
    "voipstudio": VoipStudioSimulator.base_path,
    "collect": CollectSimulator.base_path,
    "ipscape": IpscapeSimulator.base_path,
    "voipcloud": VoipCloudSimulator.base_path,
}
SANDBOX_RECORDS = 3000  # per call-like resource
SANDBOX_DAYS = 30

# Fixed, obviously fake sandbox credentials (field names as in DESIGN.md's credential table).
SANDBOX_VCCLIVE = {"customer": "sandbox", "password": "sandbox-vcclive-password"}
SANDBOX_VOIPSTUDIO = {"email": "sandbox@example.test", "password": "sandbox-voipstudio-password"}
SANDBOX_COLLECT = {"op_id": "SANDBOX", "op_password": "sandbox-collect-password"}
SANDBOX_IPSCAPE = {
    "subdomain": "sandbox",
    "api_token": "sandbox-ipscape-api-token",
    "secret_key_1": "sandbox-ipscape-secret-key-1",
    "secret_key_2": "sandbox-ipscape-secret-key-2",
    "active_key": "1",
}
SANDBOX_VOIPCLOUD = {
    "api_key": "sandbox-voipcloud-api-key",
    "webhook_secret": "sandbox-voipcloud-webhook-secret",
}


def sandbox_apps(clock: SimClock | None = None) -> dict[str, SimulatorApp[Any]]:
    """The five sandbox simulators: a few thousand records each over the last 30 days."""
    clock = clock or SimClock()
    span = timedelta(days=SANDBOX_DAYS)
    common: dict[str, Any] = {
        "data_size": SANDBOX_RECORDS,
        "data_start": (clock.now() - span).replace(microsecond=0),
        "data_spacing_seconds": span.total_seconds() / SANDBOX_RECORDS,
        "seed": 2024,
        # The sandbox registers loopback in the vendors' IP firewalls, so the firewall is on.
        "allowed_clients": list(LOOPBACK),
    }
    return {
        "vcclive": VccLiveSimulator(
            VccLiveSettings(
                customer=SANDBOX_VCCLIVE["customer"], password=SANDBOX_VCCLIVE["password"], **common
            ),
            clock=clock,
        ),
        "voipstudio": VoipStudioSimulator(
            VoipStudioSettings(
                email=SANDBOX_VOIPSTUDIO["email"], password=SANDBOX_VOIPSTUDIO["password"], **common
            ),
            clock=clock,
        ),
        "collect": CollectSimulator(
            CollectSettings(
                op_id=SANDBOX_COLLECT["op_id"], op_password=SANDBOX_COLLECT["op_password"], **common
            ),
            clock=clock,
        ),
        "ipscape": IpscapeSimulator(
            IpscapeSettings(
                subdomain=SANDBOX_IPSCAPE["subdomain"],
                api_token=SANDBOX_IPSCAPE["api_token"],
                secret_key_1=SANDBOX_IPSCAPE["secret_key_1"],
                secret_key_2=SANDBOX_IPSCAPE["secret_key_2"],
                **common,
            ),
            clock=clock,
        ),
        "voipcloud": VoipCloudSimulator(
            VoipCloudSettings(
                api_key=SANDBOX_VOIPCLOUD["api_key"],
                webhook_secret=SANDBOX_VOIPCLOUD["webhook_secret"],
                **common,
            ),
            clock=clock,
        ),
    }


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _entry(key: str, host: str, port: int) -> dict[str, Any]:
    base_url = f"http://{_url_host(host)}:{port}{BASE_PATHS[key]}"
    credentials: dict[str, str] = {
        "vcclive": SANDBOX_VCCLIVE,
        "voipstudio": SANDBOX_VOIPSTUDIO,
        "collect": SANDBOX_COLLECT,
        "ipscape": SANDBOX_IPSCAPE,
        # The PBX's host name (the base URL, which carries the port, is what requests use).
        "voipcloud": {"pbx_host": host, **SANDBOX_VOIPCLOUD},
    }[key]
    return {"base_url": base_url, "credentials": dict(credentials)}


def sandbox_config(host: str, port_base: int) -> dict[str, dict[str, Any]]:
    """``{"<vendor key>": {"base_url": ..., "credentials": {field: value}}}`` for the sandbox."""
    return {key: _entry(key, host, port_base + offset) for key, offset in SANDBOX_PORT_OFFSETS.items()}


def servers_config(servers: dict[str, RunningServer]) -> dict[str, dict[str, Any]]:
    """Like ``sandbox_config`` for servers that ``serve_all`` started (e.g. on ephemeral ports)."""
    return {key: _entry(key, server.host, server.port) for key, server in servers.items()}


def serve_all(host: str = "127.0.0.1", port_base: int = 0) -> dict[str, RunningServer]:
    """Serve the five sandbox simulators; ``port_base`` 0 = five ephemeral ports."""
    servers: dict[str, RunningServer] = {}
    try:
        for key, app in sandbox_apps().items():
            port = port_base + SANDBOX_PORT_OFFSETS[key] if port_base else 0
            servers[key] = serve(app, host, port)
    except OSError:
        for server in servers.values():
            server.shutdown()
        raise
    return servers
