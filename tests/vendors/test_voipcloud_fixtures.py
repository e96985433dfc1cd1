"""VoIPcloud v2's documented answers: the connector reads each, and the simulator answers in its shape."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from integrations.services.records import CALL_ATTRIBUTES
from integrations.vendors.diagnosis import Code
from integrations.vendors.resources import Call
from integrations.vendors.voipcloud.connector import VoipCloud
from tests.pulls_connectors.simulated import SimFactory
from tests.vendors.fixtures import Fixture, FixtureServer, account, client, load, served
from tests.vendors.shapes import shape_differences

BASE = "/api/integration/v2/"
SYDNEY = "Australia/Sydney"
# The fixtures' evening of 2 March in Sydney, and simulated calls on it (09:00 UTC = 20:00 there).
EVENING = {"data_start": "2026-03-02T09:00:00+00:00", "data_size": 40, "data_spacing_seconds": 60}


def pulled(fixture: Fixture, resource_key: str) -> tuple[list[Call], FixtureServer]:
    """The calls a pull of 2 March (Sydney) makes of the fixture, and what the server was asked."""
    app = FixtureServer([fixture])
    tz = ZoneInfo(SYDNEY)
    with served(app) as server, client() as http:
        pbx = account(VoipCloud, server.url + BASE, SYDNEY, pbx_host="pbx.example.com")
        resource = VoipCloud.resource(resource_key)
        window = datetime(2026, 3, 2, tzinfo=tz), datetime(2026, 3, 2, 23, 59, 59, tzinfo=tz)
        pages = list(VoipCloud.fetch_pages(http, VoipCloud.auth(pbx), pbx, resource, *window))
    return [VoipCloud.to_call(resource, row, tz) for page in pages for row in page.rows], app


def columns(call: Call) -> dict[str, Any]:
    return {name: getattr(call, name) for name in CALL_ATTRIBUTES}


def at(hour: int, minute: int, second: int = 0) -> datetime:
    """A time on 2 March in Sydney (+11:00), in UTC."""
    return datetime(2026, 3, 2, hour - 11, minute, second, tzinfo=UTC)


def same_shape_from_the_simulator(sim: SimFactory, fixture: Fixture) -> None:
    box = sim("voipcloud", timezone=SYDNEY, **EVENING)
    answer = box.client.send(fixture.request(box.server.url), auth=box.auth)
    assert answer.status_code == fixture.status
    assert answer.json()["data"], "the simulator should have calls that evening"
    assert shape_differences(fixture.body, answer.json()) == []


def test_user_calls_become_calls_with_every_column(sim: SimFactory) -> None:
    fixture = load("voipcloud", "user_calls")
    calls, app = pulled(fixture, "user_calls")
    # Whole days, oldest first, the biggest page: one short page is the whole day.
    assert [(s.path, s.query) for s in app.seen] == [(fixture.path, fixture.query)]
    assert [columns(call) for call in calls] == [
        {
            "direction": "inbound",
            "caller": "+61412345678",
            "callee": "201",
            "agent": "Olivia Smith",
            "queue": "",
            "started_at": at(20, 0),
            "duration_seconds": 122,
            "disposition": "user_inbound_answered",
            "outcome": "answered",
            "answered": True,
        },
        {
            "direction": "inbound",
            "caller": "+61498765432",
            "callee": "202",
            "agent": "Jack Wilson",
            "queue": "",
            "started_at": at(20, 5),
            "duration_seconds": 0,
            "disposition": "user_inbound_missed",
            "outcome": "missed",
            "answered": False,
        },
        {
            "direction": "outbound",
            "caller": "203",
            "callee": "+61290001234",
            "agent": "Mia Brown",
            "queue": "",
            "started_at": at(20, 10),
            "duration_seconds": 60,
            "disposition": "user_outbound_answered",
            "outcome": "answered",
            "answered": True,
        },
    ]
    same_shape_from_the_simulator(sim, fixture)


def test_queue_calls_are_inbound_and_say_their_outcome_in_status(sim: SimFactory) -> None:
    fixture = load("voipcloud", "queue_calls")
    calls, _ = pulled(fixture, "queue_calls")
    assert [columns(call) for call in calls] == [
        {
            "direction": "inbound",
            "caller": "+61412345678",
            "callee": "601",
            "agent": "Olivia Smith",
            "queue": "Sales",
            "started_at": at(20, 0),
            "duration_seconds": 122,
            "disposition": "answered",
            "outcome": "answered",
            "answered": True,
        },
        {
            "direction": "inbound",
            "caller": "+61455566677",
            "callee": "602",
            "agent": "",
            "queue": "Support",
            "started_at": at(20, 15),
            "duration_seconds": 0,
            "disposition": "abandoned",
            "outcome": "missed",
            "answered": False,
        },
    ]
    same_shape_from_the_simulator(sim, fixture)


def test_ringgroup_calls_name_their_ring_group(sim: SimFactory) -> None:
    fixture = load("voipcloud", "ringgroup_calls")
    calls, _ = pulled(fixture, "ringgroup_calls")
    assert [columns(call) for call in calls] == [
        {
            "direction": "inbound",
            "caller": "+61433344455",
            "callee": "701",
            "agent": "Noah Taylor",
            "queue": "Reception",
            "started_at": at(20, 20),
            "duration_seconds": 42,
            "disposition": "answered",
            "outcome": "answered",
            "answered": True,
        },
        {
            "direction": "inbound",
            "caller": "+61466677788",
            "callee": "702",
            "agent": "",
            "queue": "After Hours",
            "started_at": at(20, 30),
            "duration_seconds": 0,
            "disposition": "abandoned",
            "outcome": "missed",
            "answered": False,
        },
    ]
    same_shape_from_the_simulator(sim, fixture)


def test_call_to_number_is_sent_as_a_multipart_form_and_its_answer_is_ok(sim: SimFactory) -> None:
    fixture = load("voipcloud", "call_to_number")
    app = FixtureServer([fixture])
    endpoint = VoipCloud.endpoint("call_to_number")
    values, errors = endpoint.clean(fixture.form)
    assert not errors
    with served(app) as server, client() as http:
        pbx = account(VoipCloud, server.url + BASE, pbx_host="pbx.example.com")
        request = VoipCloud.build_request(pbx, endpoint, values)
        diagnosis = VoipCloud.interpret(endpoint, http.send(request, auth=VoipCloud.auth(pbx)))
    assert diagnosis.ok
    (sent,) = app.seen
    assert (sent.path, sent.mimetype, sent.form) == (fixture.path, "multipart/form-data", fixture.form)

    box = sim("voipcloud")
    answer = box.client.send(fixture.request(box.server.url), auth=box.auth)
    assert answer.status_code == fixture.status
    assert shape_differences(fixture.body, answer.json()) == []
    assert box.app.recent_requests()[-1]["content_type"] == "multipart/form-data"


def test_error_says_the_key_or_the_address_in_the_vendors_words(sim: SimFactory) -> None:
    fixture = load("voipcloud", "error")
    with served(FixtureServer([fixture])) as server, client() as http:
        pbx = account(VoipCloud, server.url + BASE, pbx_host="pbx.example.com")
        endpoint = VoipCloud.connectivity_endpoint()
        request = VoipCloud.build_request(pbx, endpoint, endpoint.clean({})[0])
        assert dict(request.params) == fixture.query  # the connectivity test: get-user-calls?limit=1
        diagnosis = VoipCloud.interpret(endpoint, http.send(request, auth=VoipCloud.auth(pbx)))
    assert (diagnosis.code, diagnosis.vendor_message) == (Code.AUTH_OR_IP, "Not authorised")

    box = sim("voipcloud", allowed_clients=["192.0.2.1/32"])  # the address, not the key, is refused
    answer = box.client.send(fixture.request(box.server.url), auth=box.auth)
    assert answer.status_code == fixture.status
    assert answer.json() == fixture.body
