"""Worker liveness: who serves each queue, whether beat's pings get through, and what to tell people.

Two signals, because each can fail alone:
- every worker process writes a heartbeat row per queue it consumes every 30 s (from its main
  process, so a pool busy with long pulls still reports), and deletes it when it stops cleanly;
- beat sends a ping task to each queue every minute, and the worker that runs it records when: a
  live worker whose pings stop means beat (the scheduler) is down.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from integrations.models import RunStatus, TestRun, WorkerHeartbeat

HEARTBEAT_SECONDS = 30
NO_WORKER_AFTER = timedelta(minutes=2)
NO_PING_AFTER = timedelta(minutes=3)
PING_TASK = "integrations.tasks.ping"
# What waits on each queue, in the words of the warning.
QUEUES = {"interactive": "test requests and connectivity checks", "bulk": "pulls and reports"}


def beat(hostname: str, queues: list[str], started_at: datetime) -> None:
    """A worker's periodic sign of life, one row per queue it consumes."""
    now = timezone.now()
    for queue in queues:
        WorkerHeartbeat.objects.update_or_create(
            hostname=hostname, queue=queue, defaults={"seen_at": now, "started_at": started_at}
        )


def forget(hostname: str) -> None:
    """A worker stopping cleanly: its queues show no worker at once, not two minutes later."""
    WorkerHeartbeat.objects.filter(hostname=hostname).delete()


def record_ping(hostname: str, queue: str) -> None:
    """Beat's ping of `queue` ran: the queue is consumed and beat is alive (whichever worker ran it)."""
    now = timezone.now()
    if not WorkerHeartbeat.objects.filter(queue=queue).update(pinged_at=now):
        # A worker that writes no heartbeat of its own (started without our signal handlers).
        WorkerHeartbeat.objects.create(hostname=hostname, queue=queue, seen_at=now, pinged_at=now)


def ensure_ping_schedules() -> None:
    """Beat's ping of each queue, every minute (created with the database, kept in step)."""
    with transaction.atomic():
        every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
        for queue in QUEUES:
            PeriodicTask.objects.update_or_create(
                name=f"ping the {queue} queue",
                defaults={
                    "task": PING_TASK,
                    "interval": every_minute,
                    "crontab": None,
                    "kwargs": json.dumps({"queue": queue}),
                    "queue": queue,
                    # A ping nobody took within the minute is dropped, not piled up for later.
                    "expire_seconds": 55,
                    "enabled": True,
                    "description": f"Proves a worker serves the {queue} queue ({QUEUES[queue]}).",
                },
            )


@dataclass(frozen=True)
class QueueState:
    queue: str
    workers: int
    last_seen: datetime | None
    last_ping: datetime | None
    oldest_start: datetime | None


def queue_states(now: datetime | None = None) -> list[QueueState]:
    now = now or timezone.now()
    rows = list(WorkerHeartbeat.objects.filter(queue__in=list(QUEUES)))
    states = []
    for queue in QUEUES:
        mine = [r for r in rows if r.queue == queue]
        live = [r for r in mine if now - r.seen_at <= NO_WORKER_AFTER]
        states.append(
            QueueState(
                queue=queue,
                workers=len(live),
                last_seen=max((r.seen_at for r in mine), default=None),
                last_ping=max((r.pinged_at for r in mine if r.pinged_at), default=None),
                oldest_start=min((r.started_at for r in live if r.started_at), default=None),
            )
        )
    return states


def warnings(now: datetime | None = None) -> list[str]:
    """What an admin must be told about background work, in plain words (empty when all is well)."""
    now = now or timezone.now()
    found = []
    for state in queue_states(now):
        waiting = QUEUES[state.queue]
        if state.workers == 0:
            since = f" since {timezone.localtime(state.last_seen):%Y-%m-%d %H:%M}" if state.last_seen else ""
            found.append(
                f"No worker serves the {state.queue} queue{since}: {waiting} are queued but nothing "
                f"runs them. Start one (see the Procfile's `{state.queue}` process)."
            )
        elif (
            state.oldest_start is not None
            and now - state.oldest_start > NO_PING_AFTER
            and (state.last_ping is None or now - state.last_ping > NO_PING_AFTER)
        ):
            found.append(
                f"Beat's pings of the {state.queue} queue stopped arriving: the scheduler (celery beat) "
                "seems stopped, so scheduled pulls and reports do not run."
            )
    return found


def waiting_note(run: TestRun, now: datetime | None = None) -> str:
    """For a test request still queued: why, when the portal can tell ('' when nothing is wrong)."""
    if run.status != RunStatus.QUEUED:
        return ""
    now = now or timezone.now()
    state = next(s for s in queue_states(now) if s.queue == "interactive")
    if state.workers == 0:
        return (
            "No worker serves the interactive queue, so this request waits until one starts "
            "(the Procfile's `interactive` process)."
        )
    if now - run.created_at > timedelta(seconds=10):
        return "Every interactive worker is busy; this request runs as soon as one is free."
    return ""
