"""Per vendor, over real HTTP against its simulator: every failure gets the right diagnosis."""

import socket
from typing import Any

import pytest
import requests

from integrations.http import HttpClient
from integrations.models import TestRun
from integrations.services import testing
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration
from integrations.services.outbound import account_for, policy_for, redactor_for
from tests.sandbox import VENDOR_KEYS, SandboxFactory

pytestmark = pytest.mark.django_db

WRONG_SECRET = {
    "vcclive": {"password": "wrong-password-123"},
    "voipstudio": {"password": "wrong-password-123"},
    "collect": {"op_password": "wrong-password-123"},
    "ipscape": {"secret_key_1": "wrong-secret-key-1"},
    "voipcloud": {"api_key": "wrong-api-key-123"},
}
BAD_CREDENTIALS = {"voipcloud": "auth_or_ip"}  # VoIPcloud cannot tell a bad key from a bad address
ADDRESS_REFUSED = {"voipcloud": "auth_or_ip"}


def run(box: Any, endpoint: str | None = None, **params: str) -> TestRun:
    return testing.start(box.integration, endpoint, params, CLI, via="cli", inline=True)


@pytest.mark.parametrize("vendor", VENDOR_KEYS)
def test_connectivity_test_succeeds(sandbox: SandboxFactory, vendor: str) -> None:
    result = run(sandbox(vendor))
    assert (result.diagnosis, result.status_code) == ("ok", 200), result.response_excerpt


@pytest.mark.parametrize("vendor", VENDOR_KEYS)
def test_wrong_password_or_key(sandbox: SandboxFactory, vendor: str) -> None:
    result = run(sandbox(vendor, credentials=WRONG_SECRET[vendor]))
    assert result.diagnosis == BAD_CREDENTIALS.get(vendor, "bad_credentials")
    assert "wrong-" not in result.response_excerpt + result.vendor_message + result.request_url


@pytest.mark.parametrize(
    "vendor", [v for v in VENDOR_KEYS if v != "voipstudio"]
)  # VoIPstudio has no allowlist
def test_client_address_not_allowed(sandbox: SandboxFactory, vendor: str) -> None:
    result = run(sandbox(vendor, allowed_clients=["192.0.2.1/32"]))
    assert result.diagnosis == ADDRESS_REFUSED.get(vendor, "ip_not_allowed")
    facts = dict(result.facts)
    if vendor != "voipcloud":  # the others name the address they saw: we learn our egress from it
        assert "127.0.0.1" in facts["Portal egress address"]
        assert "is NOT on this integration's vendor allowlist" in facts["Portal egress address"]


def test_refused_address_that_we_registered_is_reported_as_registered(
    sandbox: SandboxFactory, settings: Any
) -> None:
    settings.PORTAL_EGRESS_IPS = ["127.0.0.1"]
    box = sandbox("vcclive", allowed_clients=["192.0.2.1/32"])
    box.integration.allowlist.create(kind="vendor", cidr="127.0.0.0/8")
    result = run(box)
    assert result.diagnosis == "ip_not_allowed"
    assert (
        "127.0.0.1 (from PORTAL_EGRESS_IPS) is on this integration's vendor allowlist"
        in dict(result.facts)["Portal egress address"]
    )
    assert any("check it was saved" in step for step in result.next_steps)


@pytest.mark.parametrize(("vendor", "counter"), [("voipstudio", "logins"), ("collect", "refreshes")])
def test_expired_token_is_renewed_transparently(sandbox: SandboxFactory, vendor: str, counter: str) -> None:
    box = sandbox(vendor)
    integration = box.integration
    connector = integration.connector
    account = account_for(integration)
    auth = connector.auth(account)
    request = connector.build_request(account, connector.connectivity_endpoint(), {"limit": 1})
    with HttpClient(policy=policy_for(integration), redactor=redactor_for(integration)) as client:
        assert client.send(request, auth=auth).status_code == 200
        box.app.expire_tokens()
        response = client.send(request, auth=auth)
    assert response.status_code == 200
    assert connector.interpret(connector.connectivity_endpoint(), response).ok
    expected = 2 if counter == "logins" else 1
    assert getattr(auth, counter) == expected


@pytest.mark.parametrize("vendor", VENDOR_KEYS)
def test_rate_limited_once_then_success(sandbox: SandboxFactory, vendor: str) -> None:
    box = sandbox(vendor, retry_after_seconds=1)
    box.app.force_429(1)
    result = run(box)
    assert result.diagnosis == "ok"
    # The 429 may land on the log-in or on the request itself; either way it was waited out.
    assert [r["status"] for r in box.app.recent_requests()].count(429) == 1


@pytest.mark.parametrize("vendor", VENDOR_KEYS)
def test_rate_limited_throughout(sandbox: SandboxFactory, vendor: str, settings: Any) -> None:
    box = sandbox(vendor, retry_after_seconds=120)  # longer than the client will wait
    box.app.force_429(10)
    assert run(box).diagnosis == "rate_limited"


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("500", "vendor_error"),
        ("slow", "timeout"),
        ("malformed_json", "unexpected_response"),
        ("html_error", "vendor_error"),
        ("drop", "vendor_error"),
    ],
)
@pytest.mark.parametrize("vendor", VENDOR_KEYS)
def test_faults(sandbox: SandboxFactory, vendor: str, fault: str, expected: str) -> None:
    result = run(sandbox(vendor, fault=fault, slow_seconds=2.0))
    assert result.diagnosis == expected, (result.diagnosis_title, result.vendor_message)


@pytest.mark.parametrize("vendor", VENDOR_KEYS)
def test_html_page_with_status_200_is_an_unexpected_response(sandbox: SandboxFactory, vendor: str) -> None:
    result = run(sandbox(vendor, fault="html_error", html_error_status=200))
    assert result.diagnosis == "unexpected_response"
    assert "<html" in result.response_excerpt.lower()


@pytest.mark.parametrize("vendor", VENDOR_KEYS)
def test_connection_refused(sandbox: SandboxFactory, vendor: str) -> None:
    box = sandbox(vendor)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    base = box.integration.base_url_override.replace(f":{box.server.port}/", f":{closed_port}/")
    box.integration.base_url_override = base
    box.integration.save()
    result = run(box)
    assert result.diagnosis == "connection_refused"
    assert result.status_code is None


def test_tls_failure_against_a_plain_http_server(sandbox: SandboxFactory) -> None:
    box = sandbox("vcclive")
    box.integration.base_url_override = box.integration.base_url_override.replace("http://", "https://")
    box.integration.save()
    assert run(box).diagnosis == "tls_failure"


def test_vcclive_resource_outside_the_tokens_allowed_resources(sandbox: SandboxFactory) -> None:
    box = sandbox("vcclive", allowed_resources=["^projects$"])
    assert run(box, "projects").diagnosis == "ok"
    refused = run(box, "users")
    assert refused.diagnosis == "bad_credentials"
    assert refused.diagnosis_title == "The VCC Live token may not use this resource"


def test_collect_unknown_database(sandbox: SandboxFactory) -> None:
    result = run(sandbox("collect", credentials={"database": "cv_nosuch"}))
    assert result.diagnosis == "bad_credentials"
    assert "database" in result.diagnosis_title


def test_voipstudio_api_token_instead_of_a_login(sandbox: SandboxFactory) -> None:
    box = sandbox("voipstudio")
    base = box.integration.base_url
    login = requests.post(
        base + "login",
        json={"email": "sandbox@example.test", "password": "sandbox-voipstudio-password"},
        timeout=5,
    ).json()
    minted = requests.post(
        base + "apitokens",
        json={"name": "switchboard", "expiry": 0},
        headers={"X-Auth-Token": login["user_token"]},
        timeout=5,
    ).json()["data"]
    token_integration = create_integration(
        vendor="voipstudio",
        name="voipstudio-token",
        credential_values={"user_id": str(minted["user_id"]), "api_token": minted["token"]},
        actor=CLI,
        base_url_override=base,
    )
    result = testing.start(token_integration, None, {}, CLI, via="cli", inline=True)
    assert result.diagnosis == "ok"
    assert result.request_headers == {"Authorization": "Basic ••••"}
