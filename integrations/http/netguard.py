"""Netguard: which URLs the portal may call (SSRF defence).

A base URL is typed by an admin, so without this the portal could be pointed at its own database,
the cloud metadata service or anything else on the inside network.  A target must (1) be https
(http only in the sandbox), (2) carry no user-info, (3) match the vendor's host pattern or a host an
admin approved, and (4) resolve only to public addresses.  The client re-checks (4) on the socket it
actually connected (see ``client.py``), because DNS can answer differently the second time.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from .errors import BlockedTarget, DnsFailure

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# One DNS label (RFC 1123, case folded before matching): never a dot, so never two labels.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_METADATA = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not private, not public either
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


@dataclass(frozen=True)
class TargetPolicy:
    host_patterns: tuple[str, ...] = ()
    approved_hosts: tuple[str, ...] = ()
    allow_private: bool = False


def check_url(url: str, policy: TargetPolicy, resolve: Resolver | None = None) -> list[str]:
    """The addresses ``url``'s host resolves to, or BlockedTarget / DnsFailure saying why not."""
    parts = urlsplit(url)
    shown = _display(url)
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and policy.allow_private):
        why = "plain http is only allowed for sandbox targets" if scheme == "http" else "not an https URL"
        raise BlockedTarget(f"refused {shown}: {why}")
    if "@" in parts.netloc:
        raise BlockedTarget(f"refused {shown}: credentials in the URL are not allowed; use the auth fields")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BlockedTarget(f"refused {shown}: the URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise BlockedTarget(f"refused {shown}: invalid port") from None
    if not host_allowed(host, policy):
        raise BlockedTarget(
            f"refused {shown}: {host} matches neither the vendor's host pattern nor an approved host"
        )
    literal = _as_ip(host)
    addresses = [str(literal)] if literal is not None else _resolve(host, port, resolve)
    if not policy.allow_private:
        for address in addresses:
            reason = blocked_reason(address)
            if reason is not None:
                where = host if literal is not None else f"{host} resolves to {address}, which"
                raise BlockedTarget(f"refused {shown}: {where} is not a public address ({reason})")
    return addresses


def host_allowed(host: str, policy: TargetPolicy) -> bool:
    """Exact approved host, or a pattern in which only ``{label}`` varies (one DNS label)."""
    host = host.lower().rstrip(".")
    literal = _as_ip(host)
    for approved in policy.approved_hosts:
        wanted = approved.lower().strip().strip("[]").rstrip(".")
        # Compare addresses as addresses, so "::1" and "0:0:0:0:0:0:0:1" are the same host.
        if wanted == host or (literal is not None and _as_ip(wanted) == literal):
            return True
    return any(_pattern(p).fullmatch(host) for p in policy.host_patterns)


@lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str]:
    # Everything but {label} is literal: escape it all, then open exactly those holes.
    escaped = re.escape(pattern.lower().rstrip("."))
    return re.compile(escaped.replace(re.escape("{label}"), _LABEL))


def blocked_reason(address: str) -> str | None:
    """Why an address may not be called (with ``allow_private`` off), or None if it is public."""
    ip = _as_ip(address.split("%", 1)[0])  # drop an IPv6 zone id ("fe80::1%eth0")
    if ip is None:
        return "unparseable"
    if ip in _METADATA:
        return "cloud metadata"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = blocked_reason(str(embedded))
            return f"{inner} (IPv6-embedded)" if inner else None
    checks = (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("shared (carrier-grade NAT)", ip.version == 4 and ip in _SHARED),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        # Whatever else the registries say is not globally routable (documentation, benchmarks).
        ("non-public", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv4-mapped, 6to4 or NAT64 address, which routes to it."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _as_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _resolve(host: str, port: int, resolve: Resolver | None) -> list[str]:
    try:
        addresses = (resolve or _getaddrinfo)(host, port)
    except (OSError, UnicodeError):
        # gaierror is an OSError; an over-long label fails IDNA encoding with UnicodeError.
        raise DnsFailure(f"{host} does not resolve") from None
    if not addresses:
        raise DnsFailure(f"{host} does not resolve")
    return addresses


def _getaddrinfo(host: str, port: int) -> list[str]:
    # Looked up on the module at call time so tests can substitute socket.getaddrinfo.
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _display(url: str) -> str:
    """The URL as an error message may show it: no user-info, no query (it may hold keys)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else netloc + parts.path
