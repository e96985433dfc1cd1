"""Settings shared by every simulator; each vendor's settings dataclass extends ``SimSettings``.

Every field can be changed live through ``PATCH /_sim/config`` (see ``control.py``) or
``SimulatorApp.configure(**changes)``; both go through ``dataclasses.replace`` so that
``__post_init__`` validates the new values.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import types
import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, get_args, get_origin
from zoneinfo import ZoneInfo

Fault = Literal["500", "slow", "malformed_json", "html_error", "drop"]
FAULTS: tuple[str, ...] = get_args(Fault)
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK = ["127.0.0.0/8", "::1/128"]
REDACTED = "********"


S = TypeVar("S", bound="SimSettings")


def secret_field(default: str = "") -> Any:
    """A string settings field whose value ``GET /_sim/config`` never shows."""
    return field(default=default, metadata={"secret": True})


def parse_networks(entries: list[str]) -> list[IpNetwork]:
    """Addresses or CIDRs (``10.0.0.1``, ``192.0.2.0/24``, ``::1``) as networks."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries]


def address_in(address: str, networks: list[IpNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


@dataclass
class SimSettings:
    """What every simulator can be told to do.  Subclasses add credentials and lifetimes."""

    # The vendor's IP firewall: None lets every client in.
    allowed_clients: list[str] | None = None
    # Who may use the /_sim/ control API (simulator-only; loopback by default).
    control_allowed_clients: list[str] = field(default_factory=lambda: list(LOOPBACK))
    # Rate limit: ``rate_limit`` requests per ``rate_window_seconds`` (None = off).
    rate_limit: int | None = None
    rate_window_seconds: float = 60.0
    # Retry-After sent with a 429; None = the seconds until the window frees a slot.
    retry_after_seconds: int | None = None
    # Answer the next N vendor requests with 429, whatever the rate limit says.
    force_429: int = 0
    # Fault injection: applied to the next ``fault_count`` requests (None = always) whose path
    # matches ``fault_path`` (a regex; None = every vendor path).
    fault: Fault | None = None
    slow_seconds: float = 5.0
    fault_count: int | None = None
    fault_path: str | None = None
    html_error_status: int = 502
    # FAULT (no vendor is known to do it): every total a list states ("totalCount", "total",
    # "numRecords") claims this many rows more than the list serves, as a vendor under-serving
    # its own count would, so a walk can be caught taking that for complete.
    total_surplus: int = 0
    # Generated data: ``data_size`` records per main resource, record i a pure function of
    # (seed, i), timestamps ascending from ``data_start`` every ``data_spacing_seconds``.
    # ``data_start`` None = chosen at start-up so that the newest record is "now".
    data_size: int = 1000
    seed: int = 1
    data_start: datetime | None = None
    data_spacing_seconds: float = 300.0
    # ASSUMPTION (vendors.md, Simulator decisions): naive vendor timestamps are in the account's
    # own time zone (default UTC).
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.allowed_clients is not None:
            parse_networks(self.allowed_clients)
        parse_networks(self.control_allowed_clients)
        if self.rate_limit is not None and self.rate_limit < 1:
            raise ValueError("rate_limit must be at least 1 (or null for no limit)")
        if self.rate_window_seconds <= 0:
            raise ValueError("rate_window_seconds must be positive")
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"fault must be one of {', '.join(FAULTS)} or null")
        if self.fault_path is not None:
            re.compile(self.fault_path)
        if self.fault_count is not None and self.fault_count < 0:
            raise ValueError("fault_count must not be negative")
        if min(self.force_429, self.data_size, self.slow_seconds, self.total_surplus) < 0:
            raise ValueError("force_429, data_size, slow_seconds and total_surplus must not be negative")
        if self.data_spacing_seconds < 0:
            raise ValueError("data_spacing_seconds must not be negative")
        if self.data_start is not None and self.data_start.tzinfo is None:
            self.data_start = self.data_start.replace(tzinfo=UTC)
        ZoneInfo(self.timezone)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def settings_to_json(settings: SimSettings) -> dict[str, Any]:
    """The settings as JSON-ready data, secret fields redacted."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if f.metadata.get("secret") and value:
            out[f.name] = REDACTED
        else:
            out[f.name] = _jsonable(value)
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def apply_changes(settings: S, changes: dict[str, Any]) -> S:
    """A validated copy of ``settings`` with ``changes`` (JSON values) coerced to field types."""
    hints = typing.get_type_hints(type(settings))
    names = {f.name for f in dataclasses.fields(settings)}
    unknown = sorted(set(changes) - names)
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
    coerced = {name: coerce(value, hints[name], name) for name, value in changes.items()}
    return dataclasses.replace(settings, **coerced)


def coerce(value: Any, tp: Any, name: str) -> Any:
    """``value`` (decoded JSON) as type ``tp``, or ValueError naming the setting."""
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in get_args(tp):
            return None
        for arg in get_args(tp):
            if arg is type(None):
                continue
            try:
                return coerce(value, arg, name)
            except ValueError:
                continue
        raise ValueError(f"{name}: invalid value {value!r}")
    if origin is Literal:
        if value in get_args(tp):
            return value
        raise ValueError(f"{name}: must be one of {get_args(tp)}")
    if origin is list and isinstance(value, list):
        (item_type,) = get_args(tp)
        return [coerce(v, item_type, name) for v in value]
    if origin is dict and isinstance(value, dict):
        key_type, value_type = get_args(tp)
        return {coerce(k, key_type, name): coerce(v, value_type, name) for k, v in value.items()}
    if tp is Any:
        return value
    if tp is bool and isinstance(value, bool):
        return value
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp is str and isinstance(value, str):
        return value
    if tp is datetime and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{name}: not an ISO 8601 date-time") from exc
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError(f"{name}: invalid value {value!r}")
