"""Netguard: which URLs may be called.  Resolution is injected; nothing here leaves loopback."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from integrations.http import (
    BlockedTarget,
    DnsFailure,
    HttpClient,
    HttpRequest,
    TargetPolicy,
    blocked_reason,
    check_url,
)
from integrations.simkit import RunningServer

from .conftest import App

VENDOR_PATTERNS = ("{label}.asp.virtual-call-center.eu", "l7api.com", "{label}.ipscape.com.au")
VENDORS = TargetPolicy(host_patterns=VENDOR_PATTERNS)
PUBLIC = "93.184.216.34"


def resolves_to(*addresses: str) -> Callable[[str, int], list[str]]:
    return lambda host, port: list(addresses)


def must_not_resolve(host: str, port: int) -> list[str]:
    raise AssertionError(f"netguard resolved {host} although the host itself should be refused")


# ---- host patterns --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://acme.asp.virtual-call-center.eu/v2/projects",
        "https://ACME.Asp.Virtual-Call-Center.EU/v2/",
        "https://acme.asp.virtual-call-center.eu./v2/",
        "https://l7api.com/v1.2/voipstudio/ping",
        "https://l7api.com:443/v1.2/voipstudio/ping?x=1",
        "https://cc-1.ipscape.com.au/platform-api/v3.0/activities",
    ],
)
def test_vendor_hosts_matching_a_pattern_are_allowed(url: str):
    assert check_url(url, VENDORS, resolve=resolves_to(PUBLIC)) == [PUBLIC]


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.asp.virtual-call-center.eu.evil.example/v2/",
        "https://acme-asp.virtual-call-center.eu/v2/",
        "https://a.b.asp.virtual-call-center.eu/v2/",  # {label} is one label, not two
        "https://asp.virtual-call-center.eu/v2/",  # ... and not zero
        "https://acme.aspxvirtual-call-center.eu/v2/",  # a dot is a dot, not a wildcard
        "https://l7api.com.evil.example/",
        "https://evil-l7api.com/",
        "https://xl7api.com/",
        "https://l7apixcom/",
        "https://acme.ipscape.com.au.evil.example/",
        "https://127.0.0.1/",
    ],
)
def test_look_alike_hosts_are_refused_before_any_dns_lookup(url: str):
    with pytest.raises(BlockedTarget, match="matches neither the vendor's host pattern nor an approved host"):
        check_url(url, VENDORS, resolve=must_not_resolve)


def test_admin_approved_host_is_allowed_exactly_and_case_insensitively():
    policy = TargetPolicy(approved_hosts=("pbx.Example.COM",))

    assert check_url("https://PBX.example.com/api/", policy, resolve=resolves_to(PUBLIC)) == [PUBLIC]
    with pytest.raises(BlockedTarget):
        check_url("https://sub.pbx.example.com/api/", policy, resolve=must_not_resolve)


# ---- addresses ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1/", "loopback"),
        ("https://[::1]/", "loopback"),
        ("https://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("https://[fd00:ec2::254]/", "cloud metadata"),
        ("https://10.0.0.5/", "private"),
        ("https://192.168.1.1/", "private"),
        ("https://[::ffff:127.0.0.1]/", "loopback (IPv6-embedded)"),
        ("https://[::ffff:a9fe:a9fe]/", "cloud metadata (IPv6-embedded)"),
        ("https://[2002:7f00:1::]/", "loopback (IPv6-embedded)"),  # 6to4 of 127.0.0.1
        ("https://[64:ff9b::a00:5]/", "private (IPv6-embedded)"),  # NAT64 of 10.0.0.5
        ("https://100.64.0.1/", "shared (carrier-grade NAT)"),
        ("https://0.0.0.0/", "unspecified"),
        ("https://[::]/", "unspecified"),
        ("https://224.0.0.1/", "multicast"),
        ("https://169.254.10.1/", "link-local"),
        ("https://[fe80::1]/", "link-local"),
        ("https://[fc00::1]/", "private"),
        ("https://240.0.0.1/", "reserved"),
    ],
)
def test_non_public_ip_literals_are_refused_even_when_approved(url: str, reason: str):
    host = url.split("//", 1)[1].split("/", 1)[0].strip("[]")
    policy = TargetPolicy(approved_hosts=(host,))

    with pytest.raises(BlockedTarget) as caught:
        check_url(url, policy, resolve=must_not_resolve)
    assert f"not a public address ({reason})" in str(caught.value)
    assert caught.value.code == "blocked_target"
    assert caught.value.permanent


@pytest.mark.parametrize("address", ["10.1.2.3", "127.0.0.1", "169.254.169.254", "::1", "fd12::1"])
def test_vendor_host_resolving_to_a_private_address_is_refused(address: str):
    with pytest.raises(BlockedTarget, match=f"resolves to {address}"):
        check_url("https://acme.asp.virtual-call-center.eu/v2/", VENDORS, resolve=resolves_to(address))


def test_one_private_address_among_public_ones_is_enough_to_refuse():
    with pytest.raises(BlockedTarget, match=r"10\.0\.0\.9"):
        check_url("https://l7api.com/", VENDORS, resolve=resolves_to(PUBLIC, "2606:4700::1", "10.0.0.9"))


def test_private_targets_are_allowed_when_the_sandbox_flag_is_on():
    policy = TargetPolicy(approved_hosts=("127.0.0.1", "sim.local"), allow_private=True)

    assert check_url("http://127.0.0.1:8701/v2/", policy) == ["127.0.0.1"]
    assert check_url("http://sim.local:8702/", policy, resolve=resolves_to("10.0.0.2")) == ["10.0.0.2"]


def test_public_addresses_have_no_blocked_reason():
    assert blocked_reason(PUBLIC) is None
    assert blocked_reason("2606:4700:4700::1111") is None
    assert blocked_reason("::ffff:93.184.216.34") is None


# ---- scheme and user-info -------------------------------------------------------------------------
def test_plain_http_is_refused_unless_private_targets_are_allowed():
    with pytest.raises(BlockedTarget, match="plain http is only allowed for sandbox targets"):
        check_url("http://l7api.com/v1.2/voipstudio/ping", VENDORS, resolve=must_not_resolve)


@pytest.mark.parametrize(
    "url", ["ftp://l7api.com/", "file:///etc/passwd", "gopher://l7api.com/", "l7api.com"]
)
def test_other_schemes_are_refused(url: str):
    with pytest.raises(BlockedTarget):
        check_url(
            url, TargetPolicy(host_patterns=("l7api.com",), allow_private=True), resolve=must_not_resolve
        )


def test_user_info_in_the_url_is_refused_and_not_repeated(canary: str):
    with pytest.raises(BlockedTarget, match="credentials in the URL") as caught:
        check_url(
            f"https://admin:{canary}@l7api.com/v1.2/?api_key={canary}", VENDORS, resolve=must_not_resolve
        )
    assert canary not in str(caught.value)
    assert "admin" not in str(caught.value)


# ---- DNS ------------------------------------------------------------------------------------------
def test_name_that_does_not_resolve_raises_dns_failure():
    def no_such_name(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(DnsFailure, match=r"nosuch\.asp\.virtual-call-center\.eu does not resolve") as caught:
        check_url("https://nosuch.asp.virtual-call-center.eu/v2/", VENDORS, resolve=no_such_name)
    assert caught.value.code == "dns_failure"
    assert not caught.value.permanent


def test_empty_resolution_raises_dns_failure():
    with pytest.raises(DnsFailure):
        check_url("https://l7api.com/", VENDORS, resolve=resolves_to())


def test_client_reports_dns_failure_without_touching_the_network(
    monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., HttpClient], sleeps: list[float]
):
    def fake_getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    client = make_client(policy=TargetPolicy(host_patterns=("{label}.ipscape.com.au",)), max_attempts=2)

    with pytest.raises(DnsFailure):
        client.send(HttpRequest("GET", "https://acme.ipscape.com.au/platform-api/v3.0/activities"))
    assert len(sleeps) == 1  # a transient failure: a GET tries again once


def test_client_refuses_blocked_target_without_sending_or_retrying(
    make_client: Callable[..., HttpClient], sleeps: list[float]
):
    client = make_client(policy=TargetPolicy(approved_hosts=("127.0.0.1",)))

    with pytest.raises(BlockedTarget, match="loopback"):
        client.send(HttpRequest("GET", "https://127.0.0.1:1/"))
    assert sleeps == []


# ---- DNS rebinding ---------------------------------------------------------------------------------
def test_connection_to_a_private_address_after_a_public_lookup_is_refused(
    monkeypatch: pytest.MonkeyPatch, app: App, server: RunningServer, make_client: Callable[..., HttpClient]
):
    """A rebinding DNS server answers netguard with a public address and the connect with 127.0.0.1."""
    real_getaddrinfo = socket.getaddrinfo
    answers = iter([PUBLIC])

    def rebinding(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "rebind.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    client = make_client(policy=TargetPolicy(approved_hosts=("rebind.test",)), max_attempts=1)

    with pytest.raises(BlockedTarget, match=r"the connection went to 127\.0\.0\.1") as caught:
        client.send(HttpRequest("GET", f"https://rebind.test:{server.port}/admin"))
    assert caught.value.code == "blocked_target"
    assert app.seen == []  # refused on the TCP socket, before a TLS or HTTP byte
