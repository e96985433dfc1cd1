"""VCC Live simulator: envelope, Basic auth, IP firewall, allowed resources, CDR paging."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests

from tests.simulators.clients import TIMEOUT, VCC_AUTH, vcclive
from tests.simulators.conftest import Serve

MARCH = datetime(2024, 3, 1, tzinfo=UTC)


def get(url: str, path: str, auth: tuple[str, str] = VCC_AUTH, **params: Any) -> requests.Response:
    return requests.get(f"{url}/v2/{path}", auth=auth, params=params, timeout=TIMEOUT)


def test_projects_answer_the_envelope_as_text_plain(serve_app: Serve) -> None:
    url = serve_app(vcclive()).url
    response = get(url, "projects")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Resource"] == "ProjectsResource"
    body = response.json()
    assert body["errors"] == []
    assert set(body["response"][0]) == {"projectid", "name", "status", "folderid", "container", "folder"}


def test_wrong_password_is_401_with_basic_realm(serve_app: Serve) -> None:
    url = serve_app(vcclive()).url
    response = get(url, "projects", auth=("sim-customer", "wrong"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Database API"'
    assert response.json() == {"response": None, "errors": ["Authentication failed"]}
    assert get(url, "projects", auth=("other-customer", VCC_AUTH[1])).status_code == 401


def test_unregistered_client_address_is_403_naming_the_address(serve_app: Serve) -> None:
    url = serve_app(vcclive(allowed_clients=["192.0.2.1/32"])).url
    response = get(url, "projects")
    assert response.status_code == 403
    assert response.json() == {"response": None, "errors": ["Access denied for IP address 127.0.0.1"]}


def test_registered_range_lets_the_client_in(serve_app: Serve) -> None:
    url = serve_app(vcclive(allowed_clients=["192.0.2.0/24", "127.0.0.0/8"])).url
    assert get(url, "projects").status_code == 200


def test_allowed_resources_regexes_limit_a_token_to_matching_path_and_query(serve_app: Serve) -> None:
    sim = vcclive(extra_tokens={"limited-token": [r"^cdrs/\d+/\d+\?(.*&)?projectid=2(&|$)"]})
    url = serve_app(sim).url
    limited = ("sim-customer", "limited-token")
    assert get(url, "cdrs/2024/3", auth=limited, projectid=2).status_code == 200
    refused = get(url, "cdrs/2024/3", auth=limited, projectid=3)
    assert refused.status_code == 403
    assert refused.json() == {"response": None, "errors": ["Resource not allowed"]}
    assert get(url, "projects", auth=limited).status_code == 403
    assert get(url, "projects").status_code == 200  # the main token has no restriction


def test_changing_the_password_live_makes_the_old_one_fail(serve_app: Serve) -> None:
    sim = vcclive()
    url = serve_app(sim).url
    sim.configure(password="rotated-password")
    assert get(url, "projects").status_code == 401
    assert get(url, "projects", auth=("sim-customer", "rotated-password")).status_code == 200


def test_cdr_paging_with_start_and_num_returns_every_row_once(serve_app: Serve) -> None:
    url = serve_app(vcclive(data_size=1234, data_start=MARCH, data_spacing_seconds=60)).url
    seen: list[str] = []
    start = 0
    while True:
        page = get(url, "cdrs/2024/3", start=start, num=500).json()["response"]
        assert page["totalCount"] == "1234"
        if not page["rows"]:
            break
        seen += [row["uuid"] for row in page["rows"]]
        start += len(page["rows"])
    assert len(seen) == 1234 == len(set(seen))


def test_cdrs_default_to_10_rows_and_an_answer_holds_at_most_500_whatever_num_asks(serve_app: Serve) -> None:
    url = serve_app(vcclive(data_size=1200, data_start=MARCH, data_spacing_seconds=60)).url
    assert len(get(url, "cdrs/2024/3").json()["response"]["rows"]) == 10
    big = get(url, "cdrs/2024/3", num=1000)
    assert big.status_code == 200  # not an error: the rows are cut
    page = big.json()["response"]
    assert len(page["rows"]) == 500 and page["totalCount"] == "1200"
    assert len(get(url, "cdrs/2024/3", num=5000, start=1000).json()["response"]["rows"]) == 200
    refused = get(url, "cdrs/2024/3", num=0)
    assert refused.status_code == 400 and refused.json()["response"] is None and refused.json()["errors"]


def test_rows_cap_and_total_surplus_are_settings(serve_app: Serve) -> None:
    url = serve_app(vcclive(data_size=30, data_start=MARCH, rows_cap=7, total_surplus=4)).url
    page = get(url, "cdrs/2024/3", num=500).json()["response"]
    assert len(page["rows"]) == 7 and page["totalCount"] == "34"
    assert get(url, "cdrs/2024/3", num=500, start=30).json()["response"]["rows"] == []


def test_cdrs_are_ordered_by_billing_ts_and_filtered_by_day_and_project(serve_app: Serve) -> None:
    url = serve_app(vcclive(data_size=600, data_start=MARCH, data_spacing_seconds=600)).url
    day = get(url, "cdrs/2024/3/2", num=500).json()["response"]
    stamps = [row["billing_ts"] for row in day["rows"]]
    assert int(day["totalCount"]) == 144 and stamps == sorted(stamps)
    assert all(ts.startswith("2024-03-02 ") for ts in stamps)
    project = get(url, "cdrs/2024/3", num=500, projectid=2).json()["response"]
    assert 0 < int(project["totalCount"]) < 500
    assert {row["projectid"] for row in project["rows"]} == {2}
    assert get(url, "cdrs/2024/4").json()["response"] == {"rows": [], "totalCount": "0"}


def test_billing_ts_is_naive_local_time_and_billing_ts_utc_is_utc(serve_app: Serve) -> None:
    url = serve_app(vcclive(data_start=datetime(2024, 3, 1, 12, tzinfo=UTC), timezone="Europe/Budapest")).url
    row = get(url, "cdrs/2024/3", num=1).json()["response"]["rows"][0]
    assert (row["billing_ts"], row["billing_ts_utc"]) == ("2024-03-01 13:00:00", "2024-03-01 12:00:00")


def test_one_cdr_by_uuid_and_one_record_by_numberid(serve_app: Serve) -> None:
    url = serve_app(vcclive(data_start=MARCH)).url
    row = get(url, "cdrs/2024/3", num=1).json()["response"]["rows"][0]
    assert get(url, f"cdr/2024/3/{row['uuid']}").json()["response"] == row
    assert get(url, f"cdr/2024/4/{row['uuid']}").status_code == 404
    records = get(url, "projects/2/records", num=5).json()["response"]
    assert records["totalCount"] == "50"
    numberid = records["rows"][0]["numberid"]
    detail = get(url, f"projects/2/records/{numberid}").json()["response"]
    assert {"cdrs", "contacts", "data", "events", "create_date", "create_date_utc"} <= set(detail)


def test_users_list_has_the_documented_fields(serve_app: Serve) -> None:
    url = serve_app(vcclive()).url
    users = get(url, "users").json()["response"]
    assert set(users[0]) == {"userid", "name", "group_name", "status", "teams_name"}
    assert users[0]["name"] == "Anna Kovacs" and len({user["name"] for user in users}) == len(users)


def test_late_arriving_cdr_shows_up_in_billing_ts_order(serve_app: Serve) -> None:
    sim = vcclive(data_size=100, data_start=MARCH, data_spacing_seconds=60)
    url = serve_app(sim).url
    seq = sim.data("cdrs").insert_late(datetime(2024, 3, 1, 0, 30, 30, tzinfo=UTC), billingtime=42)
    rows = get(url, "cdrs/2024/3", num=500).json()["response"]["rows"]
    assert len(rows) == 101
    assert rows[31]["billing_ts"] == "2024-03-01 00:30:30" and rows[31]["billingtime"] == 42
    assert rows[31]["uuid"].endswith(f"{seq:012x}")
