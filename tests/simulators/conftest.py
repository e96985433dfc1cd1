"""Simulators as real servers on ephemeral loopback ports: real sockets, real HTTP, no mocks.

These tests need neither Django nor a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from integrations.simkit import RunningServer, SimulatorApp, serve

Serve = Callable[[SimulatorApp[Any]], RunningServer]


@pytest.fixture
def serve_app() -> Iterator[Serve]:
    """Start simulators on 127.0.0.1 with an ephemeral port; all are shut down after the test."""
    started: list[RunningServer] = []

    def start(app: SimulatorApp[Any]) -> RunningServer:
        server = serve(app, "127.0.0.1", 0)
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
