"""Worker liveness: heartbeats per queue, beat's pings, and what the admin says when work waits."""

import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from integrations.models import RunStatus, TestRun, WorkerHeartbeat
from integrations.services import workers
from integrations.services.audit import CLI
from integrations.services.integrations import create_integration
from portal.celery import app

pytestmark = pytest.mark.django_db


def alive(queue: str, *, started_minutes_ago: float = 10, pinged_minutes_ago: float | None = 0.5) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        hostname=f"{queue}@host",
        queue=queue,
        started_at=now - timedelta(minutes=started_minutes_ago),
        seen_at=now,
        pinged_at=None if pinged_minutes_ago is None else now - timedelta(minutes=pinged_minutes_ago),
    )


def test_with_no_worker_the_index_and_the_integrations_list_say_which_queue_waits(
    admin_client: Client,
) -> None:
    for url in (reverse("admin:index"), reverse("admin:integrations_integration_changelist")):
        page = admin_client.get(url).content.decode()
        assert "No worker serves the interactive queue" in page
        assert "test requests and connectivity checks are queued but nothing runs them" in page
        assert "No worker serves the bulk queue" in page


def test_live_workers_on_both_queues_raise_no_warning(admin_client: Client) -> None:
    alive("interactive")
    alive("bulk")
    assert workers.warnings() == []
    assert "worker-warnings" not in admin_client.get(reverse("admin:index")).content.decode()


def test_a_worker_silent_for_two_minutes_counts_as_gone() -> None:
    alive("interactive")
    alive("bulk")
    WorkerHeartbeat.objects.filter(queue="bulk").update(seen_at=timezone.now() - timedelta(minutes=3))
    (warning,) = workers.warnings()
    assert warning.startswith("No worker serves the bulk queue since ")


def test_live_workers_whose_pings_stopped_mean_beat_is_down() -> None:
    alive("interactive", pinged_minutes_ago=5)
    alive("bulk", pinged_minutes_ago=None)
    found = workers.warnings()
    assert len(found) == 2 and all("the scheduler (celery beat) seems stopped" in w for w in found)
    # A worker started a minute ago has had no time to receive a ping: no false alarm.
    WorkerHeartbeat.objects.all().delete()
    alive("interactive", started_minutes_ago=1, pinged_minutes_ago=None)
    alive("bulk", started_minutes_ago=1, pinged_minutes_ago=None)
    assert workers.warnings() == []


def test_a_queued_test_says_no_worker_serves_its_queue_instead_of_waiting_silently(
    admin_client: Client,
) -> None:
    integration = create_integration(
        vendor="voipcloud",
        name="pbx",
        credential_values={"pbx_host": "pbx.example.com", "api_key": "k-0123456789abcdef"},
        actor=CLI,
    )
    run = TestRun.objects.create(integration=integration, endpoint="user_calls", status=RunStatus.QUEUED)
    status = admin_client.get(reverse("admin:integrations_testrun_status", args=[run.pk])).json()
    assert status["done"] is False
    assert "No worker serves the interactive queue" in status["html"]

    run.status, run.started_at = RunStatus.RUNNING, timezone.now()
    run.progress = "GET /get-user-calls: attempt 2 of 3, waiting for an answer"
    run.save()
    status = admin_client.get(reverse("admin:integrations_testrun_status", args=[run.pk])).json()
    assert "attempt 2 of 3, waiting for an answer" in status["html"]
    assert "No worker serves" not in status["html"]


def test_beat_pings_each_queue_every_minute_and_drops_pings_nobody_took() -> None:
    workers.ensure_ping_schedules()
    workers.ensure_ping_schedules()  # kept in step, not doubled
    pings = {task.queue: task for task in PeriodicTask.objects.filter(task=workers.PING_TASK)}
    assert set(pings) == {"interactive", "bulk"}
    for queue, task in pings.items():
        assert (task.interval.every, task.interval.period) == (1, "minutes")
        assert task.kwargs == f'{{"queue": "{queue}"}}' and task.expire_seconds == 55


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_reports_both_queues_and_runs_the_pings(celery_worker: Any) -> None:
    hostname = celery_worker.hostname
    deadline = time.monotonic() + 30
    while set(WorkerHeartbeat.objects.filter(hostname=hostname).values_list("queue", flat=True)) != {
        "interactive",
        "bulk",
    }:
        assert time.monotonic() < deadline, "the worker wrote no heartbeat for both queues"
        time.sleep(0.05)
    for queue in ("interactive", "bulk"):
        app.send_task(workers.PING_TASK, kwargs={"queue": queue}, queue=queue)
    while WorkerHeartbeat.objects.filter(hostname=hostname, pinged_at__isnull=False).count() < 2:
        assert time.monotonic() < deadline, "the pings were not run"
        time.sleep(0.05)
    assert workers.warnings() == []
