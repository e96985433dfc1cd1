"""A test request ends within its deadline and says where it is; a broker that is down is said so."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from integrations.models import PullStatus, RunStatus, TestRun
from integrations.services import pulls, testing
from integrations.services.audit import CLI
from integrations.services.queueing import UNREACHABLE
from portal.celery import app
from tests.sandbox import SandboxFactory
from tests.workers import reconnect

pytestmark = pytest.mark.django_db


def test_a_vendor_slower_than_the_deadline_costs_the_deadline_and_says_so(
    sandbox: SandboxFactory, settings: Any
) -> None:
    settings.OUTBOUND_READ_TIMEOUT = 10.0  # each read would wait this long; the whole request may not
    settings.OUTBOUND_TEST_DEADLINE = 1.0
    box = sandbox("voipcloud", fault="slow", slow_seconds=5)
    run = testing.start(box.integration, None, {}, CLI, inline=True)
    assert run.diagnosis == "timeout"
    assert "no answer within 1 s (the deadline for the whole request)" in run.observed
    assert run.vendor_message == ""  # the vendor said nothing: the portal observed it


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_while_it_runs_the_run_says_which_attempt_waits_for_an_answer(sandbox: SandboxFactory) -> None:
    box = sandbox("voipcloud", fault="slow", slow_seconds=0.4)
    run = testing.start(box.integration, None, {}, CLI, inline=False)  # queued; run here, in a thread

    def execute() -> None:
        try:
            testing.execute(run.pk)
        finally:
            connections.close_all()  # this thread's connection, or PostgreSQL keeps the test database

    worker = threading.Thread(target=execute)
    seen: set[str] = set()
    worker.start()
    while worker.is_alive():
        seen.add(TestRun.objects.get(pk=run.pk).progress)
        time.sleep(0.02)
    worker.join()
    assert "GET /api/integration/v2/get-user-calls: attempt 1 of 3, waiting for an answer" in seen
    run.refresh_from_db()
    assert run.ok and run.progress == ""  # a finished run has no progress to show


@pytest.fixture
def broker_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    saved = app.conf.broker_url
    dead = f"redis+socket://{tmp_path}/nobody-listens.sock"
    monkeypatch.setenv("CELERY_BROKER_URL", dead)  # celery reads it before its own setting
    app.conf.broker_url = dead  # type: ignore[misc]
    reconnect()
    yield
    monkeypatch.undo()
    app.conf.broker_url = saved  # type: ignore[misc]
    reconnect()


def test_a_test_request_that_no_broker_takes_fails_at_once_with_the_reason(
    sandbox: SandboxFactory, broker_down: None, django_capture_on_commit_callbacks: Any
) -> None:
    box = sandbox("voipcloud")
    with django_capture_on_commit_callbacks(execute=True):
        run = testing.start(box.integration, None, {}, CLI)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error.startswith(UNREACHABLE.split("(", 1)[0])


def test_a_pull_that_no_broker_takes_fails_at_once_with_the_reason(
    sandbox: SandboxFactory, broker_down: None, django_capture_on_commit_callbacks: Any
) -> None:
    box = sandbox("voipcloud")
    with django_capture_on_commit_callbacks(execute=True):
        run = pulls.start(box.integration, "user_calls", CLI)
    run.refresh_from_db()
    assert run.status == PullStatus.FAILED and "could not be reached" in run.message
