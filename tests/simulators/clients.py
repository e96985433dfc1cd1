"""Tiny per-vendor clients shared by the simulator tests (plain ``requests`` over loopback)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from integrations.simkit import SimulatorApp
from integrations.vendors.collect.simulator import CollectSettings, CollectSimulator
from integrations.vendors.ipscape.simulator import IpscapeSettings, IpscapeSimulator
from integrations.vendors.vcclive.simulator import VccLiveSettings, VccLiveSimulator
from integrations.vendors.voipcloud.simulator import VoipCloudSettings, VoipCloudSimulator
from integrations.vendors.voipstudio.simulator import VoipStudioSettings, VoipStudioSimulator

TIMEOUT = 5.0
SMALL: dict[str, Any] = {"data_size": 50, "seed": 7}
Probe = Callable[..., requests.Response]

VCC_AUTH = ("sim-customer", "sim-vcclive-password")
VOIPSTUDIO_LOGIN = {"email": "sim-user@example.test", "password": "sim-voipstudio-password"}
COLLECT_LOGIN = {"op_id": "SIM", "op_password": "sim-collect-password"}
IPSCAPE_AUTH = ("sim-ipscape-api-token", "sim-ipscape-secret-key-1")
VOIPCLOUD_KEY = {"token": "sim-voipcloud-api-key"}


def vcclive(**settings: Any) -> VccLiveSimulator:
    return VccLiveSimulator(VccLiveSettings(**{**SMALL, **settings}))


def voipstudio(**settings: Any) -> VoipStudioSimulator:
    return VoipStudioSimulator(VoipStudioSettings(**{**SMALL, **settings}))


def collect(**settings: Any) -> CollectSimulator:
    return CollectSimulator(CollectSettings(**{**SMALL, **settings}))


def ipscape(**settings: Any) -> IpscapeSimulator:
    return IpscapeSimulator(IpscapeSettings(**{**SMALL, **settings}))


def voipcloud(**settings: Any) -> VoipCloudSimulator:
    return VoipCloudSimulator(VoipCloudSettings(**{**SMALL, **settings}))


def voipstudio_token(url: str) -> str:
    response = requests.post(f"{url}/v1.2/voipstudio/login", json=VOIPSTUDIO_LOGIN, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return str(response.json()["user_token"])


def collect_tokens(url: str) -> dict[str, Any]:
    """The login answer's `result`: nx_operator, access_token, refresh_token."""
    response = requests.post(f"{url}/api/v1/auth/login", json=COLLECT_LOGIN, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == 200
    return dict(body["result"])


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _vcclive_probe(url: str) -> Probe:
    return lambda timeout=TIMEOUT: requests.get(f"{url}/v2/projects", auth=VCC_AUTH, timeout=timeout)


def _voipstudio_probe(url: str) -> Probe:
    headers = {"X-Auth-Token": voipstudio_token(url)}
    return lambda timeout=TIMEOUT: requests.get(f"{url}/v1.2/voipstudio/me", headers=headers, timeout=timeout)


def _collect_probe(url: str) -> Probe:
    headers = bearer(collect_tokens(url))
    target = f"{url}/api/v1/collect/data/operator?limit=1"
    return lambda timeout=TIMEOUT: requests.get(target, headers=headers, timeout=timeout)


def _ipscape_probe(url: str) -> Probe:
    target = f"{url}/platform-api/v3.0/activities"
    return lambda timeout=TIMEOUT: requests.get(target, auth=IPSCAPE_AUTH, timeout=timeout)


def _voipcloud_probe(url: str) -> Probe:
    target = f"{url}/api/integration/v2/get-user-calls?limit=1"
    return lambda timeout=TIMEOUT: requests.get(target, headers=VOIPCLOUD_KEY, timeout=timeout)


@dataclass(frozen=True)
class Case:
    """One vendor: how to build its simulator, log in and make its cheap authenticated call."""

    key: str
    make: Callable[..., SimulatorApp[Any]]
    connect: Callable[[str], Probe]  # logs in if the vendor needs it, returns the probe
    too_many: dict[str, Any]  # the vendor's 429 body
    server_error: dict[str, Any]  # the vendor's 500 body


CASES = [
    Case(
        "vcclive",
        vcclive,
        _vcclive_probe,
        {"response": None, "errors": ["Too many requests"]},
        {"response": None, "errors": ["Internal server error"]},
    ),
    Case(
        "voipstudio",
        voipstudio,
        _voipstudio_probe,
        {"message": "Too many requests", "errors": []},
        {"message": "Internal server error", "errors": []},
    ),
    Case(
        "collect",
        collect,
        _collect_probe,
        {"status": 429, "message": "Too many requests"},
        {"status": 500, "message": "Internal server error"},
    ),
    Case(
        "ipscape",
        ipscape,
        _ipscape_probe,
        {"errors": [{"code": "TOO_MANY_REQUESTS", "message": "Too many requests"}]},
        {"errors": [{"code": "SERVER_ERROR", "message": "Internal server error"}]},
    ),
    Case(
        "voipcloud",
        voipcloud,
        _voipcloud_probe,
        {"code": 429, "message": "Too many requests"},
        {"code": 500, "message": "Internal server error"},
    ),
]
