"""Simulated vendors pushing webhooks: POST a JSON body to a URL, on loopback only.

A simulator plays the vendor's own server calling the portal. It only ever calls the networks in
``targets`` (loopback by default): the control API that triggers it is open to loopback clients,
and must not become a way to make the simulator call anything else.
"""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .settings import address_in, parse_networks


class PushRefused(ValueError):
    """The target is not one the simulator may call; the message says why."""


@dataclass(frozen=True)
class Pushed:
    status: int
    body: Any
    """The answer's JSON, or its first 200 characters of text."""


def check_target(url: str, targets: list[str]) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of `url` when every address it resolves to is in `targets`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PushRefused("url must be an http:// or https:// URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        resolved = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)}
    except socket.gaierror:
        raise PushRefused(f"{parts.hostname} does not resolve") from None
    allowed = parse_networks(targets)
    if not all(address_in(str(address), allowed) for address in resolved):
        raise PushRefused(
            f"{parts.hostname} is not on the simulator's webhook targets ({', '.join(targets)})"
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def post_json(
    url: str,
    body: Any,
    headers: dict[str, str],
    *,
    targets: list[str],
    source_address: str | None = None,
    timeout: float = 10.0,
) -> Pushed:
    scheme, host, port, path = check_target(url, targets)
    source = (source_address, 0) if source_address else None
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, source_address=source)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout, source_address=source)
    try:
        connection.request(
            "POST",
            path,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **headers},
        )
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
    finally:
        connection.close()
    try:
        answer: Any = json.loads(text)
    except ValueError:
        answer = text[:200]
    return Pushed(response.status, answer)
