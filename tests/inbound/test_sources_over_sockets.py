"""Who may call, over real sockets: the portal served on loopback, clients bound to chosen addresses.

Loopback is a whole network (127.0.0.0/8): a client socket bound to 127.0.0.2 reaches a server
on 127.0.0.1 and is seen as 127.0.0.2, so allowed and refused sources are real TCP peers. IPv6
runs on ::1 where the machine has it.
"""

import http.client
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler

from integrations.models import CallRecord, Integration, RefusalReason, Scope, WebhookEndpoint
from integrations.services import allowlists
from integrations.services.audit import CLI
from integrations.simkit import RunningServer, serve
from tests.inbound.conftest import completed_event, has_ipv6_loopback

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
IPV6 = pytest.mark.skipif(not has_ipv6_loopback(), reason="this machine has no IPv6 loopback (::1)")


@pytest.fixture
def portal_v4() -> Iterator[RunningServer]:
    server = serve(WSGIHandler(), "127.0.0.1", 0)
    yield server
    server.shutdown()


@pytest.fixture
def portal_v6() -> Iterator[RunningServer]:
    server = serve(WSGIHandler(), "::1", 0)
    yield server
    server.shutdown()


def request(
    server: RunningServer,
    path: str,
    *,
    source: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> tuple[int, Any]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10, source_address=(source, 0))
    try:
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(
            method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})}
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def deliver(server: RunningServer, path: str, secret: str, source: str, **headers: str) -> int:
    status, _ = request(
        server, path, source=source, body=completed_event(), headers={"X-Pbx-Token": secret, **headers}
    )
    return status


def last_refusal(integration: Integration) -> tuple[int, str | None, str]:
    endpoint = WebhookEndpoint.objects.get(integration=integration)
    return endpoint.refused_count, endpoint.last_refused_address, endpoint.last_refused_reason


def test_an_allowed_ipv4_source_is_accepted_and_another_refused(
    portal_v4: RunningServer, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    assert deliver(portal_v4, hook_path, webhook_secret, "127.0.0.1") == 200
    assert deliver(portal_v4, hook_path, webhook_secret, "127.0.0.2") == 401
    assert last_refusal(pbx) == (1, "127.0.0.2", RefusalReason.ADDRESS)
    assert CallRecord.objects.filter(integration=pbx).count() == 1


def test_a_cidr_network_admits_its_addresses_only(
    portal_v4: RunningServer, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    allowlists.add_entry(pbx, "127.0.5.0/29", CLI)
    assert deliver(portal_v4, hook_path, webhook_secret, "127.0.5.6") == 200
    assert deliver(portal_v4, hook_path, webhook_secret, "127.0.5.9") == 401
    assert last_refusal(pbx)[1] == "127.0.5.9"


@IPV6
def test_ipv6_sources_are_checked_too(
    portal_v6: RunningServer, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    assert deliver(portal_v6, hook_path, webhook_secret, "::1") == 401
    assert last_refusal(pbx) == (1, "::1", RefusalReason.ADDRESS)
    allowlists.add_entry(pbx, "::1", CLI)
    assert deliver(portal_v6, hook_path, webhook_secret, "::1") == 200


@IPV6
def test_an_ipv6_network_on_the_list_admits_ipv6_loopback(
    portal_v6: RunningServer, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    allowlists.add_entry(pbx, "::/127", CLI)  # :: and ::1
    assert deliver(portal_v6, hook_path, webhook_secret, "::1") == 200


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(
    portal_v4: RunningServer, pbx: Integration, hook_path: str, webhook_secret: str, settings: Any
) -> None:
    settings.TRUSTED_PROXIES = []
    assert (
        deliver(portal_v4, hook_path, webhook_secret, "127.0.0.2", **{"X-Forwarded-For": "127.0.0.1"}) == 401
    )
    assert last_refusal(pbx)[1] == "127.0.0.2"
    settings.TRUSTED_PROXIES = ["127.0.0.3"]  # a proxy is configured, but 127.0.0.2 is not it
    assert (
        deliver(portal_v4, hook_path, webhook_secret, "127.0.0.2", **{"X-Forwarded-For": "127.0.0.1"}) == 401
    )


def test_a_trusted_proxy_passes_on_the_right_most_untrusted_address(
    portal_v4: RunningServer, pbx: Integration, hook_path: str, webhook_secret: str, settings: Any
) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.3", "127.0.0.4"]
    allowlists.add_entry(pbx, "203.0.113.5", CLI)
    # The PBX at 203.0.113.5, through two of our proxies.
    assert (
        deliver(
            portal_v4, hook_path, webhook_secret, "127.0.0.3", **{"X-Forwarded-For": "203.0.113.5, 127.0.0.4"}
        )
        == 200
    )
    # Someone else, claiming to be the PBX in the part of the header they wrote themselves.
    assert (
        deliver(
            portal_v4,
            hook_path,
            webhook_secret,
            "127.0.0.3",
            **{"X-Forwarded-For": "203.0.113.5, 198.51.100.66"},
        )
        == 401
    )
    assert last_refusal(pbx)[1] == "198.51.100.66"
    # The proxy is not the client: its own address on the list admits nobody behind it.
    allowlists.add_entry(pbx, "127.0.0.3", CLI)
    assert (
        deliver(portal_v4, hook_path, webhook_secret, "127.0.0.3", **{"X-Forwarded-For": "198.51.100.66"})
        == 401
    )


def test_a_right_token_from_a_wrong_address_and_a_wrong_token_from_a_right_one_differ(
    portal_v4: RunningServer, pbx: Integration, hook_path: str, webhook_secret: str
) -> None:
    deliver(portal_v4, hook_path, webhook_secret, "127.0.0.2")
    assert last_refusal(pbx)[2] == RefusalReason.ADDRESS
    deliver(portal_v4, hook_path, "wrong", "127.0.0.1")
    assert last_refusal(pbx) == (2, "127.0.0.1", RefusalReason.TOKEN)


def test_a_token_used_outside_its_allowed_addresses_is_refused(
    portal_v4: RunningServer, issue: Callable[..., str], settings: Any
) -> None:
    token = issue(Scope.CALLS_READ, allowed_ips=["127.0.0.2"])
    auth = {"Authorization": f"Bearer {token}"}
    assert request(portal_v4, "/api/v1/calls/", source="127.0.0.2", headers=auth, method="GET")[0] == 200
    status, body = request(portal_v4, "/api/v1/calls/", source="127.0.0.1", headers=auth, method="GET")
    assert status == 403 and body["error"]["code"] == "address_not_allowed"
    # Behind a trusted proxy the forwarded address is the one checked, whatever the header's left part says.
    settings.TRUSTED_PROXIES = ["127.0.0.3"]
    forwarded = {**auth, "X-Forwarded-For": "127.0.0.2, 127.0.0.9"}
    assert request(portal_v4, "/api/v1/calls/", source="127.0.0.3", headers=forwarded, method="GET")[0] == 403
    forwarded = {**auth, "X-Forwarded-For": "127.0.0.9, 127.0.0.2"}
    assert request(portal_v4, "/api/v1/calls/", source="127.0.0.3", headers=forwarded, method="GET")[0] == 200


@IPV6
def test_a_token_allowed_on_an_ipv6_network(portal_v6: RunningServer, issue: Callable[..., str]) -> None:
    token = issue(Scope.CALLS_READ, allowed_ips=["::1/128"])
    auth = {"Authorization": f"Bearer {token}"}
    assert request(portal_v6, "/api/v1/calls/", source="::1", headers=auth, method="GET")[0] == 200
