"""Fenced pulls: a duplicate delivery walks once; a run whose lease was taken over writes nothing."""

import threading
import time
from typing import Any

import pytest
from django.db import connections
from django.db.models import Max

from integrations.models import CallRecord, PullRun, PullState, PullStatus
from integrations.services import pulls
from integrations.services.audit import CLI
from tests.processes import slow_voipstudio
from tests.sandbox import SandboxFactory

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

RECORDS = 12_000  # three pages of 5,000


def in_thread(target: Any, *args: Any) -> threading.Thread:
    def run() -> None:
        try:
            target(*args)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_until(predicate: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def logins(box: Any) -> int:
    """Each walk logs in once (a login is a POST: never retried), so this counts walks."""
    return sum(1 for r in box.app.recent_requests() if r["path"].endswith("/login"))


def test_the_same_pull_delivered_twice_at_once_walks_once(sandbox: SandboxFactory, settings: Any) -> None:
    settings.OUTBOUND_READ_TIMEOUT = 5.0  # a busy machine must not turn a slow page into a retry
    box = sandbox("voipstudio", **slow_voipstudio(RECORDS, slow_seconds=0.2))
    run = pulls.start(box.integration, "cdrs", CLI, inline=False)  # queued; no worker consumes it
    box.app.clear_requests()

    deliveries = [in_thread(pulls.execute, run.pk) for _ in range(2)]
    for thread in deliveries:
        thread.join(timeout=120)

    run.refresh_from_db()
    assert run.status == PullStatus.SUCCEEDED
    assert run.pages == 3 and logins(box) == 1  # one walk, not two
    stored = CallRecord.objects.filter(integration=box.integration)
    assert stored.count() == RECORDS and run.created == RECORDS


def test_a_run_whose_lease_was_taken_over_changes_nothing_afterwards(
    sandbox: SandboxFactory, settings: Any
) -> None:
    box = sandbox("voipstudio", **slow_voipstudio(RECORDS, slow_seconds=0.3))  # under the read timeout
    first = pulls.start(box.integration, "cdrs", CLI, inline=False)
    walking = in_thread(pulls.execute, first.pk)
    wait_until(lambda: PullRun.objects.get(pk=first.pk).pages >= 1, "the first run's first page")

    # The first run's worker is presumed dead (its lease ran out) while it still walks.
    settings.PULL_LEASE_SECONDS = 0
    second = pulls.start(box.integration, "cdrs", CLI, inline=False)
    taking_over = in_thread(pulls.execute, second.pk)
    wait_until(lambda: PullRun.objects.get(pk=first.pk).status == PullStatus.FAILED, "the takeover")
    at_takeover = PullRun.objects.values().get(pk=first.pk)

    walking.join(timeout=120)
    taking_over.join(timeout=120)

    assert PullRun.objects.values().get(pk=first.pk) == at_takeover  # not a count, not a status
    assert "took over" in at_takeover["message"]
    second.refresh_from_db()
    assert second.status == PullStatus.SUCCEEDED
    stored = CallRecord.objects.filter(integration=box.integration)
    assert stored.count() == stored.values("vendor_call_id").distinct().count() == RECORDS
    state = PullState.objects.get(integration=box.integration, resource="cdrs")
    newest = stored.aggregate(newest=Max("started_at"))["newest"]
    assert state.watermark == newest == second.watermark_after
    assert state.running is None and state.generation == 2
