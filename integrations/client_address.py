"""The address of the person behind a request: what the audit trail, the login lockout and the
inbound checks record and compare.

`REMOTE_ADDR` is the direct peer. Behind a reverse proxy that is the proxy, and the person's
address is in X-Forwarded-For, which any client can also write. So the header is believed only
when the peer is one of `settings.TRUSTED_PROXIES`, and then read from the right: each trusted
proxy appended the address it received from, so the right-most address that is not a trusted
proxy is the first one no proxy of ours vouches for, the person's. Anything left of it was
written by the client and is ignored.
"""

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def parse_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR network (e.g. 10.0.0.0/8)."
            ) from None
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    return parse_networks(tuple(e for e in settings.TRUSTED_PROXIES if e.strip()))


def parse_address(text: str) -> Address | None:
    """An address as proxies write it: bare, `[v6]`, `[v6]:port` or `v4:port`; None if it is none."""
    value = text.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # v4 with a port; a bare v6 has several colons
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4-mapped IPv6 peer (::ffff:10.0.0.1, from a dual-stack socket) is that IPv4 address.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, proxies: Iterable[Network]) -> bool:
    return any(address in network for network in proxies)


def address_from(meta: Mapping[str, Any], proxies: tuple[Network, ...]) -> str | None:
    """The person's address for a request's META, given the trusted proxies."""
    peer = parse_address(str(meta.get("REMOTE_ADDR") or ""))
    if peer is None:
        return None
    if not _is_trusted(peer, proxies):
        return str(peer)
    hops = [hop for hop in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
    nearest = peer
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # What a trusted proxy passed on is not an address: nothing left of it can be
            # believed, so the last proxy that handed it over is as far as we know.
            break
        if not _is_trusted(address, proxies):
            return str(address)
        nearest = address
    return str(nearest)


def client_address(request: Any) -> str | None:
    """The person's address for a request (also django-axes' AXES_CLIENT_IP_CALLABLE)."""
    return address_from(getattr(request, "META", {}), trusted_proxies())
