"""Celery tasks: thin. Ids in, a service called, done; never a secret in the arguments."""

import socket

from celery import shared_task
from django.utils import timezone

from integrations.models import WorkerHeartbeat
from integrations.services import testing


@shared_task(name="integrations.tasks.ping")
def ping(queue: str = "interactive") -> None:
    """Record that a worker consumed a task from `queue` (the admin shows worker liveness)."""
    WorkerHeartbeat.objects.update_or_create(
        hostname=socket.gethostname(), queue=queue, defaults={"seen_at": timezone.now()}
    )


@shared_task(name="integrations.tasks.run_test")
def run_test(test_run_id: int) -> None:
    testing.execute(test_run_id)
