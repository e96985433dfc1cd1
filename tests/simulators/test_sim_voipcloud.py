"""VoIPcloud simulator: token header, one 401 for key or address, call lists, call-to-number."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests

from tests.simulators.clients import TIMEOUT, VOIPCLOUD_KEY, voipcloud
from tests.simulators.conftest import Serve

BASE = "/api/integration/v1"
NOT_AUTHORISED = {"status": "error", "message": "Not authorised"}
START = datetime(2024, 3, 1, tzinfo=UTC)


def get(url: str, path: str, headers: dict[str, str] = VOIPCLOUD_KEY, **params: Any) -> requests.Response:
    return requests.get(f"{url}{BASE}/{path}", headers=headers, params=params, timeout=TIMEOUT)


def test_system_status_answers_success(serve_app: Serve) -> None:
    url = serve_app(voipcloud()).url
    body = get(url, "get-system-status").json()
    assert body["status"] == "success" and body["system"] == "ok" and body["version"]


def test_wrong_key_and_unlisted_address_give_the_same_401(serve_app: Serve) -> None:
    url = serve_app(voipcloud()).url
    wrong = get(url, "get-system-status", {"token": "wrong"})
    assert wrong.status_code == 401 and wrong.json() == NOT_AUTHORISED
    assert get(url, "get-system-status", {}).status_code == 401
    blocked_url = serve_app(voipcloud(allowed_clients=["192.0.2.1/32"])).url
    blocked = get(blocked_url, "get-system-status")
    assert blocked.status_code == 401 and blocked.json() == NOT_AUTHORISED


def test_key_as_query_parameter_no_longer_works(serve_app: Serve) -> None:
    url = serve_app(voipcloud()).url
    assert get(url, "get-system-status", {}, token=VOIPCLOUD_KEY["token"]).status_code == 401


def test_default_rate_limit_is_100_per_15_minutes_per_key(serve_app: Serve) -> None:
    sim = voipcloud()
    url = serve_app(sim).url
    session = requests.Session()
    session.headers.update(VOIPCLOUD_KEY)
    codes = [session.get(f"{url}{BASE}/get-system-status", timeout=TIMEOUT).status_code for _ in range(101)]
    assert codes[:100] == [200] * 100
    assert codes[100] == 429
    sim.clock.advance(15 * 60 + 1)
    assert session.get(f"{url}{BASE}/get-system-status", timeout=TIMEOUT).status_code == 200


def test_user_calls_page_to_the_end_newest_first(serve_app: Serve) -> None:
    url = serve_app(voipcloud(data_size=1234)).url
    calls: list[dict[str, Any]] = []
    offset = 0
    while True:
        body = get(url, "get-user-calls", offset=offset, limit=500).json()
        assert body["status"] == "success" and body["total"] == 1234
        if not body["calls"]:
            break
        calls += body["calls"]
        offset += len(body["calls"])
    ids = [call["unique_call_id"] for call in calls]
    assert len(ids) == 1234 == len(set(ids))
    starts = [call["call_start_at"] for call in calls]
    assert starts == sorted(starts, reverse=True)


def test_limit_defaults_to_50_and_over_500_is_400(serve_app: Serve) -> None:
    url = serve_app(voipcloud(data_size=100)).url
    assert len(get(url, "get-queue-calls").json()["calls"]) == 50
    refused = get(url, "get-ringgroup-calls", limit=501)
    assert refused.status_code == 400 and refused.json()["status"] == "error"


def test_filters_by_user_date_range_and_ascending_sort(serve_app: Serve) -> None:
    url = serve_app(voipcloud(data_size=300, data_start=START, data_spacing_seconds=60)).url
    users = get(url, "get-user-calls", users="201,202", limit=500).json()
    assert 0 < users["total"] < 300 and {c["user_number"] for c in users["calls"]} <= {"201", "202"}
    window: dict[str, Any] = {
        "date_from": "2024-03-01 01:00:00",
        "date_to": "2024-03-01 01:59:59",
        "sort": "asc",
        "limit": 500,
    }
    calls = get(url, "get-user-calls", **window).json()["calls"]
    assert len(calls) == 60
    assert calls[0]["call_start_at"] == "2024-03-01T01:00:00+00:00"
    queue = get(url, "get-queue-calls", queues="601", limit=500).json()["calls"]
    assert queue and {c["queue_name"] for c in queue} == {"Sales"}
    groups = get(url, "get-ringgroup-calls", ringgroups="Reception", limit=500).json()["calls"]
    assert groups and {c["ring_group_name"] for c in groups} == {"Reception"}


def test_dates_are_read_in_the_account_time_zone(serve_app: Serve) -> None:
    url = serve_app(voipcloud(data_size=120, data_start=START, timezone="Australia/Sydney")).url
    calls = get(url, "get-user-calls", date_from="2024-03-01 11:00:00", date_to="2024-03-01 11:04:59").json()
    assert calls["total"] == 1
    assert calls["calls"][0]["call_start_at"] == "2024-03-01T11:00:00+11:00"


def test_call_to_number_checks_e164(serve_app: Serve) -> None:
    url = serve_app(voipcloud()).url
    ok = requests.post(
        f"{url}{BASE}/call-to-number",
        headers=VOIPCLOUD_KEY,
        json={"user_number": "201", "destination": "+61299999999"},
        timeout=TIMEOUT,
    )
    assert ok.status_code == 200 and ok.json()["status"] == "success" and ok.json()["unique_call_id"]
    bad = requests.post(
        f"{url}{BASE}/call-to-number",
        headers=VOIPCLOUD_KEY,
        json={"user_number": "201", "destination": "0299999999"},
        timeout=TIMEOUT,
    )
    assert bad.status_code == 400 and bad.json() == {
        "status": "error",
        "message": "Invalid destination number",
    }


def test_appended_calls_come_first_in_the_default_order(serve_app: Serve) -> None:
    sim = voipcloud(data_size=10)
    url = serve_app(sim).url
    newest_before = get(url, "get-user-calls", limit=1).json()["calls"][0]
    sim.data("user_calls").append(1)
    body = get(url, "get-user-calls", limit=1).json()
    assert body["total"] == 11
    assert body["calls"][0]["call_start_at"] > newest_before["call_start_at"]
