"""What beat holds besides its own pings of the queues (integrations.services.workers)."""

from django.db.models import QuerySet
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from integrations.services.workers import PING_TASK


def tasks() -> "QuerySet[PeriodicTask]":
    return PeriodicTask.objects.exclude(task=PING_TASK)


def intervals() -> "QuerySet[IntervalSchedule]":
    return IntervalSchedule.objects.exclude(periodictask__task=PING_TASK)
