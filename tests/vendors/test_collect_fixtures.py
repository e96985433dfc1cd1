"""Collect!'s documented answers: the connector reads each, and the simulator answers in its shape."""

from datetime import UTC, datetime

from integrations.http import MASK, BearerRefreshAuth, HttpRequest
from integrations.vendors.collect.connector import Collect
from tests.pulls_connectors.simulated import SimFactory
from tests.vendors.fixtures import FixtureServer, account, client, load, served
from tests.vendors.shapes import shape_differences

BASE = "/api/v1/"


def test_login_tokens_are_read_from_result(sim: SimFactory) -> None:
    fixture = load("collect", "login")
    app = FixtureServer([fixture])
    with served(app) as server, client() as http:
        operator = account(Collect, server.url + BASE, op_id="OWN", database="cv_masterdb")
        auth = Collect.auth(operator)
        signed = auth.apply(http, HttpRequest("GET", f"{server.url}{BASE}collect/data/operator"))
    access = fixture.body["result"]["access_token"]
    assert signed.headers["Authorization"] == f"Bearer {access}"
    assert signed.headers["x-collect-database"] == "cv_masterdb"
    assert isinstance(auth, BearerRefreshAuth) and auth.logins == 1
    (login,) = app.seen
    assert (login.path, login.json) == (fixture.path, {"op_id": "OWN", "op_password": "fixture-op_password"})
    # Both tokens became secrets the client masks wherever they turn up.
    assert http.redactor.text(access + " " + fixture.body["result"]["refresh_token"]) == f"{MASK} {MASK}"

    box = sim("collect")
    sandbox = box.account
    credentials = {"op_id": sandbox.public["op_id"], "op_password": sandbox.secret("op_password")}
    answer = box.client.send(fixture.request(box.server.url, json=credentials))
    assert answer.status_code == fixture.status
    assert shape_differences(fixture.body, answer.json()) == []


def test_read_walks_the_table_to_num_records_after_logging_in(sim: SimFactory) -> None:
    fixture = load("collect", "read")
    app = FixtureServer([load("collect", "login"), fixture])
    with served(app) as server, client() as http:
        operator = account(Collect, server.url + BASE, op_id="OWN")
        resource = Collect.resource("debtor")
        window = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)
        pages = list(Collect.fetch_pages(http, Collect.auth(operator), operator, resource, *window))
    assert [(s.method, s.path, s.query) for s in app.seen] == [
        ("POST", f"{BASE}auth/login", {}),
        ("GET", fixture.path, fixture.query),  # numRecords 2 reached: one page
    ]
    rows = [row for page in pages for row in page.rows]
    assert rows == fixture.body["data"]
    assert [Collect.row_id(resource, row) for row in rows] == ["123", "124"]
    assert [Collect.row_time(resource, row, UTC) for row in rows] == [
        datetime(2026, 3, 2, 10, 15, tzinfo=UTC),
        datetime(2026, 3, 2, 11, 40, 30, tzinfo=UTC),
    ]

    box = sim("collect")
    answer = box.client.send(fixture.request(box.server.url), auth=box.auth)
    assert answer.status_code == 200 and answer.json()["data"]
    assert shape_differences(fixture.body, answer.json()) == []
