"""ipSCAPE simulator: token + either secret key, key rotation, cursor paging, filters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests

from tests.simulators.clients import IPSCAPE_AUTH, TIMEOUT, ipscape
from tests.simulators.conftest import Serve

TOKEN, KEY_1 = IPSCAPE_AUTH
KEY_2 = "sim-ipscape-secret-key-2"
START = datetime(2024, 3, 1, tzinfo=UTC)


def activities(url: str, auth: tuple[str, str] = IPSCAPE_AUTH, **params: Any) -> requests.Response:
    return requests.get(f"{url}/platform-api/v3.0/activities", auth=auth, params=params, timeout=TIMEOUT)


def follow(url: str, **params: Any) -> list[dict[str, Any]]:
    """Every item, following metadata.nextUri to the end."""
    body = activities(url, **params).json()
    items = list(body["items"])
    while body["metadata"]["nextUri"]:
        body = requests.get(url + body["metadata"]["nextUri"], auth=IPSCAPE_AUTH, timeout=TIMEOUT).json()
        items += body["items"]
    return items


def test_either_secret_key_authenticates(serve_app: Serve) -> None:
    url = serve_app(ipscape()).url
    assert activities(url, (TOKEN, KEY_1)).status_code == 200
    assert activities(url, (TOKEN, KEY_2)).status_code == 200


def test_wrong_token_or_key_is_401_in_the_errors_envelope(serve_app: Serve) -> None:
    url = serve_app(ipscape()).url
    expected = {"errors": [{"code": "UNAUTHORIZED", "message": "Invalid API token or secret key"}]}
    for auth in [(TOKEN, "wrong"), ("wrong", KEY_1)]:
        response = activities(url, auth)
        assert response.status_code == 401 and response.json() == expected


def test_unregistered_client_address_is_403(serve_app: Serve) -> None:
    url = serve_app(ipscape(allowed_clients=["192.0.2.1/32"])).url
    response = activities(url)
    assert response.status_code == 403
    assert response.json()["errors"][0]["message"] == "Access denied for IP address 127.0.0.1"


def test_rotating_a_secret_key_invalidates_the_old_one_at_once(serve_app: Serve) -> None:
    url = serve_app(ipscape()).url
    rotated = requests.post(f"{url}/_sim/tokens/{TOKEN}/secret-keys/1/rotate", timeout=TIMEOUT)
    assert rotated.status_code == 200 and rotated.headers["X-Simulator-Only"] == "true"
    new_key = rotated.json()["secret_key"]
    assert activities(url, (TOKEN, KEY_1)).status_code == 401
    assert activities(url, (TOKEN, new_key)).status_code == 200
    assert activities(url, (TOKEN, KEY_2)).status_code == 200
    assert requests.post(f"{url}/_sim/tokens/other/secret-keys/1/rotate", timeout=TIMEOUT).status_code == 404


def test_cursor_paging_returns_every_activity_once_oldest_first(serve_app: Serve) -> None:
    url = serve_app(ipscape(data_size=1234)).url
    first = activities(url).json()
    assert len(first["items"]) == 100
    assert first["metadata"]["nextUri"].startswith("/platform-api/v3.0/activities?cursor=")
    items = follow(url)
    ids = [item["data"]["activityId"] for item in items]
    assert len(ids) == 1234 == len(set(ids))
    created = [item["data"]["timestamps"]["created"] for item in items]
    assert created == sorted(created)


def test_timestamps_use_the_account_offset_without_a_colon(serve_app: Serve) -> None:
    url = serve_app(ipscape(data_start=START, timezone="Australia/Sydney")).url
    created = activities(url).json()["items"][0]["data"]["timestamps"]["created"]
    assert created == "2024-03-01T11:00:00+1100"


def test_created_timestamp_window_and_type_filters(serve_app: Serve) -> None:
    url = serve_app(ipscape(data_size=500, data_start=START, data_spacing_seconds=60)).url
    window: dict[str, Any] = {
        "createdTimestampFrom": "2024-03-01T11:00:00+1100",
        "createdTimestampTo": "2024-03-01T01:00:00Z",
    }
    assert len(follow(url, **window)) == 60
    one_minute: dict[str, Any] = {
        "createdTimestampFrom": "2024-03-01T00:10:00Z",
        "createdTimestampTo": "2024-03-01T00:11:00Z",
    }
    assert len(activities(url, **one_minute).json()["items"]) == 1
    outbound = follow(url, activityType="call.outbound")
    assert 0 < len(outbound) < 500 and {item["type"] for item in outbound} == {"call.outbound"}
    campaign = follow(url, campaignId="2")
    assert campaign and {item["data"]["campaignId"] for item in campaign} == {2}
    assert activities(url, createdTimestampFrom="yesterday").status_code == 400


def test_records_appended_after_a_cursor_are_served_on_the_next_page(serve_app: Serve) -> None:
    sim = ipscape(data_size=150)
    url = serve_app(sim).url
    first = activities(url).json()
    sim.data("activities").append(60)
    rest = follow(url, cursor=first["metadata"]["nextUri"].split("cursor=", 1)[1])
    assert len(first["items"]) + len(rest) == 210
