"""A real Celery worker (threads, in this process) on the embedded filesystem broker."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import before_task_publish
from kombu import pools

from portal.celery import app


@pytest.fixture
def published() -> Iterator[list[str]]:
    """The text of every task message published during the test (body and headers)."""
    messages: list[str] = []

    def record(body: Any = None, headers: Any = None, **_: Any) -> None:
        messages.append(repr(body) + repr(headers))

    before_task_publish.connect(record, weak=False)
    yield messages
    before_task_publish.disconnect(record)


@pytest.fixture
def celery_worker(tmp_path: Path, settings: Any) -> Iterator[Any]:
    """Consumes `interactive` and `bulk` from a broker folder of this test's own."""
    # The worker's start-up guard runs as in production: tests run with DEBUG off, so say that
    # this process's (generated) secrets count as configured.
    settings.SECRET_KEY_IS_EXPLICIT = settings.PORTAL_ENCRYPTION_KEYS_ARE_EXPLICIT = True
    folder = tmp_path / "broker"
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        "polling_interval": 0.05,
    }
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(parents=True)
    saved = app.conf.broker_transport_options
    app.conf.broker_transport_options = options
    _reconnect()
    try:
        with start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, queues=["interactive", "bulk"]
        ) as worker:
            yield worker
    finally:
        app.conf.broker_transport_options = saved
        _reconnect()


def _reconnect() -> None:
    """Drop pooled broker connections so the next publish uses the current transport options."""
    pools.reset()  # kombu's process-wide pools, keyed without the transport options
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]
