"""Collect! simulator: login/refresh, Bearer and x-collect-database, record paging."""

from __future__ import annotations

from typing import Any

import requests

from tests.simulators.clients import COLLECT_LOGIN, TIMEOUT, bearer, collect, collect_tokens
from tests.simulators.conftest import Serve


def data(url: str, record: str, headers: dict[str, str], **params: Any) -> requests.Response:
    return requests.get(
        f"{url}/api/v1/collect/data/{record}", headers=headers, params=params, timeout=TIMEOUT
    )


def refresh(url: str, refresh_token: str) -> requests.Response:
    return requests.post(f"{url}/api/v1/auth/refresh", json={"refresh_token": refresh_token}, timeout=TIMEOUT)


def test_login_answers_the_documented_result_envelope_then_data_reads_work(serve_app: Serve) -> None:
    url = serve_app(collect()).url
    login = requests.post(f"{url}/api/v1/auth/login", json=COLLECT_LOGIN, timeout=TIMEOUT).json()
    assert set(login) == {"status", "result"} and login["status"] == 200
    tokens = login["result"]
    assert set(tokens) == {"access_token", "refresh_token", "nx_operator"}
    assert tokens["nx_operator"] == {
        "op_rowid": "1",
        "op_id": "SIM",
        "op_name": "Simulated Operator",
        "op_level": 10,
        "op_function": 1,
    }
    body = data(url, "operator", bearer(tokens), limit=1).json()
    assert body["status"] == 200
    assert body["type"] == {"recId": "operator", "rowId": "op_rowid", "numRecords": 8, "numPages": 8}


def test_wrong_operator_password_is_401(serve_app: Serve) -> None:
    url = serve_app(collect()).url
    login = {**COLLECT_LOGIN, "op_password": "wrong"}
    response = requests.post(f"{url}/api/v1/auth/login", json=login, timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.json() == {"status": 401, "message": "Invalid operator ID or password"}


def test_missing_or_wrong_bearer_is_401_unauthorized(serve_app: Serve) -> None:
    url = serve_app(collect()).url
    assert data(url, "debtor", {}).json() == {"status": 401, "message": "Unauthorized"}
    assert data(url, "debtor", {"Authorization": "Bearer nope"}).status_code == 401


def test_unregistered_client_address_is_403(serve_app: Serve) -> None:
    url = serve_app(collect(allowed_clients=["192.0.2.1/32"])).url
    response = requests.post(f"{url}/api/v1/auth/login", json=COLLECT_LOGIN, timeout=TIMEOUT)
    assert response.status_code == 403
    assert response.json() == {"status": 403, "message": "Access denied for IP address 127.0.0.1"}


def test_unknown_database_header_is_401_not_authorized_for_database(serve_app: Serve) -> None:
    url = serve_app(collect(databases=["cv_masterdb", "cv_branch"])).url
    headers = bearer(collect_tokens(url))
    assert data(url, "debtor", {**headers, "x-collect-database": "cv_branch"}).status_code == 200
    refused = data(url, "debtor", {**headers, "x-collect-database": "cv_other"})
    assert refused.status_code == 401
    assert refused.json() == {"status": 401, "message": "Not authorized for database cv_other"}


def test_access_token_expires_after_15_minutes_and_refresh_renews_it(serve_app: Serve) -> None:
    sim = collect()
    url = serve_app(sim).url
    tokens = collect_tokens(url)
    sim.clock.advance(901)
    assert data(url, "debtor", bearer(tokens)).status_code == 401
    renewed = refresh(url, tokens["refresh_token"])
    assert renewed.status_code == 200
    assert set(renewed.json()) == {"status", "result"}  # the login's shape
    assert data(url, "debtor", bearer(renewed.json()["result"])).status_code == 200


def test_old_refresh_token_stops_working_after_a_refresh(serve_app: Serve) -> None:
    url = serve_app(collect()).url
    tokens = collect_tokens(url)
    assert refresh(url, tokens["refresh_token"]).status_code == 200
    assert refresh(url, tokens["refresh_token"]).status_code == 401


def test_refresh_token_expires_after_24_hours(serve_app: Serve) -> None:
    sim = collect()
    url = serve_app(sim).url
    tokens = collect_tokens(url)
    sim.clock.advance(86401)
    assert refresh(url, tokens["refresh_token"]).status_code == 401


def test_expire_tokens_control_endpoint_expires_access_but_not_refresh(serve_app: Serve) -> None:
    url = serve_app(collect()).url
    tokens = collect_tokens(url)
    assert requests.post(f"{url}/_sim/expire-tokens", timeout=TIMEOUT).json()["expired"] == 1
    assert data(url, "debtor", bearer(tokens)).status_code == 401
    assert refresh(url, tokens["refresh_token"]).status_code == 200


def test_total_surplus_fault_overstates_num_records_only(serve_app: Serve) -> None:
    url = serve_app(collect(data_size=20, total_surplus=5)).url
    body = data(url, "debtor", bearer(collect_tokens(url)), limit=10).json()
    assert body["type"]["numRecords"] == 25 and body["type"]["numPages"] == 3 and len(body["data"]) == 10


def test_debtor_paging_to_the_end_returns_num_records_once(serve_app: Serve) -> None:
    url = serve_app(collect(data_size=1234)).url
    headers = bearer(collect_tokens(url))
    first = data(url, "debtor", headers, limit=500, page=1).json()
    assert first["type"] == {"recId": "debtor", "rowId": "de_rowid", "numRecords": 1234, "numPages": 3}
    rows = []
    for page in range(1, 5):
        rows += data(url, "debtor", headers, limit=500, page=page).json()["data"]
    ids = [row["de_rowid"] for row in rows]
    assert len(ids) == 1234 == len(set(ids))


def test_limit_defaults_to_100_and_over_1000_is_400(serve_app: Serve) -> None:
    url = serve_app(collect(data_size=300)).url
    headers = bearer(collect_tokens(url))
    assert len(data(url, "contact", headers).json()["data"]) == 100
    assert data(url, "contact", headers, limit=1001).status_code == 400
    assert data(url, "nosuchtable", headers).status_code == 404


def test_one_record_by_rowid(serve_app: Serve) -> None:
    url = serve_app(collect()).url
    headers = bearer(collect_tokens(url))
    response = requests.get(f"{url}/api/v1/collect/data/debtor/7", headers=headers, timeout=TIMEOUT)
    assert response.json()["data"]["de_rowid"] == "7"
    assert set(response.json()["data"]) == {
        "de_rowid",
        "de_name",
        "de_type",
        "de_status",
        "de_owing",
        "de_modified",
    }


def test_updated_debtor_gets_a_newer_modified_time_than_any_other(serve_app: Serve) -> None:
    sim = collect(data_size=20)
    url = serve_app(sim).url
    headers = bearer(collect_tokens(url))
    sim.data("debtor").update(4, de_status="PIF")  # seq 4 is de_rowid "5"
    rows = data(url, "debtor", headers, limit=100).json()["data"]
    changed = next(row for row in rows if row["de_rowid"] == "5")
    assert changed["de_status"] == "PIF"
    assert all(changed["de_modified"] > row["de_modified"] for row in rows if row is not changed)
