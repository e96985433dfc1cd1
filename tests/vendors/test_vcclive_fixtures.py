"""VCC Live's documented answers: the connector reads each, and the simulator answers in its shape."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from integrations.http import AuthFailed
from integrations.services.records import CALL_ATTRIBUTES
from integrations.vendors.diagnosis import Code
from integrations.vendors.vcclive.connector import VccLive
from tests.pulls_connectors.simulated import SimFactory
from tests.vendors.fixtures import FixtureServer, account, client, load, served
from tests.vendors.shapes import shape_differences

BUDAPEST = "Europe/Budapest"


def replayed(sim: SimFactory, name: str, **settings: Any) -> tuple[Any, Any]:
    """The fixture and the simulator's answer to the same request."""
    fixture = load("vcclive", name)
    box = sim("vcclive", **settings)
    return fixture, box.client.send(fixture.request(box.server.url), auth=box.auth)


def test_projects_connectivity_and_pull_read_the_documented_example(sim: SimFactory) -> None:
    fixture = load("vcclive", "projects")
    with served(FixtureServer([fixture])) as server, client() as http:
        acme = account(VccLive, f"{server.url}/v2/", customer="acme")
        endpoint = VccLive.connectivity_endpoint()
        request = VccLive.build_request(acme, endpoint, endpoint.clean({})[0])
        assert VccLive.interpret(endpoint, http.send(request, auth=VccLive.auth(acme))).ok
        resource = VccLive.resource("projects")
        window = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)
        pages = list(VccLive.fetch_pages(http, VccLive.auth(acme), acme, resource, *window))
    assert [page.rows for page in pages] == [fixture.body["response"]]
    assert [VccLive.row_id(resource, row) for row in pages[0].rows] == ["2"]

    _, answer = replayed(sim, "projects")
    assert answer.status_code == fixture.status
    assert shape_differences(fixture.body, answer.json()) == []
    # JSON served as text/plain, and the other headers of the docs' example.
    assert {k: answer.header(k) for k in fixture.headers} == fixture.headers


def test_cdrs_become_calls_with_every_column(sim: SimFactory) -> None:
    fixture = load("vcclive", "cdrs")
    server_app = FixtureServer([fixture])
    with served(server_app) as server, client() as http:
        acme = account(VccLive, f"{server.url}/v2/", BUDAPEST, customer="acme")
        day = ZoneInfo(BUDAPEST)
        window = datetime(2026, 3, 2, tzinfo=day), datetime(2026, 3, 2, 23, 59, 59, tzinfo=day)
        resource = VccLive.resource("cdrs")
        pages = list(VccLive.fetch_pages(http, VccLive.auth(acme), acme, resource, *window))
    # The walk asked what the fixture answers, and stopped when totalCount rows had come.
    assert [(s.path, s.query) for s in server_app.seen] == [(fixture.path, fixture.query)]
    calls = [VccLive.to_call(resource, row, day) for page in pages for row in page.rows]
    assert [{name: getattr(call, name) for name in CALL_ATTRIBUTES} for call in calls] == [
        {
            "direction": "inbound",
            "caller": "36301234567",
            "callee": "3612345678",
            "agent": "101",
            "queue": "2",
            "started_at": datetime(2026, 3, 2, 8, 15, tzinfo=UTC),
            "duration_seconds": 184,
            "disposition": "normal clearing",
            "outcome": "answered",
            "answered": True,
        },
        {
            "direction": "outbound",
            "caller": "3612345678",
            "callee": "36307654321",
            "agent": "102",
            "queue": "2",
            "started_at": datetime(2026, 3, 2, 8, 20, tzinfo=UTC),
            "duration_seconds": 0,
            "disposition": "user busy",
            "outcome": "busy",
            "answered": False,
        },
    ]
    assert [call.vendor_call_id for call in calls] == [
        row["uuid"] for row in fixture.body["response"]["rows"]
    ]

    _, answer = replayed(
        sim, "cdrs", data_start="2026-03-02T00:00:00+00:00", data_size=100, timezone=BUDAPEST
    )
    assert answer.status_code == 200
    assert answer.json()["response"]["rows"], "the simulator should have CDRs that day"
    assert shape_differences(fixture.body, answer.json()) == []


def test_users_give_the_names_that_name_sources_points_at(sim: SimFactory) -> None:
    fixture = load("vcclive", "users")
    with served(FixtureServer([fixture])) as server, client() as http:
        acme = account(VccLive, f"{server.url}/v2/", customer="acme")
        resource = VccLive.resource("users")
        window = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)
        rows = [
            row
            for page in VccLive.fetch_pages(http, VccLive.auth(acme), acme, resource, *window)
            for row in page.rows
        ]
    source, name_field = VccLive.name_sources["agent"]
    assert source == "users"
    names = {VccLive.row_id(resource, row): row[name_field] for row in rows}
    assert names == {"101": "Anna Kovacs", "102": "Bence Nagy"}
    assert all(VccLive.row_time(resource, row, UTC) is None for row in rows)

    _, answer = replayed(sim, "users")
    assert shape_differences(fixture.body, answer.json()) == []


def test_error_is_bad_credentials_in_the_vendors_words(sim: SimFactory) -> None:
    fixture = load("vcclive", "error")
    with served(FixtureServer([fixture])) as server, client() as http:
        acme = account(VccLive, f"{server.url}/v2/", customer="acme")
        endpoint = VccLive.connectivity_endpoint()
        request = VccLive.build_request(acme, endpoint, {})
        diagnosis = VccLive.interpret(endpoint, http.send(request, auth=VccLive.auth(acme)))
        with pytest.raises(AuthFailed):  # what a pull meets
            VccLive.get_json(http, VccLive.auth(acme), request)
    assert (diagnosis.code, diagnosis.vendor_message) == (Code.BAD_CREDENTIALS, "Authentication failed")

    box = sim("vcclive", password="not-what-the-account-sends")
    answer = box.client.send(fixture.request(box.server.url), auth=box.auth)
    assert answer.status_code == fixture.status
    assert answer.header("WWW-Authenticate") == fixture.headers["WWW-Authenticate"]
    assert shape_differences(fixture.body, answer.json()) == []
