"""Crash safety: SIGKILL the worker at random moments of one large pull, again and again.

The pull's message is acknowledged late, so after each kill the broker delivers it again (once its
visibility timeout passes) to the next worker, which resumes the run under a new lease. However
often that happens, the walk ends with exactly the vendor's records, none twice, and the watermark
on the newest of them. Runs on SQLite with the embedded broker, and again on PostgreSQL + Redis.
"""

import random
import time
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Max

from integrations.models import CallRecord, PullRun, PullState, PullStatus
from integrations.services import pulls
from integrations.services.audit import CLI
from tests.processes import Workers, slow_voipstudio, worker_env
from tests.sandbox import SandboxFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.broker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RECORDS = 30_000  # six pages of 5,000
KILLS = 10
VISIBILITY_SECONDS = 2


def wait_until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_ten_kills_mid_pull_end_with_exactly_the_vendors_records(
    sandbox: SandboxFactory, workers: Workers, broker_url: str, tmp_path: Path
) -> None:
    # Six pages of 0.6 s each and more: every kill below lands before the walk could finish.
    box = sandbox("voipstudio", name="vs", **slow_voipstudio(RECORDS, slow_seconds=0.6))
    env = worker_env(broker_url, tmp_path / "var", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_SECONDS))
    run = pulls.start(box.integration, "cdrs", CLI)
    rng = random.Random(20261201)
    workers_seen: set[str] = set()

    for kill in range(KILLS):
        worker = workers.start(env, "-Q", "bulk", "--pool", "solo", log=tmp_path / "worker.log")

        def walking(pid: int = worker.pid) -> bool:
            current = PullRun.objects.get(pk=run.pk)
            return current.status == PullStatus.RUNNING and current.worker.endswith(f":{pid}")

        # Its lease was taken (a first delivery, or the redelivery after the last kill).
        wait_until(walking, 60, f"a worker to take the pull (before kill {kill + 1})")
        time.sleep(rng.uniform(0.1, 2.0))
        workers.kill(worker)
        killed = PullRun.objects.get(pk=run.pk)
        assert killed.status == PullStatus.RUNNING, "the walk ended before the kill: make it slower"
        workers_seen.add(killed.worker)
        time.sleep(VISIBILITY_SECONDS)  # so the next worker finds the message visible again

    workers.start(env, "-Q", "bulk", "--pool", "solo", log=tmp_path / "worker.log")
    wait_until(lambda: PullRun.objects.get(pk=run.pk).is_done, 120, "the pull to finish")

    run.refresh_from_db()
    assert run.status == PullStatus.SUCCEEDED, run.message
    assert len(workers_seen) == KILLS  # each kill hit a walk in progress
    stored = CallRecord.objects.filter(integration=box.integration)
    assert stored.count() == stored.values("vendor_call_id").distinct().count() == RECORDS
    assert run.created == RECORDS  # each row inserted once, whichever walk inserted it
    newest = stored.aggregate(newest=Max("started_at"))["newest"]
    assert PullState.objects.get(integration=box.integration, resource="cdrs").watermark == newest
    assert PullState.objects.get().running is None
