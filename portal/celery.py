"""The Celery application: queues `interactive` (tests, small) and `bulk` (pulls, reports)."""

import os
import sys
from typing import Any

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_to_start_without_working_keys(**_: Any) -> None:
    """A worker that cannot decrypt stored secrets would fail every task: stop it at start."""
    from django.core.exceptions import ImproperlyConfigured

    from integrations.checks import startup_guard

    try:
        startup_guard()
    except ImproperlyConfigured as exc:
        # Celery logs and swallows exceptions from signal handlers; SystemExit is not swallowed.
        print(f"Refusing to start the worker: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
