"""The person's address: X-Forwarded-For is believed only from a trusted proxy, read from the right."""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from integrations.client_address import address_from, client_address, parse_networks, trusted_proxies
from integrations.services.audit import Actor

PROXIES = ("10.0.0.0/8", "2001:db8:f::/48")


def meta(peer: str, forwarded: str | None = None) -> dict[str, str]:
    return {"REMOTE_ADDR": peer, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {})}


@pytest.mark.parametrize(
    ("peer", "forwarded", "person"),
    [
        # No proxy of ours: the peer is the person, whatever it claims.
        ("203.0.113.7", None, "203.0.113.7"),
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # One trusted proxy: the address it appended.
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # A client's forged entry sits left of the real one and is ignored.
        ("10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        # Two trusted proxies in a row: the first address no proxy of ours vouches for.
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.1.2.3", "198.51.100.1"),
        # Proxies write ports and brackets; IPv6 throughout.
        ("10.0.0.2", "198.51.100.1:51234", "198.51.100.1"),
        ("2001:db8:f::1", "[2001:db8:1::5]:443", "2001:db8:1::5"),
        ("2001:db8:f::1", "2001:db8:1::5", "2001:db8:1::5"),
        # A dual-stack socket reports an IPv4 proxy as ::ffff:10.0.0.2.
        ("::ffff:10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # A trusted proxy without the header, or only proxies in it: the nearest we know.
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "10.9.9.9", "10.9.9.9"),
        # Garbage handed on by a proxy: nothing left of it is believed.
        ("10.0.0.2", "198.51.100.1, not-an-address, 10.1.2.3", "10.1.2.3"),
    ],
)
def test_the_address_comes_from_the_right_most_untrusted_hop(
    peer: str, forwarded: str | None, person: str
) -> None:
    assert address_from(meta(peer, forwarded), parse_networks(PROXIES)) == person


def test_no_peer_address_is_none() -> None:
    assert address_from({}, ()) is None
    assert address_from({"REMOTE_ADDR": "unix-socket"}, ()) is None


def test_the_audit_trail_records_the_person_behind_a_trusted_proxy(settings: Any, db: None) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    factory = RequestFactory()
    behind = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1")
    direct = factory.get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    for request in (behind, direct):
        request.user = AnonymousUser()
    assert Actor.from_request(behind).source_ip == "198.51.100.1"
    assert Actor.from_request(direct).source_ip == "203.0.113.7"
    assert client_address(behind) == "198.51.100.1"


def test_a_malformed_trusted_proxy_setting_is_refused_by_name(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.internal"]
    with pytest.raises(ImproperlyConfigured, match=r"TRUSTED_PROXIES: 'proxy\.internal'"):
        trusted_proxies()


def test_a_malformed_trusted_proxy_setting_stops_the_start(settings: Any, db: None) -> None:
    from integrations.checks import check_trusted_proxies, startup_guard

    settings.TRUSTED_PROXIES = ["proxy.internal"]
    assert [e.id for e in check_trusted_proxies()] == ["switchboard.E006"]
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        startup_guard()
