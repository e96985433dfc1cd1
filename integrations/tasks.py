"""Celery tasks: thin. Ids in, a service called, done; never a secret in the arguments."""

from typing import Any

from celery import shared_task

from integrations.models import Integration, Report
from integrations.services import pulls, reports, testing, workers
from integrations.services.audit import SYSTEM
from integrations.services.rotation import renewal


@shared_task(name="integrations.tasks.ping", bind=True)
def ping(task: Any, queue: str = "interactive") -> None:
    """Beat's ping of `queue`: records which worker ran it, and when (liveness)."""
    workers.record_ping(task.request.hostname or "unknown", queue)


@shared_task(name="integrations.tasks.run_test")
def run_test(test_run_id: int) -> None:
    testing.execute(test_run_id)


@shared_task(name="integrations.tasks.pull")
def pull(pull_run_id: int) -> None:
    pulls.execute(pull_run_id)


@shared_task(name="integrations.tasks.scheduled_pull")
def scheduled_pull(integration_id: int, resource: str) -> None:
    """What beat runs: the kwargs hold ids only. A disabled integration is left alone."""
    integration = Integration.objects.filter(pk=integration_id, enabled=True).first()
    if integration is not None:
        pulls.start(integration, resource, SYSTEM, trigger="schedule", inline=True)


@shared_task(name="integrations.tasks.scheduled_report")
def scheduled_report(report_id: int) -> None:
    report = Report.objects.filter(pk=report_id, enabled=True).first()
    if report is not None:
        reports.run(report, SYSTEM)


@shared_task(name="integrations.tasks.renew_credentials")
def renew_credentials() -> dict[str, int]:
    """Beat's renewal pass (bulk queue): tokens near expiry, waiting revocations, old versions."""
    return renewal.renew_due(SYSTEM)
