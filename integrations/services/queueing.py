"""Handing a run to the workers: its id alone, sent once the run's row is committed.

A broker that cannot be reached is recorded on the run in plain words (the person who clicked sees
it at once), never a 500 and never a run left "queued" forever.
"""

import logging
from collections.abc import Callable

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

UNREACHABLE = (
    "The task queue (broker) could not be reached, so no worker received this request ({error}). "
    "Check that the broker is running (`make run` starts one) and CELERY_BROKER_URL."
)


def send_after_commit(task: str, run_id: int, queue: str, on_failure: Callable[[str], None]) -> None:
    """Send `task(run_id)` to `queue` after the current transaction commits."""

    def send() -> None:
        try:
            # By name: tasks sit above services in the layers, and the message carries the id only.
            current_app.send_task(task, args=[run_id], queue=queue)
        except (OperationalError, OSError) as exc:
            log.error("could not queue %s for run %s: %s", task, run_id, type(exc).__name__)
            on_failure(UNREACHABLE.format(error=type(exc).__name__))

    transaction.on_commit(send)
