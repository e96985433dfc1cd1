"""VoIPstudio's documented answers: the connector reads each, and the simulator answers in its shape."""

from datetime import UTC, datetime

import pytest

from integrations.http import MASK, AuthFailed, HttpRequest, LoginSessionAuth, Redactor
from integrations.services.records import CALL_ATTRIBUTES
from integrations.vendors.diagnosis import Code
from integrations.vendors.voipstudio.connector import VoipStudio
from tests.pulls_connectors.simulated import SimFactory
from tests.vendors.fixtures import FixtureServer, account, client, load, served
from tests.vendors.shapes import shape_differences

BASE = "/v1.2/voipstudio/"


def test_login_gives_the_session_token_sent_on_every_request(sim: SimFactory) -> None:
    fixture = load("voipstudio", "login")
    app = FixtureServer([fixture])
    app.answer("GET", f"{BASE}me", {"data": {"id": 123456}, "links": {}})
    with served(app) as server, client() as http:
        user = account(VoipStudio, server.url + BASE, email="user@example.com")
        auth = VoipStudio.auth(user)
        response = http.send(HttpRequest("GET", f"{server.url}{BASE}me"), auth=auth)
    assert response.status_code == 200
    assert isinstance(auth, LoginSessionAuth) and auth.logins == 1
    login, me = app.seen
    assert (login.path, login.json) == (
        fixture.path,
        {"email": "user@example.com", "password": "fixture-password"},
    )
    assert me.path == f"{BASE}me"
    assert http.redactor.text(fixture.body["user_token"]) == MASK  # registered as a secret

    box = sim("voipstudio")
    sandbox = box.account
    credentials = {"email": sandbox.public["email"], "password": sandbox.secret("password")}
    answer = box.client.send(fixture.request(box.server.url, json=credentials))
    assert answer.status_code == fixture.status
    assert shape_differences(fixture.body, answer.json()) == []


def test_apitokens_rows_are_listed_with_the_token_masked(sim: SimFactory) -> None:
    fixture = load("voipstudio", "apitokens")
    token = fixture.body["data"]
    app = FixtureServer()
    # GET apitokens lists the same objects that POST apitokens answers one of.
    app.answer("GET", f"{BASE}apitokens", {"data": [token], "total": 1})
    with served(app) as server, client() as http:
        user = account(VoipStudio, server.url + BASE, user_id="123456")
        endpoint = VoipStudio.endpoint("apitokens")
        request = VoipStudio.build_request(user, endpoint, endpoint.clean({})[0])
        response = http.send(request, auth=VoipStudio.auth(user))
    assert VoipStudio.interpret(endpoint, response).ok
    shown = Redactor().body(response.body)
    assert token["token"] not in shown and MASK in shown and '"name": "Example API App"' in shown

    box = sim("voipstudio")
    created = box.client.send(fixture.request(box.server.url), auth=box.auth)
    assert created.status_code == fixture.status
    assert shape_differences(fixture.body, created.json()) == []
    listed = box.client.send(HttpRequest("GET", f"{box.server.url}{BASE}apitokens"), auth=box.auth).json()
    assert listed["total"] == 1
    assert shape_differences({"data": [token], "total": 1}, listed) == []


def test_cdrs_become_calls_with_every_column(sim: SimFactory) -> None:
    fixture = load("voipstudio", "cdrs")
    app = FixtureServer([fixture])
    with served(app) as server, client() as http:
        user = account(VoipStudio, server.url + BASE, user_id="123456")
        window = datetime(2022, 3, 1, tzinfo=UTC), datetime(2022, 3, 1, 23, 59, 59, tzinfo=UTC)
        resource = VoipStudio.resource("cdrs")
        pages = list(VoipStudio.fetch_pages(http, VoipStudio.auth(user), user, resource, *window))
    (asked,) = app.seen  # total 3 reached on the first page: nothing more asked
    assert fixture.query.items() <= asked.query.items()
    assert asked.query["filter"] == (
        '[{"property":"calldate","operator":"gte","value":"2022-03-01 00:00:00"},'
        '{"property":"calldate","operator":"lte","value":"2022-03-01 23:59:59"}]'
    )
    assert [page.total for page in pages] == [3]
    calls = [VoipStudio.to_call(resource, row, UTC) for page in pages for row in page.rows]
    assert [{name: getattr(call, name) for name in CALL_ATTRIBUTES} for call in calls] == [
        {
            "direction": "outbound",
            "caller": "1001",
            "callee": "442071234567",
            "agent": "1001",
            "queue": "",
            "started_at": datetime(2022, 3, 1, 9, 0, 5, tzinfo=UTC),
            "duration_seconds": 95,
            "disposition": "ANSWERED",
            "outcome": "answered",
            "answered": True,
        },
        {
            "direction": "inbound",
            "caller": "447700900123",
            "callee": "1002",
            "agent": "1002",
            "queue": "",
            "started_at": datetime(2022, 3, 1, 9, 10, tzinfo=UTC),
            "duration_seconds": 0,
            "disposition": "NO ANSWER",
            "outcome": "missed",
            "answered": False,
        },
        {
            "direction": "outbound",
            "caller": "1003",
            "callee": "442079876543",
            "agent": "1003",
            "queue": "",
            "started_at": datetime(2022, 3, 1, 9, 12, 30, tzinfo=UTC),
            "duration_seconds": 0,
            "disposition": "BUSY",
            "outcome": "busy",
            "answered": False,
        },
    ]
    assert [call.vendor_call_id for call in calls] == ["1001", "1002", "1003"]

    box = sim("voipstudio", data_size=200)
    answer = box.client.send(fixture.request(box.server.url), auth=box.auth)
    assert answer.status_code == 200 and answer.json()["data"]
    assert shape_differences(fixture.body, answer.json()) == []


def test_error_of_a_refused_login_is_bad_credentials_in_the_vendors_words(sim: SimFactory) -> None:
    fixture = load("voipstudio", "error")
    with served(FixtureServer([fixture])) as server, client() as http:
        user = account(VoipStudio, server.url + BASE, email="user@example.com")
        with pytest.raises(AuthFailed) as refused:
            http.send(HttpRequest("GET", f"{server.url}{BASE}me"), auth=VoipStudio.auth(user))
    diagnosis = VoipStudio.diagnose_error(refused.value)
    assert (diagnosis.code, diagnosis.vendor_message) == (
        Code.BAD_CREDENTIALS,
        "Invalid email and/or password.",
    )

    box = sim("voipstudio")
    answer = box.client.send(fixture.request(box.server.url))
    assert answer.status_code == fixture.status
    assert answer.json() == fixture.body  # the words too: the simulator copies them
