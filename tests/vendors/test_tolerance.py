"""Where the public record is not sure, the connectors read the other plausible answers too."""

import copy
from datetime import UTC, datetime

import pytest

from integrations.http import BadResponse
from integrations.vendors.base import Connector
from integrations.vendors.collect.connector import Collect
from integrations.vendors.resources import Page
from integrations.vendors.voipcloud.connector import VoipCloud
from integrations.vendors.voipstudio.connector import VoipStudio
from tests.vendors.fixtures import FixtureServer, account, client, load, served

WIDE = datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)


def walk(connector: type[Connector], app: FixtureServer, base: str, key: str, **public: str) -> list[Page]:
    """Every page the connector reads of `key` from `app`, over a window around every fixture."""
    with served(app) as server, client() as http:
        where = account(connector, server.url + base, **public)
        auth = connector.auth(where)
        return list(connector.fetch_pages(http, auth, where, connector.resource(key), *WIDE))


def test_collect_reads_a_top_level_pair_a_string_count_and_data_as_one_object() -> None:
    login = load("collect", "login")
    read = load("collect", "read")
    app = FixtureServer()
    app.answer("POST", login.path, login.body["result"])  # the pair at the top level
    one = {**read.body, "type": {**read.body["type"], "numRecords": "1"}, "data": read.body["data"][0]}
    app.answer("GET", read.path, one)
    rows = [row for page in walk(Collect, app, "/api/v1/", "debtor", op_id="OWN") for row in page.rows]
    assert rows == [read.body["data"][0]]


def test_voipcloud_reads_a_string_code_and_an_absent_connected_at() -> None:
    fixture = load("voipcloud", "user_calls")
    body = copy.deepcopy(fixture.body)
    body["code"] = "200"
    del body["data"][1]["connected_at"]  # the clients: absent or null when nobody answered
    app = FixtureServer()
    app.answer("GET", fixture.path, body)
    found = walk(VoipCloud, app, "/api/integration/v2/", "user_calls", pbx_host="pbx.example.com")
    resource = VoipCloud.resource("user_calls")
    calls = [VoipCloud.to_call(resource, row, UTC) for page in found for row in page.rows]
    assert [(call.outcome, call.answered) for call in calls] == [
        ("answered", True),
        ("missed", False),
        ("answered", True),
    ]


@pytest.mark.parametrize(
    "failure", [{"code": 500, "message": "Server busy"}, {"status": "error", "data": []}]
)
def test_voipcloud_refuses_a_200_whose_body_says_it_failed(failure: dict[str, object]) -> None:
    app = FixtureServer()
    app.answer("GET", "/api/integration/v2/get-user-calls", failure)
    with pytest.raises(BadResponse, match="VoIPcloud"):
        walk(VoipCloud, app, "/api/integration/v2/", "user_calls", pbx_host="pbx.example.com")


def test_voipstudio_reads_its_total_given_as_a_string() -> None:
    fixture = load("voipstudio", "cdrs")
    app = FixtureServer()
    app.answer("GET", fixture.path, {**fixture.body, "total": "3"})
    found = walk(VoipStudio, app, "/v1.2/voipstudio/", "cdrs", user_id="1")
    assert [page.total for page in found] == [3] and len(found[0].rows) == 3
