"""The one-at-a-time lock of a pull, fenced: a run writes only while its lease is current.

`PullState.running` names the run that holds the lock of an (integration, resource), and
`PullState.generation` counts the claims. A claim takes a new generation; every later write of the
run (each page, the watermark, the final status) first checks, in its own transaction and with the
state row locked, that the lock is still its own at that generation. So a message delivered twice
walks once, and a run whose lease was taken over (its worker was presumed dead) changes nothing
after that moment: not its status, not its counts, not the watermark.
"""

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import PullRun, PullState, PullStatus

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another claim owns the lock now: this run must stop without writing anything."""


@dataclass(frozen=True)
class Lease:
    state_id: int
    generation: int
    watermark: datetime | None
    """The state's watermark when the lease was taken: where this walk starts from."""


def claim(run: PullRun) -> Lease | None:
    """Take the lock of the run's (integration, resource), or return None and leave it be.

    None when another live run holds it (this run is then marked skipped), or when this very run
    holds it alive already (a duplicate delivery of its message: nothing to do, nothing written).
    """
    with transaction.atomic():
        state = _locked_state(run)
        now = timezone.now()  # after the lock: the holder cannot write a heartbeat past it any more
        holder = state.running
        if holder is not None and alive(holder, now):
            if holder.pk != run.pk:
                age = int((now - (holder.heartbeat_at or now)).total_seconds())
                close(
                    run,
                    PullStatus.SKIPPED,
                    "",
                    f"Skipped: run #{holder.pk} of {run.resource} is still in progress "
                    f"(last sign of life {age} s ago); one pull at a time per integration and resource.",
                )
            else:
                log.info("pull %s delivered again while it runs: the running walk carries on", run.pk)
            return None
        resumed = holder is not None and holder.pk == run.pk
        if holder is not None and not resumed:
            close(holder, PullStatus.FAILED, "", f"The process running it stopped; run #{run.pk} took over.")
        state.running = run
        state.generation += 1
        state.save(update_fields=["running", "generation"])
        run.status, run.heartbeat_at = PullStatus.RUNNING, now
        run.started_at = run.started_at or now
        run.worker = this_process()
        run.watermark_before = state.watermark
        if resumed:
            # Its worker died mid-walk and its message came back: walk again from the watermark.
            # What it stored stays counted; the page progress starts over.
            run.pages = run.rows_seen = 0
            run.message = "Resumed: the worker first running it stopped."
        run.save()
    return Lease(state.pk, state.generation, state.watermark)


def hold(lease: Lease, run: PullRun) -> PullState:
    """Inside a transaction: lock the state row and prove the lease is still this run's."""
    state = PullState.objects.select_for_update().get(pk=lease.state_id)
    if state.running_id != run.pk or state.generation != lease.generation:
        raise LeaseLost(
            f"pull {run.pk} lost its lease (generation {lease.generation}, now {state.generation})"
        )
    return state


def finish(run: PullRun, lease: Lease, status: str, diagnosis: str, message: str) -> None:
    """End a run that holds its lease, and release the lock; raises LeaseLost if it does not."""
    with transaction.atomic():
        state = hold(lease, run)
        close(run, status, diagnosis, message)
        state.running = None
        state.save(update_fields=["running"])


def close(run: PullRun, status: str, diagnosis: str, message: str) -> None:
    """Write a run's final status (the caller holds the state lock or never had it)."""
    run.status, run.diagnosis, run.message = status, diagnosis, message
    run.finished_at = timezone.now()
    run.save()


def alive(holder: PullRun, now: datetime) -> bool:
    if holder.status != PullStatus.RUNNING:
        return False
    lease = timedelta(seconds=settings.PULL_LEASE_SECONDS)
    if holder.heartbeat_at is None or now - holder.heartbeat_at > lease:
        return False
    return not process_gone(holder.worker)


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def process_gone(worker: str) -> bool:
    """Whether the process named `host:pid` is known to be dead (only knowable on this host)."""
    host, _, pid = worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        # Same machine: a killed worker is known at once, not only when its lease runs out.
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
    return False


def _locked_state(run: PullRun) -> PullState:
    states = PullState.objects.select_for_update()
    try:
        with transaction.atomic():
            state, _ = states.get_or_create(integration=run.integration, resource=run.resource)
    except IntegrityError:  # created by a concurrent claim a moment ago
        state = states.get(integration=run.integration, resource=run.resource)
    return state
