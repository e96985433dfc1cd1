"""What beat holds besides its own housekeeping: the pings of the queues and the credential renewal."""

from django.db.models import Q, QuerySet
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from integrations.services.rotation.renewal import RENEW_TASK
from integrations.services.workers import PING_TASK

HOUSEKEEPING = (PING_TASK, RENEW_TASK)


def tasks() -> "QuerySet[PeriodicTask]":
    return PeriodicTask.objects.exclude(task__in=HOUSEKEEPING)


def intervals() -> "QuerySet[IntervalSchedule]":
    return IntervalSchedule.objects.exclude(Q(periodictask__task__in=HOUSEKEEPING))
