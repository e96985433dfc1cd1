"""No downtime: a pull and a stream of test requests run while the credentials rotate, and every
one of them is `ok` — none is sent with a credential the vendor no longer accepts.

The pull runs on a real worker (threads); the test requests loop in a thread of their own; the
rotation runs here. Requests that started with the old credential keep it to their end, and the
old credential is revoked (VoIPstudio) or rotated at the vendor (ipSCAPE) only once none is left.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from integrations.models import PullRun, PullStatus, RotationStep, TestRun
from integrations.services import pulls, rotation, testing
from integrations.services.audit import CLI
from integrations.services.rotation import two_keys
from tests.conftest import log_text
from tests.rotation_helpers import active, rotate_in_workspace, vendor_tokens
from tests.sandbox import SandboxFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
MAX_TESTS = 400  # the loop's bound, whatever happens


class TestLoop:
    """Test requests back to back in a thread, until told to stop (bounded in count and time)."""

    __test__ = False

    def __init__(self, integration_pk: int) -> None:
        self.integration_pk = integration_pk
        self.stop = threading.Event()
        self.runs: list[int] = []
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._loop, name="test-loop", daemon=True)

    def _loop(self) -> None:
        from integrations.models import Integration

        try:
            integration = Integration.objects.get(pk=self.integration_pk)
            deadline = time.monotonic() + 120
            while not self.stop.is_set() and len(self.runs) < MAX_TESTS and time.monotonic() < deadline:
                run = testing.start(integration, None, {}, CLI, via="cli", inline=True)
                self.runs.append(run.pk)
        except Exception as exc:  # reported by the test, not lost in the thread
            self.errors.append(repr(exc))
        finally:
            connection.close()


@contextmanager
def under_load(integration_pk: int) -> Iterator[TestLoop]:
    loop = TestLoop(integration_pk)
    loop.thread.start()
    try:
        yield loop
    finally:
        loop.stop.set()
        loop.thread.join(timeout=60)


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def assert_every_request_ok(loop: TestLoop, pull: PullRun) -> list[TestRun]:
    assert not loop.errors, loop.errors
    runs = list(TestRun.objects.filter(pk__in=loop.runs))
    failures = [(r.pk, r.diagnosis, r.diagnosis_title, r.error) for r in runs if r.diagnosis != "ok"]
    assert failures == []
    pull.refresh_from_db()
    assert pull.status == PullStatus.SUCCEEDED, pull.message
    return runs


def test_voipstudio_token_rotation_under_a_pull_and_test_requests(
    sandbox: SandboxFactory,
    celery_worker: Any,
    settings: Any,
    published: list[str],
    all_logs: pytest.LogCaptureFixture,
) -> None:
    settings.ROTATION_DRAIN_SECONDS = 60
    settings.OUTBOUND_READ_TIMEOUT = 10  # a slow page, not a dead vendor (the sandbox's is 0.5 s)
    records = 15_000  # three pages of 5,000, each answered slowly: the pull outlives the switch
    box = sandbox(
        "voipstudio",
        data_size=records,
        data_start=(timezone.now() - timedelta(days=3)).isoformat(),
        data_spacing_seconds=2 * 86400 / records,
        fault="slow",
        fault_path="/cdrs",
        slow_seconds=0.4,
    )
    integration = box.integration
    rotation.rotate(integration, CLI, {})  # from e-mail + password to a first API token
    old = active(integration)

    with under_load(integration.pk) as loop:
        pull = pulls.start(integration, "cdrs", CLI)
        wait_for(lambda: PullRun.objects.get(pk=pull.pk).credential_version_id == old.pk, "the pull to start")
        wait_for(lambda: len(loop.runs) >= 5, "test requests with the old token")
        result = rotation.rotate(integration, CLI, {})
        runs_at_switch = len(loop.runs)
        wait_for(lambda: len(loop.runs) >= runs_at_switch + 5, "test requests with the new token")

    assert result.status == "succeeded", result.message
    runs = assert_every_request_ok(loop, pull)
    new = active(integration)
    used = {r.credential_version_id for r in runs}
    assert {old.pk, new.pk} <= used  # the stream overlapped the rotation, on both sides of it
    assert pull.credential_version_id == old.pk  # the whole walk ran on the old token ...
    revoked = RotationStep.objects.get(rotation_id=result.rotation or 0, step="revoke")
    assert pull.finished_at is not None and revoked.at >= pull.finished_at  # ... revoked after it
    (at_vendor,) = vendor_tokens(box)
    assert at_vendor["value"] == new.secret("api_token")
    # Neither token is in a task message (the pull's carries its id alone) nor in any log line.
    assert published and all("integrations.tasks.pull" in m for m in published)
    logged = log_text(all_logs)
    for token in (old.secret("api_token"), new.secret("api_token")):
        assert all(token not in m for m in published) and token not in logged


def test_ipscape_key_rotation_under_a_pull_and_test_requests(
    sandbox: SandboxFactory, celery_worker: Any, settings: Any
) -> None:
    settings.OUTBOUND_READ_TIMEOUT = 10
    records = 600  # six pages of 100 in the pull's window, each answered slowly
    box = sandbox(
        "ipscape",
        data_size=records,
        data_start=(timezone.now() - timedelta(hours=20)).isoformat(),
        data_spacing_seconds=18 * 3600 / records,
        fault="slow",
        slow_seconds=0.15,
    )
    integration = box.integration
    with under_load(integration.pk) as loop:
        pull = pulls.start(integration, "activities", CLI)
        wait_for(lambda: PullRun.objects.get(pk=pull.pk).status == PullStatus.RUNNING, "the pull to start")
        run = rotation.start(integration, CLI)
        rotation.run_step(run, CLI, {"value": rotate_in_workspace(box, 2)})  # key 1 serves meanwhile
        rotation.run_step(run, CLI)  # switch to key 2
        # The wizard says when key 1 is free: only then does the operator rotate it.
        assert two_keys.slot_in_use(integration, 1), "the pull ended before the switch: make it slower"
        wait_for(lambda: not two_keys.slot_in_use(integration, 1), "key 1 to be free", timeout=90)
        rotation.run_step(run, CLI, {"value": rotate_in_workspace(box, 1)})
        rotation.run_step(run, CLI)
        runs_after = len(loop.runs)
        wait_for(lambda: len(loop.runs) >= runs_after + 3, "test requests after the rotation")

    run.refresh_from_db()
    assert run.state == "succeeded"
    runs = assert_every_request_ok(loop, pull)
    assert len({r.credential_version_id for r in runs}) >= 2
