"""Pull schedules: each one kept in step with a django-celery-beat PeriodicTask (ids only)."""

import json
from typing import Any

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from integrations.models import PullSchedule, ScheduleKind
from integrations.services import audit
from integrations.services.audit import Actor

SCHEDULED_PULL_TASK = "integrations.tasks.scheduled_pull"


def sync(schedule: PullSchedule, actor: Actor, *, created: bool) -> None:
    """Create or update the PeriodicTask beat runs for `schedule`, and audit the change.

    Validates first (crontab fields with django-celery-beat's own validators): bad times raise
    ValidationError and nothing, not even a beat task, is written.
    """
    schedule.full_clean(exclude=["periodic_task"])
    with transaction.atomic():
        if schedule.kind == ScheduleKind.INTERVAL:
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=schedule.every_minutes or 60, period=IntervalSchedule.MINUTES
            )
            when: dict[str, Any] = {"interval": interval, "crontab": None}
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=schedule.cron_minute,
                hour=schedule.cron_hour,
                day_of_week=schedule.cron_day_of_week,
                day_of_month="*",
                month_of_year="*",
                timezone=schedule.integration.timezone,
            )
            when = {"interval": None, "crontab": crontab}
        task = save_periodic_task(
            schedule.periodic_task,
            name=_task_name(schedule),
            task=SCHEDULED_PULL_TASK,
            kwargs={"integration_id": schedule.integration_id, "resource": schedule.resource},
            enabled=schedule.enabled and schedule.integration.enabled,
            description=f"Pull {schedule.resource} of {schedule.integration} ({schedule.describe()})",
            **when,
        )
        if schedule.periodic_task_id != task.pk:
            schedule.periodic_task = task
            schedule.save(update_fields=["periodic_task"])
        audit.record(
            "schedule.add" if created else "schedule.change",
            actor,
            schedule,
            integration=schedule.integration,
            details={"resource": schedule.resource, "when": schedule.describe(), "enabled": schedule.enabled},
        )


def save_periodic_task(
    existing: PeriodicTask | None,
    *,
    name: str,
    task: str,
    kwargs: dict[str, Any],
    enabled: bool,
    description: str,
    interval: IntervalSchedule | None = None,
    crontab: CrontabSchedule | None = None,
) -> PeriodicTask:
    """Create or update the beat task; on the `bulk` queue, its kwargs ids only (never a secret).

    A schedule row the task stops using (crontab → interval, or new times) is deleted when no
    other task uses it, so the beat tables hold only what runs.
    """
    periodic = existing or PeriodicTask(name=name)
    before = (periodic.interval, periodic.crontab) if periodic.pk else (None, None)
    periodic.task, periodic.kwargs, periodic.queue = task, json.dumps(kwargs), "bulk"
    periodic.enabled, periodic.description = enabled, description
    periodic.interval, periodic.crontab = interval, crontab
    periodic.save()
    prune_unused(*before)
    return periodic


def delete_periodic_task(periodic: PeriodicTask) -> None:
    """Delete a beat task and whichever of its schedule rows nothing else uses."""
    rows = (periodic.interval, periodic.crontab)
    periodic.delete()
    prune_unused(*rows)


def prune_unused(*rows: IntervalSchedule | CrontabSchedule | None) -> None:
    for row in rows:
        if row is None or row.pk is None:
            continue
        in_use = (
            PeriodicTask.objects.filter(interval=row)
            if isinstance(row, IntervalSchedule)
            else PeriodicTask.objects.filter(crontab=row)
        )
        if not in_use.exists():
            row.delete()


def remove(schedule: PullSchedule, actor: Actor) -> None:
    with transaction.atomic():
        audit.record(
            "schedule.remove",
            actor,
            schedule,
            integration=schedule.integration,
            details={"resource": schedule.resource},
        )
        if schedule.periodic_task is not None:
            delete_periodic_task(schedule.periodic_task)
        schedule.delete()


def _task_name(schedule: PullSchedule) -> str:
    return f"pull {schedule.resource} of integration #{schedule.integration_id}"
