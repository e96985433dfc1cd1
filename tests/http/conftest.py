"""Fixtures for the HTTP client tests: small werkzeug apps on real loopback sockets, no Django.

Nothing here mocks `requests`: every test that sends a request sends it over TCP to 127.0.0.1.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from integrations.http import HttpClient, Redactor, TargetPolicy
from integrations.simkit import RunningServer, serve

Handler = Callable[[Request], Response]
LOOPBACK = TargetPolicy(allow_private=True, approved_hosts=("127.0.0.1",))


@dataclass
class Seen:
    """What the server received, for assertions about what the client sent."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class App:
    """A WSGI app routing exact paths to handlers and recording every request."""

    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)
    # Set at teardown so handlers that wait (a slow vendor) finish and the server can close.
    release: threading.Event = field(default_factory=threading.Event)

    def route(self, path: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes[path] = handler
            return handler

        return register

    def __call__(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        body = request.get_data()
        self.seen.append(
            Seen(request.method, request.path, request.query_string.decode(), dict(request.headers), body)
        )
        self.hits[request.path] += 1
        handler = self.routes.get(request.path)
        response = handler(request) if handler else Response("not found", status=404)
        return response(environ, start_response)


def drop_connection(request: Request) -> Response:
    """Close the socket without answering, as a vendor's crashed backend or load balancer does."""
    sock = request.environ["werkzeug.socket"]
    sock.shutdown(socket.SHUT_RDWR)
    # werkzeug treats a ConnectionError raised by the app as a dropped client and writes nothing.
    raise ConnectionResetError("dropped on purpose")


@pytest.fixture
def serve_app() -> Iterator[Callable[[App], RunningServer]]:
    started: list[tuple[App, RunningServer]] = []

    def start(app: App) -> RunningServer:
        server = serve(app, host="127.0.0.1", port=0)
        started.append((app, server))
        return server

    yield start
    for app, server in started:
        app.release.set()
        server.shutdown()


@pytest.fixture
def app() -> App:
    return App()


@pytest.fixture
def server(app: App, serve_app: Callable[[App], RunningServer]) -> RunningServer:
    return serve_app(app)


@pytest.fixture
def sleeps() -> list[float]:
    """Records what the client would have slept: tests never wait for a backoff."""
    return []


@pytest.fixture
def make_client(
    sleeps: list[float], serve_app: Callable[[App], RunningServer]
) -> Iterator[Callable[..., HttpClient]]:
    """HttpClients for loopback targets; closed before the servers stop (keep-alive sockets)."""
    clients: list[HttpClient] = []

    def make(**overrides: Any) -> HttpClient:
        options: dict[str, Any] = {"policy": LOOPBACK, "sleep": sleeps.append, "read_timeout": 5.0}
        options.update(overrides)
        client = HttpClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., HttpClient]) -> HttpClient:
    return make_client()


@pytest.fixture
def canary() -> str:
    """A secret unique to this test, to search for where it must never appear."""
    return f"canary-{secrets.token_hex(12)}"


@pytest.fixture
def redactor() -> Redactor:
    return Redactor()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def all_log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record as a reader could see it: message, raw args and traceback."""
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)
