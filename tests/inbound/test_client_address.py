"""Which address a request came from: X-Forwarded-For believed only from trusted proxies."""

import pytest

from integrations.client_address import address_from, parse_networks

PROXIES = ["10.0.0.0/8", "fd00::/8"]


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("203.0.113.9", "", [], "203.0.113.9"),
        ("203.0.113.9", "198.51.100.1", [], "203.0.113.9"),  # no proxies: the header is ignored
        ("203.0.113.9", "198.51.100.1", PROXIES, "203.0.113.9"),  # the peer is not a proxy
        ("10.0.0.5", "198.51.100.1", PROXIES, "198.51.100.1"),
        (
            "10.0.0.5",
            "192.0.2.66, 198.51.100.1",
            PROXIES,
            "198.51.100.1",
        ),  # the left part is the client's own
        ("10.0.0.5", "198.51.100.1, 10.0.0.7", PROXIES, "198.51.100.1"),  # through two proxies
        ("10.0.0.5", "10.0.0.8, 10.0.0.7", PROXIES, "10.0.0.8"),  # all proxies: the left-most
        ("10.0.0.5", "", PROXIES, "10.0.0.5"),
        ("10.0.0.5", "198.51.100.1, not-an-ip", PROXIES, "10.0.0.5"),  # garbage: stop at our last hop
        ("fd00::1", "2001:db8::7", PROXIES, "2001:db8::7"),
        ("fd00::1", "2001:DB8:0:0::7", PROXIES, "2001:db8::7"),  # written the canonical way
        ("10.0.0.5", "[2001:db8::7]:4711", PROXIES, "2001:db8::7"),
    ],
)
def test_the_client_is_the_right_most_untrusted_address(
    peer: str, forwarded: str, trusted: list[str], client: str
) -> None:
    meta = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded}
    assert address_from(meta, parse_networks(tuple(trusted))) == client
