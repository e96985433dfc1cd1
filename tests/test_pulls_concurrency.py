"""Two triggers of the same pull at once: one runs, the other is skipped with a clear status."""

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from integrations.models import CallRecord, PullRun
from integrations.services import pulls
from integrations.services.audit import CLI
from tests.sandbox import SandboxFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_concurrent_triggers_make_one_run_and_one_skip(
    sandbox: SandboxFactory, celery_worker: Any
) -> None:
    start = timezone.now() - timedelta(days=3)
    box = sandbox(
        "voipcloud",
        data_size=1_500,
        data_start=start.isoformat(),
        data_spacing_seconds=86400 * 2 / 1_500,
        fault="slow",
        slow_seconds=0.3,
    )
    box.app.configure(rate_limit=None)
    first = pulls.start(box.integration, "user_calls", CLI)
    second = pulls.start(box.integration, "user_calls", CLI)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runs = list(PullRun.objects.order_by("id"))
        if all(r.is_done for r in runs):
            break
        time.sleep(0.2)
    statuses = sorted(r.status for r in PullRun.objects.filter(pk__in=[first.pk, second.pk]))
    assert statuses == ["skipped", "succeeded"]
    skipped = PullRun.objects.get(status="skipped")
    assert "still in progress" in skipped.message
    assert CallRecord.objects.filter(integration=box.integration).count() == 1_500
