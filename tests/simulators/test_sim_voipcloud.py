"""VoIPcloud v2 simulator: token header, one 401 for key or address, day-ranged call lists, offset
paging, the v2 row shapes, and a multipart call-to-number."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests

from tests.simulators.clients import TIMEOUT, VOIPCLOUD_KEY, voipcloud
from tests.simulators.conftest import Serve

BASE = "/api/integration/v2"
NOT_AUTHORISED = {"code": 401, "message": "Not authorised"}
START = datetime(2024, 3, 1, tzinfo=UTC)
USER_ROW = {
    "unique_call_id",
    "type",
    "caller_id",
    "caller_name",
    "dest_number",
    "user_name",
    "user_number",
    "call_start_at",
    "connected_at",
    "call_duration",
    "conversation_duration",
}


def get(url: str, path: str, headers: dict[str, str] = VOIPCLOUD_KEY, **params: Any) -> requests.Response:
    return requests.get(f"{url}{BASE}/{path}", headers=headers, params=params, timeout=TIMEOUT)


def call(url: str, **fields: str) -> requests.Response:
    multipart = {name: (None, value) for name, value in fields.items()}
    return requests.post(f"{url}{BASE}/call-to-number", headers=VOIPCLOUD_KEY, files=multipart, timeout=5)


def test_user_calls_limit_1_is_the_connectivity_test(serve_app: Serve) -> None:
    url = serve_app(voipcloud()).url
    body = get(url, "get-user-calls", limit=1).json()
    assert body["code"] == 200 and len(body["data"]) == 1
    assert set(body["data"][0]) == USER_ROW
    assert get(url, "get-system-status").status_code == 404  # v1's, not in v2


def test_wrong_key_and_unlisted_address_give_the_same_401(serve_app: Serve) -> None:
    url = serve_app(voipcloud()).url
    wrong = get(url, "get-user-calls", {"token": "wrong"})
    assert wrong.status_code == 401 and wrong.json() == NOT_AUTHORISED
    assert get(url, "get-user-calls", {}).status_code == 401
    blocked_url = serve_app(voipcloud(allowed_clients=["192.0.2.1/32"])).url
    blocked = get(blocked_url, "get-user-calls")
    assert blocked.status_code == 401 and blocked.json() == NOT_AUTHORISED


def test_key_as_query_parameter_no_longer_works(serve_app: Serve) -> None:
    url = serve_app(voipcloud()).url
    assert get(url, "get-user-calls", {}, token=VOIPCLOUD_KEY["token"]).status_code == 401


def test_default_rate_limit_is_100_per_15_minutes_per_key(serve_app: Serve) -> None:
    sim = voipcloud()
    url = serve_app(sim).url
    session = requests.Session()
    session.headers.update(VOIPCLOUD_KEY)
    target = f"{url}{BASE}/get-user-calls?limit=1"
    codes = [session.get(target, timeout=TIMEOUT).status_code for _ in range(101)]
    assert codes[:100] == [200] * 100
    refused = session.get(target, timeout=TIMEOUT)
    assert refused.status_code == 429 and refused.json() == {"code": 429, "message": "Too many requests"}
    assert int(refused.headers["Retry-After"]) > 0
    sim.clock.advance(15 * 60 + 1)
    assert session.get(target, timeout=TIMEOUT).status_code == 200


def test_user_calls_page_by_offset_newest_first_with_no_total(serve_app: Serve) -> None:
    url = serve_app(voipcloud(data_size=1234)).url
    calls: list[dict[str, Any]] = []
    offset = 0
    while True:
        body = get(url, "get-user-calls", offset=offset, limit=500).json()
        assert set(body) == {"code", "data"}
        calls += body["data"]
        offset += len(body["data"])
        if len(body["data"]) < 500:
            break
    ids = [row["unique_call_id"] for row in calls]
    assert len(ids) == 1234 == len(set(ids))
    starts = [row["call_start_at"] for row in calls]
    assert starts == sorted(starts, reverse=True)


def test_limit_defaults_to_100_and_runs_1_to_10000(serve_app: Serve) -> None:
    url = serve_app(voipcloud(data_size=10_050)).url
    assert len(get(url, "get-queue-calls").json()["data"]) == 100
    assert len(get(url, "get-user-calls", limit=10_000).json()["data"]) == 10_000
    refused = get(url, "get-ringgroup-calls", limit=10_001)
    assert refused.status_code == 400 and refused.json() == {
        "code": 400,
        "message": "limit must be between 1 and 10000",
    }
    assert get(url, "get-user-calls", limit=0).status_code == 400


def test_whole_days_in_the_pbx_zone_with_to_date_inclusive(serve_app: Serve) -> None:
    # Every 10 minutes from 1 March 00:00 UTC = 11:00 in Sydney.
    sim = voipcloud(data_size=600, data_start=START, data_spacing_seconds=600, timezone="Australia/Sydney")
    url = serve_app(sim).url
    day = get(url, "get-user-calls", from_date="2024-03-02", to_date="2024-03-02", limit=1000).json()["data"]
    assert len(day) == 144
    assert {row["call_start_at"][:10] for row in day} == {"2024-03-02"}
    assert day[0]["call_start_at"] == "2024-03-02T23:50:00+11:00"  # newest first
    two = get(url, "get-user-calls", from_date="2024-03-01", to_date="2024-03-02", limit=1000).json()["data"]
    assert len(two) == 144 + 78  # 1 March (Sydney) from 11:00 on, and the whole of 2 March
    bad = get(url, "get-user-calls", from_date="2024-03-01 10:00:00")
    assert bad.status_code == 400 and bad.json()["message"] == "from_date must be a date like 2026-11-23"


def test_oldest_first_and_the_selectors(serve_app: Serve) -> None:
    url = serve_app(voipcloud(data_size=300, data_start=START, data_spacing_seconds=60)).url
    oldest = get(url, "get-user-calls", sort_by="oldest_first", limit=3).json()["data"]
    assert [row["call_start_at"] for row in oldest] == [
        "2024-03-01T00:00:00+00:00",
        "2024-03-01T00:01:00+00:00",
        "2024-03-01T00:02:00+00:00",
    ]
    assert get(url, "get-user-calls", sort_by="asc").status_code == 400
    users = get(url, "get-user-calls", users="201,202", limit=500).json()["data"]
    assert 0 < len(users) < 300 and {row["user_number"] for row in users} <= {"201", "202"}
    queue = get(url, "get-queue-calls", queues="601", limit=500).json()["data"]
    assert queue and {row["queue_name"] for row in queue} == {"Sales"}
    groups = get(url, "get-ringgroup-calls", ringgroups="Reception", limit=500).json()["data"]
    assert groups and {row["ring_group_name"] for row in groups} == {"Reception"}
    one = oldest[1]["unique_call_id"]
    just_one = get(url, "get-user-calls", unique_call_id=one).json()["data"]
    assert [row["unique_call_id"] for row in just_one] == [one]


def test_user_rows_carry_type_and_connected_at_only_when_answered(serve_app: Serve) -> None:
    url = serve_app(voipcloud(data_size=200)).url
    rows = get(url, "get-user-calls", limit=200).json()["data"]
    assert {row["type"].rsplit("_", 1)[0] for row in rows} == {"user_inbound", "user_outbound"}
    for row in rows:
        answered = row["type"].endswith("_answered")
        assert (row["connected_at"] is not None) is answered
        assert row["call_duration"] >= row["conversation_duration"]
        assert (row["conversation_duration"] > 0) is answered
    absent = serve_app(voipcloud(data_size=50, unanswered_connected_at="absent")).url
    rows = get(absent, "get-user-calls").json()["data"]
    unanswered = [row for row in rows if not row["type"].endswith("answered")]
    assert unanswered and all("connected_at" not in row for row in unanswered)


def test_queue_and_ring_group_rows_say_callerid_and_status(serve_app: Serve) -> None:
    url = serve_app(voipcloud(data_size=60)).url
    for path, name in (("get-queue-calls", "queue_name"), ("get-ringgroup-calls", "ring_group_name")):
        rows = get(url, path, limit=60).json()["data"]
        assert {row["status"] for row in rows} == {"answered", "abandoned"}
        for row in rows:
            assert "callerid" in row and "caller_id" not in row and "type" not in row
            assert name in row
            assert (row["connected_at"] is not None) is (row["status"] == "answered")


def test_call_to_number_is_multipart_and_answers_the_call_id(serve_app: Serve) -> None:
    url = serve_app(voipcloud()).url
    ok = call(url, user_number="201", number_to_call="+61299999999", caller_id="+61290000000")
    assert ok.status_code == 200
    body = ok.json()
    assert body["code"] == 200 and [set(item) for item in body["data"]] == [{"unique_call_id"}]
    bad = call(url, user_number="201", number_to_call="0299999999")
    assert bad.status_code == 400 and bad.json() == {"code": 400, "message": "Invalid destination number"}
    assert call(url, user_number="999", number_to_call="+61299999999").status_code == 400
    as_json = requests.post(
        f"{url}{BASE}/call-to-number",
        headers=VOIPCLOUD_KEY,
        json={"user_number": "201", "number_to_call": "+61299999999"},
        timeout=TIMEOUT,
    )
    assert as_json.status_code == 400 and as_json.json()["message"] == "Expected a multipart/form-data body"


def test_appended_calls_come_first_in_the_default_order_and_last_oldest_first(serve_app: Serve) -> None:
    sim = voipcloud(data_size=10)
    url = serve_app(sim).url
    newest_before = get(url, "get-user-calls", limit=1).json()["data"][0]
    sim.data("user_calls").append(1)
    newest = get(url, "get-user-calls", limit=1).json()["data"][0]
    assert newest["call_start_at"] > newest_before["call_start_at"]
    oldest_first = get(url, "get-user-calls", sort_by="oldest_first", offset=10).json()["data"]
    assert [row["unique_call_id"] for row in oldest_first] == [newest["unique_call_id"]]
