"""The sandbox: its config shape, credential field names, and all five simulators serving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from integrations.simkit import RunningServer
from integrations.simkit.sandbox import SANDBOX_PORT_OFFSETS, sandbox_config, serve_all, servers_config

TIMEOUT = 5


@pytest.fixture
def sandbox() -> Any:
    servers = serve_all("127.0.0.1", 0)
    yield servers
    for server in servers.values():
        server.shutdown()


def test_sandbox_config_has_base_urls_and_the_design_credential_fields() -> None:
    config = sandbox_config("127.0.0.1", 8701)
    assert SANDBOX_PORT_OFFSETS == {"vcclive": 0, "voipstudio": 1, "collect": 2, "ipscape": 3, "voipcloud": 4}
    assert {key: entry["base_url"] for key, entry in config.items()} == {
        "vcclive": "http://127.0.0.1:8701/v2/",
        "voipstudio": "http://127.0.0.1:8702/v1.2/voipstudio/",
        "collect": "http://127.0.0.1:8703/api/v1/",
        "ipscape": "http://127.0.0.1:8704/platform-api/v3.0/",
        "voipcloud": "http://127.0.0.1:8705/api/integration/v2/",
    }
    fields = {key: sorted(entry["credentials"]) for key, entry in config.items()}
    assert fields == {
        "vcclive": ["customer", "password"],
        "voipstudio": ["email", "password"],
        "collect": ["op_id", "op_password"],
        "ipscape": ["active_key", "api_token", "secret_key_1", "secret_key_2", "subdomain"],
        "voipcloud": ["api_key", "pbx_host", "webhook_secret"],
    }
    assert config["ipscape"]["credentials"]["active_key"] == "1"
    assert all(set(entry) == {"base_url", "credentials"} for entry in config.values())


def test_every_sandbox_account_passes_its_connectivity_test(sandbox: dict[str, RunningServer]) -> None:
    config = servers_config(sandbox)
    vcc = config["vcclive"]
    creds = vcc["credentials"]
    assert requests.get(
        vcc["base_url"] + "projects", auth=(creds["customer"], creds["password"]), timeout=5
    ).ok

    studio = config["voipstudio"]
    login = requests.post(studio["base_url"] + "login", json=studio["credentials"], timeout=TIMEOUT).json()
    assert requests.get(
        studio["base_url"] + "me", headers={"X-Auth-Token": login["user_token"]}, timeout=5
    ).ok

    col = config["collect"]
    tokens = requests.post(col["base_url"] + "auth/login", json=col["credentials"], timeout=TIMEOUT).json()
    headers = {"Authorization": f"Bearer {tokens['result']['access_token']}"}
    assert requests.get(col["base_url"] + "collect/data/operator?limit=1", headers=headers, timeout=5).ok

    ips = config["ipscape"]
    c = ips["credentials"]
    window = {
        "createdTimestampFrom": "2024-01-01T00:00:00+0000",
        "createdTimestampTo": "2024-01-01T00:01:00+0000",
    }
    auth = (c["api_token"], c[f"secret_key_{c['active_key']}"])
    assert requests.get(ips["base_url"] + "activities", params=window, auth=auth, timeout=TIMEOUT).ok

    cloud = config["voipcloud"]
    key = {"token": cloud["credentials"]["api_key"]}
    assert requests.get(cloud["base_url"] + "get-user-calls?limit=1", headers=key, timeout=TIMEOUT).ok


def test_sandbox_data_spreads_a_few_thousand_calls_over_the_last_30_days(
    sandbox: dict[str, RunningServer],
) -> None:
    cloud = servers_config(sandbox)["voipcloud"]
    key = {"token": cloud["credentials"]["api_key"]}
    newest = requests.get(
        cloud["base_url"] + "get-user-calls", params={"limit": 1}, headers=key, timeout=5
    ).json()
    ascending: dict[str, Any] = {"limit": 10_000, "sort_by": "oldest_first"}
    every = requests.get(
        cloud["base_url"] + "get-user-calls", params=ascending, headers=key, timeout=5
    ).json()
    assert 1000 <= len(every["data"]) < 10_000
    now = datetime.now(UTC)
    newest_at = datetime.fromisoformat(newest["data"][0]["call_start_at"])
    oldest_at = datetime.fromisoformat(every["data"][0]["call_start_at"])
    assert now - timedelta(days=1) < newest_at <= now
    assert now - timedelta(days=31) < oldest_at < now - timedelta(days=29)
