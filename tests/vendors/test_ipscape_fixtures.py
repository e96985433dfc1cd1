"""ipSCAPE's documented answer: the connector reads it, and the simulator answers in its shape."""

from datetime import UTC, datetime, timedelta, timezone

from integrations.services.records import CALL_ATTRIBUTES
from integrations.vendors.ipscape.connector import Ipscape
from tests.pulls_connectors.simulated import SimFactory
from tests.vendors.fixtures import FixtureServer, account, client, load, served
from tests.vendors.shapes import shape_differences

BASE = "/platform-api/v3.0/"
BRISBANE = timezone(timedelta(hours=10))


def at(minute: int, second: int = 0) -> datetime:
    return datetime(2020, 7, 6, 13, minute, second, tzinfo=BRISBANE)


def test_activities_follow_next_uri_and_become_calls_with_every_column(sim: SimFactory) -> None:
    fixture = load("ipscape", "activities")
    app = FixtureServer()
    # The docs' nextUri lacks /platform-api: the connector puts it back. The last page is empty.
    app.answer(
        "GET", f"{BASE}activities", {"metadata": {"nextUri": None}, "items": []}, query={"cursor": "JHfgd37"}
    )
    app.play(fixture)
    with served(app) as server, client() as http:
        workspace = account(Ipscape, server.url + BASE, subdomain="acme", active_key="1")
        resource = Ipscape.resource("activities")
        window = datetime(2020, 7, 6, 13, tzinfo=BRISBANE), datetime(2020, 7, 6, 14, tzinfo=BRISBANE)
        pages = list(Ipscape.fetch_pages(http, Ipscape.auth(workspace), workspace, resource, *window))
    assert [s.query for s in app.seen] == [fixture.query, {"cursor": "JHfgd37"}]
    calls = [Ipscape.to_call(resource, row, UTC) for page in pages for row in page.rows]
    assert [{name: getattr(call, name) for name in CALL_ATTRIBUTES} for call in calls] == [
        {
            "direction": "inbound",
            "caller": "+61412345678",
            "callee": "+61130012345",
            "agent": "Sam Patel",
            "queue": "Customer Care",
            "started_at": at(11, 6),
            "duration_seconds": 240,
            "disposition": "Answered",
            "outcome": "answered",
            "answered": True,
        },
        {
            # Abandoned, but the caller left a voicemail.
            "direction": "inbound",
            "caller": "+61498765432",
            "callee": "+61130012345",
            "agent": "",
            "queue": "Customer Care",
            "started_at": at(20),
            "duration_seconds": 0,
            "disposition": "Abandoned",
            "outcome": "voicemail",
            "answered": False,
        },
        {
            "direction": "outbound",
            "caller": "",
            "callee": "+61411122233",
            "agent": "Jo Nguyen",
            "queue": "Renewals",
            "started_at": at(30),
            "duration_seconds": 300,
            "disposition": "Answered",
            "outcome": "answered",
            "answered": True,
        },
        {
            "direction": "outbound",
            "caller": "",
            "callee": "+61422233344",
            "agent": "",
            "queue": "Renewals",
            "started_at": at(40),
            "duration_seconds": 0,
            "disposition": "Answering machine",
            "outcome": "voicemail",
            "answered": False,
        },
    ]
    assert [call.vendor_call_id for call in calls] == ["5001", "5002", "5003", "5004"]

    # 300 activities 10 s apart from 13:00 (+10:00): more than a page, so nextUri is a string.
    box = sim(
        "ipscape",
        data_size=300,
        data_spacing_seconds=10,
        data_start="2020-07-06T03:00:00+00:00",
        timezone="Australia/Brisbane",
    )
    answer = box.client.send(fixture.request(box.server.url), auth=box.auth)
    assert answer.status_code == 200 and len(answer.json()["items"]) == 100
    assert shape_differences(fixture.body, answer.json()) == []
