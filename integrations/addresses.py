"""IP address and network parsing for allowlists (IPv4 and IPv6, via `ipaddress`)."""

import ipaddress
from collections.abc import Iterable

from django.core.exceptions import ValidationError


def normalize_network(text: str) -> str:
    """Canonical form of an address or CIDR; a single host is written without its prefix.

    Raises ValidationError with a message a person can act on (host bits set, not an address).
    """
    value = (text or "").strip()
    if not value:
        raise ValidationError("Enter an IP address or a network in CIDR notation.", code="blank")
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        if "host bits set" in str(exc):
            loose = ipaddress.ip_network(value, strict=False)
            raise ValidationError(
                f"{value} has host bits set: did you mean {loose}?", code="host_bits"
            ) from None
        raise ValidationError(
            f"{value!r} is not an IPv4/IPv6 address or CIDR network (e.g. 203.0.113.0/24).",
            code="invalid",
        ) from None
    if network.num_addresses == 1:
        return str(network.network_address)
    return str(network)


def validate_network(text: str) -> None:
    normalize_network(text)


def network_contains(network: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def in_any(address: str, networks: Iterable[str]) -> bool:
    return any(network_contains(network, address) for network in networks)
