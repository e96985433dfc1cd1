"""The /_sim/ control API, the request log, the server helper and the logging rules."""

from __future__ import annotations

import logging

import pytest
import requests

from integrations.simkit import serve
from tests.simulators.clients import TIMEOUT, VOIPCLOUD_KEY, vcclive, voipcloud, voipstudio, voipstudio_token
from tests.simulators.conftest import Serve


def test_serve_uses_an_ephemeral_port_and_shutdown_closes_it() -> None:
    server = serve(voipcloud(), "127.0.0.1", 0)
    assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"
    assert requests.get(f"{server.url}/_sim/config", timeout=TIMEOUT).status_code == 200
    server.shutdown()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{server.url}/_sim/config", timeout=TIMEOUT)


def test_get_config_shows_settings_but_never_secrets(serve_app: Serve) -> None:
    url = serve_app(voipcloud()).url
    body = requests.get(f"{url}/_sim/config", timeout=TIMEOUT).json()
    assert body["simulator_only"] is True
    assert body["settings"]["api_key"] == "********"
    assert "sim-voipcloud-api-key" not in str(body)
    assert body["settings"]["rate_limit"] == 100
    assert body["data"] == {"user_calls": 50, "queue_calls": 50, "ringgroup_calls": 50}


def test_patch_config_changes_settings_live(serve_app: Serve) -> None:
    url = serve_app(voipcloud()).url
    patched = requests.patch(
        f"{url}/_sim/config", json={"fault": "500", "fault_count": 1, "data_size": 7}, timeout=5
    )
    assert patched.status_code == 200
    assert patched.json()["settings"]["fault"] == "500" and patched.json()["data"]["user_calls"] == 7
    status = f"{url}/api/integration/v2/get-user-calls?limit=1"
    assert requests.get(status, headers=VOIPCLOUD_KEY, timeout=TIMEOUT).status_code == 500
    assert requests.get(status, headers=VOIPCLOUD_KEY, timeout=TIMEOUT).status_code == 200
    requests.patch(f"{url}/_sim/config", json={"allowed_clients": ["192.0.2.0/24"]}, timeout=TIMEOUT)
    assert requests.get(status, headers=VOIPCLOUD_KEY, timeout=TIMEOUT).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"no_such_setting": 1},
        {"fault": "explode"},
        {"rate_limit": "many"},
        {"allowed_clients": ["not-an-ip"]},
    ],
)
def test_patch_config_refuses_unknown_or_invalid_settings(
    serve_app: Serve, change: dict[str, object]
) -> None:
    url = serve_app(voipcloud()).url
    response = requests.patch(f"{url}/_sim/config", json=change, timeout=TIMEOUT)
    assert response.status_code == 400 and response.json()["error"]


def test_request_log_keeps_method_path_query_client_status_and_hides_secrets(serve_app: Serve) -> None:
    url = serve_app(voipcloud()).url
    requests.get(
        f"{url}/api/integration/v2/get-user-calls?limit=2&token=leaked", headers=VOIPCLOUD_KEY, timeout=5
    )
    entries = requests.get(f"{url}/_sim/requests", timeout=TIMEOUT).json()["requests"]
    assert len(entries) == 1
    entry = entries[0]
    assert {k: entry[k] for k in ("method", "path", "client", "status")} == {
        "method": "GET",
        "path": "/api/integration/v2/get-user-calls",
        "client": "127.0.0.1",
        "status": 200,
    }
    assert entry["query"] == "limit=2&token=***"
    assert (entry["content_type"], entry["form"]) == ("", "")
    assert "sim-voipcloud-api-key" not in str(entries) and "leaked" not in str(entries)


def test_request_log_shows_a_form_body_and_its_encoding_hiding_secret_fields(serve_app: Serve) -> None:
    url = serve_app(voipcloud()).url
    form = {"user_number": "201", "number_to_call": "+61299999999", "token": "leaked"}
    requests.post(
        f"{url}/api/integration/v2/call-to-number",
        headers=VOIPCLOUD_KEY,
        files={name: (None, value) for name, value in form.items()},
        timeout=TIMEOUT,
    )
    requests.post(f"{url}/api/integration/v2/call-to-number", headers=VOIPCLOUD_KEY, data=form, timeout=5)
    multipart, urlencoded = requests.get(f"{url}/_sim/requests", timeout=TIMEOUT).json()["requests"]
    assert multipart["content_type"] == "multipart/form-data"
    assert multipart["form"] == "user_number=201&number_to_call=+61299999999&token=***"
    assert (urlencoded["content_type"], urlencoded["status"]) == ("application/x-www-form-urlencoded", 400)
    assert "leaked" not in str(multipart) + str(urlencoded)


def test_data_index_counts_the_records_each_dataset_holds(serve_app: Serve) -> None:
    sim = vcclive(project_count=2, records_per_project=5)
    url = serve_app(sim).url
    sim.data("cdrs").append(3)
    sim.data("records-1").insert_late()
    counts = requests.get(f"{url}/_sim/data", timeout=TIMEOUT).json()
    assert counts == {"cdrs": 53, "records-1": 6, "records-2": 5}


def test_request_log_keeps_only_the_last_100(serve_app: Serve) -> None:
    sim = voipcloud(rate_limit=None)
    url = serve_app(sim).url
    session = requests.Session()
    for _ in range(105):
        session.get(f"{url}/api/integration/v2/nothing-here", timeout=TIMEOUT)
    assert len(requests.get(f"{url}/_sim/requests", timeout=TIMEOUT).json()["requests"]) == 100


def test_clock_and_data_mutation_control_endpoints(serve_app: Serve) -> None:
    sim = voipcloud()
    url = serve_app(sim).url
    before = sim.clock.now()
    requests.post(f"{url}/_sim/clock", json={"advance": 3600}, timeout=TIMEOUT)
    assert (sim.clock.now() - before).total_seconds() >= 3600
    appended = requests.post(f"{url}/_sim/data/user_calls/append", json={"count": 2}, timeout=TIMEOUT).json()
    assert appended["seqs"] == [50, 51] and len(sim.data("user_calls")) == 52
    late = requests.post(
        f"{url}/_sim/data/user_calls/late",
        json={"age_seconds": 7200, "fields": {"type": "user_inbound_late"}},
        timeout=5,
    ).json()
    assert late["records"][0]["type"] == "user_inbound_late"
    updated = requests.post(
        f"{url}/_sim/data/user_calls/update",
        json={"seq": 3, "fields": {"conversation_duration": 1}},
        timeout=TIMEOUT,
    ).json()
    assert updated["records"][0]["conversation_duration"] == 1
    assert requests.post(f"{url}/_sim/data/nothing/append", json={}, timeout=TIMEOUT).status_code == 404


def test_control_api_refuses_clients_outside_control_allowed_clients(serve_app: Serve) -> None:
    url = serve_app(voipcloud(control_allowed_clients=["192.0.2.1/32"])).url
    assert requests.get(f"{url}/_sim/config", timeout=TIMEOUT).status_code == 403


def test_simulators_log_method_path_status_but_never_secrets_or_queries(
    serve_app: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="integrations.simkit")
    url = serve_app(voipstudio()).url
    token = voipstudio_token(url)
    created = requests.post(
        f"{url}/v1.2/voipstudio/apitokens", headers={"X-Auth-Token": token}, json={"name": "x"}, timeout=5
    )
    api_token = created.json()["data"]["token"]
    requests.delete(
        f"{url}/v1.2/voipstudio/apitokens/{api_token}", headers={"X-Auth-Token": token}, timeout=5
    )
    requests.get(
        f"{url}/v1.2/voipstudio/cdrs?filter=secret-looking", headers={"X-Auth-Token": token}, timeout=5
    )
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST /v1.2/voipstudio/login 200" in text
    assert "DELETE /v1.2/voipstudio/apitokens/*** 204" in text
    for secret in (token, api_token, "sim-voipstudio-password", "secret-looking"):
        assert secret not in text
