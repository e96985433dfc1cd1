"""VoIPstudio simulator: login (and 2FA), idle-expiring tokens, API tokens, CDR filters and paging."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import requests

from integrations.vendors.voipstudio.schemas import APITOKEN_FIELDS
from tests.simulators.clients import TIMEOUT, VOIPSTUDIO_LOGIN, voipstudio, voipstudio_token
from tests.simulators.conftest import Serve

BASE = "/v1.2/voipstudio"
USER_ID = "100001"


def call(method: str, url: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
    headers = {"X-Auth-Token": token} if token else {}
    return requests.request(method, f"{url}{BASE}/{path}", headers=headers, timeout=TIMEOUT, **kwargs)


def cdrs(
    url: str, token: str, filters: list[dict[str, Any]] | None = None, **params: Any
) -> requests.Response:
    if filters is not None:
        params["filter"] = json.dumps(filters)
    return call("GET", url, "cdrs", token, params=params)


def test_login_then_me_and_ping(serve_app: Serve) -> None:
    url = serve_app(voipstudio()).url
    token = voipstudio_token(url)
    me = call("GET", url, "me", token).json()["data"]
    assert set(me) == {"id", "email", "first_name", "last_name", "customer_id"}
    assert call("GET", url, "ping", token).json() == {"data": {"response": "Pong"}, "links": {}}


def test_failed_login_is_400_with_the_documented_message(serve_app: Serve) -> None:
    url = serve_app(voipstudio()).url
    response = call("POST", url, "login", json={**VOIPSTUDIO_LOGIN, "password": "wrong"})
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid email and/or password.", "errors": []}


def test_unknown_token_is_401_unauthorized(serve_app: Serve) -> None:
    url = serve_app(voipstudio()).url
    response = call("GET", url, "me", "not-a-token")
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized", "errors": []}


def test_two_factor_login_answers_202_nonce_then_login2fa_gives_the_token(serve_app: Serve) -> None:
    url = serve_app(voipstudio(two_factor_enabled=True, two_factor_code="654321")).url
    first = call("POST", url, "login", json=VOIPSTUDIO_LOGIN)
    assert first.status_code == 202
    nonce = first.json()["nonce"]
    assert call("POST", url, "login2fa", json={"code": "000000", "nonce": nonce}).status_code == 400
    second = call("POST", url, "login2fa", json={"code": "654321", "nonce": nonce})
    assert second.status_code == 200
    assert call("GET", url, "me", second.json()["user_token"]).status_code == 200


def test_basic_auth_with_user_id_and_token_works(serve_app: Serve) -> None:
    url = serve_app(voipstudio()).url
    token = voipstudio_token(url)
    ok = requests.get(f"{url}{BASE}/me", auth=(USER_ID, token), timeout=TIMEOUT)
    assert ok.status_code == 200
    assert requests.get(f"{url}{BASE}/me", auth=("999", token), timeout=TIMEOUT).status_code == 401


def test_session_token_expires_after_30_idle_minutes_and_each_request_resets_the_timer(
    serve_app: Serve,
) -> None:
    sim = voipstudio()
    url = serve_app(sim).url
    token = voipstudio_token(url)
    sim.clock.advance(1700)
    assert call("GET", url, "ping", token).status_code == 200
    sim.clock.advance(1700)  # 3400 s after login, but only 1700 s idle
    assert call("GET", url, "ping", token).status_code == 200
    sim.clock.advance(1801)
    assert call("GET", url, "ping", token).status_code == 401


def test_expire_tokens_control_endpoint_expires_the_session_now(serve_app: Serve) -> None:
    url = serve_app(voipstudio()).url
    token = voipstudio_token(url)
    assert requests.post(f"{url}/_sim/expire-tokens", timeout=TIMEOUT).json()["expired"] == 1
    assert call("GET", url, "me", token).status_code == 401


def test_client_address_rules_do_not_apply_because_voipstudio_has_no_allowlist(serve_app: Serve) -> None:
    url = serve_app(voipstudio(allowed_clients=["192.0.2.1/32"])).url
    assert call("GET", url, "me", voipstudio_token(url)).status_code == 200


def test_api_token_lifecycle_create_list_use_duplicate_revoke(serve_app: Serve) -> None:
    url = serve_app(voipstudio()).url
    session = voipstudio_token(url)
    created = call("POST", url, "apitokens", session, json={"name": "Portal", "expiry": 0})
    assert created.status_code == 201
    data = created.json()["data"]
    assert set(data) == set(APITOKEN_FIELDS)
    api_token = data["token"]
    assert requests.get(f"{url}{BASE}/me", auth=(USER_ID, api_token), timeout=TIMEOUT).status_code == 200
    duplicate = call("POST", url, "apitokens", session, json={"name": "Portal", "expiry": 0})
    assert duplicate.status_code == 400
    assert duplicate.json()["errors"][0]["message"]
    by_name = [{"property": "name", "operator": "eq", "value": "Portal"}]
    listed = call("GET", url, "apitokens", api_token, params={"filter": json.dumps(by_name)}).json()
    assert listed["total"] == 1 and listed["data"][0]["token"] == api_token
    assert call("DELETE", url, f"apitokens/{api_token}", session).status_code == 204
    assert call("GET", url, "me", api_token).status_code == 401
    assert call("DELETE", url, f"apitokens/{api_token}", session).status_code == 404


def test_api_token_expiry_is_an_idle_expiry(serve_app: Serve) -> None:
    sim = voipstudio()
    url = serve_app(sim).url
    session = voipstudio_token(url)
    api_token = call("POST", url, "apitokens", session, json={"name": "Short", "expiry": 600}).json()["data"][
        "token"
    ]
    sim.clock.advance(500)
    assert call("GET", url, "me", api_token).status_code == 200
    sim.clock.advance(500)
    assert call("GET", url, "me", api_token).status_code == 200
    sim.clock.advance(601)
    assert call("GET", url, "me", api_token).status_code == 401


def test_cdr_paging_to_the_end_returns_total_rows_once(serve_app: Serve) -> None:
    url = serve_app(voipstudio(data_size=1234)).url
    token = voipstudio_token(url)
    ids: list[int] = []
    page = 1
    while True:
        body = cdrs(url, token, page=page, limit=500).json()
        assert body["total"] == 1234
        if not body["data"]:
            break
        ids += [row["id"] for row in body["data"]]
        page += 1
    assert len(ids) == 1234 == len(set(ids)) and ids == sorted(ids)


def test_cdr_limit_over_5000_is_a_validation_error(serve_app: Serve) -> None:
    url = serve_app(voipstudio()).url
    response = cdrs(url, voipstudio_token(url), limit=5001)
    assert response.status_code == 400
    assert response.json() == {
        "message": "Validation error",
        "errors": [{"message": "limit: must be at most 5000"}],
    }


def test_cdr_filters_on_calldate_and_fields(serve_app: Serve) -> None:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    url = serve_app(voipstudio(data_size=300, data_start=start, data_spacing_seconds=60)).url
    token = voipstudio_token(url)
    window = [
        {"property": "calldate", "operator": "gt", "value": "2024-03-01 01:00:00"},
        {"property": "calldate", "operator": "lte", "value": "2024-03-01 02:00:00"},
    ]
    body = cdrs(url, token, window, limit=5000).json()
    assert body["total"] == 60
    assert all("2024-03-01 01:00:00" < row["calldate"] <= "2024-03-01 02:00:00" for row in body["data"])
    outbound = cdrs(url, token, [{"property": "type", "operator": "eq", "value": "O"}], limit=5000).json()
    assert 0 < outbound["total"] < 300 and {r["type"] for r in outbound["data"]} == {"O"}
    not_out = cdrs(url, token, [{"property": "type", "operator": "ne", "value": "O"}]).json()["total"]
    assert outbound["total"] + not_out == 300
    some = cdrs(url, token, [{"property": "id", "operator": "in", "value": [3, 5, 8]}]).json()
    assert [row["id"] for row in some["data"]] == [3, 5, 8]
    like = cdrs(url, token, [{"property": "src", "operator": "like", "value": "100%"}], limit=5000).json()
    notlike = cdrs(url, token, [{"property": "src", "operator": "notlike", "value": "100%"}]).json()
    assert all(row["src"].startswith("100") for row in like["data"])
    assert like["total"] + notlike["total"] == 300


def test_like_without_a_percent_is_a_partial_match_as_the_official_cli_says(serve_app: Serve) -> None:
    sim = voipstudio(data_size=300)
    url = serve_app(sim).url
    token = voipstudio_token(url)
    every = cdrs(url, token, [], limit=5000).json()["data"]
    part = every[0]["dst"][3:7]  # four digits from inside a number
    holding = {row["id"] for row in every if part in row["dst"]}
    partial = cdrs(url, token, [{"property": "dst", "operator": "like", "value": part}], limit=5000).json()
    assert {row["id"] for row in partial["data"]} == holding and partial["total"] == len(holding) < 300
    # With a % the pattern is the vendor's own: here, numbers that start with those digits.
    prefixed = [{"property": "dst", "operator": "like", "value": f"{every[0]['dst'][:4]}%"}]
    starting = cdrs(url, token, prefixed, limit=5000).json()["data"]
    assert starting and all(row["dst"].startswith(every[0]["dst"][:4]) for row in starting)
    sim.configure(like_without_percent_is_partial=False)
    assert cdrs(url, token, [{"property": "dst", "operator": "like", "value": part}]).json()["total"] == 0


def test_between_and_unknown_properties_are_refused_with_400(serve_app: Serve) -> None:
    url = serve_app(voipstudio()).url
    token = voipstudio_token(url)
    between = [{"property": "calldate", "operator": "between", "value": ["2024-01-01", "2024-02-01"]}]
    assert cdrs(url, token, between).status_code == 400
    assert cdrs(url, token, [{"property": "nope", "operator": "eq", "value": 1}]).status_code == 400


def test_cdr_sort_and_dir(serve_app: Serve) -> None:
    url = serve_app(voipstudio(data_size=200)).url
    token = voipstudio_token(url)
    newest_first = cdrs(url, token, sort="id", dir="DESC", limit=3).json()["data"]
    assert [row["id"] for row in newest_first] == [200, 199, 198]
    by_billsec = cdrs(url, token, sort="billsec", dir="DESC", limit=200).json()["data"]
    assert [r["billsec"] for r in by_billsec] == sorted((r["billsec"] for r in by_billsec), reverse=True)


def test_appended_cdrs_get_new_ids_and_later_calldates(serve_app: Serve) -> None:
    sim = voipstudio(data_size=10)
    url = serve_app(sim).url
    token = voipstudio_token(url)
    before = cdrs(url, token).json()["data"]
    sim.data("cdrs").append(2)
    after = cdrs(url, token).json()
    assert after["total"] == 12
    new = after["data"][-2:]
    assert [row["id"] for row in new] == [11, 12]
    assert new[0]["calldate"] > before[-1]["calldate"]
