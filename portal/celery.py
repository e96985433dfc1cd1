"""The Celery application: queues `interactive` (tests, small) and `bulk` (pulls, reports)."""

import logging
import os
import sys
import threading
from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_init, worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


log = logging.getLogger("portal.celery")


@worker_init.connect
def refuse_to_start_worker_without_working_keys(**_: Any) -> None:
    """A worker that cannot decrypt stored secrets would fail every task: stop it at start."""
    _refuse_without_working_keys("the worker")


@beat_init.connect
def refuse_to_start_beat_without_working_keys(**_: Any) -> None:
    """Beat would schedule work that cannot run: it refuses with the same words as the worker."""
    _refuse_without_working_keys("beat")


def _refuse_without_working_keys(what: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from integrations.checks import startup_guard

    try:
        startup_guard()
    except ImproperlyConfigured as exc:
        # Celery logs and swallows exceptions from signal handlers; SystemExit is not swallowed.
        print(f"Refusing to start {what}: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


_stopping = threading.Event()


@worker_ready.connect
def start_heartbeat(sender: Any, **_: Any) -> None:
    """From the worker's main process (never blocked by a busy pool): one row per queue, every 30 s."""
    from django.db import DatabaseError, close_old_connections
    from django.utils import timezone

    from integrations.services import workers

    hostname = sender.hostname
    queues = [queue.name for queue in sender.task_consumer.queues]
    started = timezone.now()

    def run() -> None:
        while True:
            try:
                workers.beat(hostname, queues, started)
            except DatabaseError as exc:  # a database restart must not end the heartbeat
                log.warning("worker heartbeat not written: %s", type(exc).__name__)
                close_old_connections()
            if _stopping.wait(workers.HEARTBEAT_SECONDS):
                return

    _stopping.clear()
    threading.Thread(target=run, name="switchboard-heartbeat", daemon=True).start()


@worker_shutdown.connect
def stop_heartbeat(sender: Any, **_: Any) -> None:
    from integrations.services import workers

    _stopping.set()
    workers.forget(sender.hostname)
