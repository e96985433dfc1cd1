"""Pulls: one run at a time per integration and resource, page by page, crash-safe.

Each page's rows and the run's progress commit together; the watermark (newest record time
stored) moves only after every page has committed, and the next pull starts `overlap` before it,
so a crash, a re-run or a late-arriving record never loses or duplicates a row.
"""

import logging
import os
import socket
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.http import HttpClient, HttpError, Redactor
from integrations.models import Integration, PullRun, PullState, PullStatus
from integrations.services.audit import Actor
from integrations.services.outbound import NotReady, account_for, policy_for, redactor_for
from integrations.services.prefetch import prefetched
from integrations.services.records import prepare_page, store_prepared
from integrations.vendors.base import UnknownResource
from integrations.vendors.resources import IncompleteWalk

log = logging.getLogger(__name__)

PULL_PERMISSION = "integrations.add_pullrun"
PULL_TASK = "integrations.tasks.pull"


def start(
    integration: Integration,
    resource_key: str,
    actor: Actor,
    *,
    trigger: str = "manual",
    since: datetime | None = None,
    inline: bool = False,
) -> PullRun:
    """Record a queued run and hand it to the `bulk` queue, or run it here (`inline`)."""
    if not actor.has_perm(PULL_PERMISSION):
        raise PermissionDenied("You may not start pulls.")
    try:
        integration.connector.resource(resource_key)
    except UnknownResource as exc:
        raise ValidationError(str(exc)) from None
    with transaction.atomic():
        run = PullRun.objects.create(
            integration=integration,
            resource=resource_key,
            trigger=trigger,
            requested_by=actor.user,
            since_override=since,
        )
        if not inline:
            transaction.on_commit(lambda: current_app.send_task(PULL_TASK, args=[run.pk], queue="bulk"))
    return execute(run.pk) if inline else run


def execute(run_id: int) -> PullRun:
    run = PullRun.objects.select_related("integration").get(pk=run_id)
    if run.is_done:
        return run
    state = _claim(run)
    if state is None:
        return run
    redactor = Redactor()
    try:
        redactor = redactor_for(run.integration)
        _walk(run, state, redactor)
    except IncompleteWalk as exc:
        # Every page fetched is stored, but the watermark stays where it was: the next pull walks
        # this window again (upserts make that harmless) instead of stepping over the gap.
        _finish(
            run,
            PullStatus.INCOMPLETE,
            "incomplete",
            f"Incomplete: {exc}. The watermark did not move; the next pull reads this window again.",
        )
    except HttpError as exc:
        diagnosis = run.integration.connector.diagnose_error(exc)
        _finish(run, PullStatus.FAILED, diagnosis.code.value, redactor.text(f"{diagnosis.title}. {exc}"))
    except (NotReady, UnknownResource) as exc:
        _finish(run, PullStatus.FAILED, "", str(exc))
    except Exception as exc:
        log.error("pull %s failed inside the portal: %s", run.pk, type(exc).__name__)
        _finish(run, PullStatus.FAILED, "", f"{type(exc).__name__}: {redactor.text(str(exc))}")
    return run


def _claim(run: PullRun) -> PullState | None:
    """Take the one-at-a-time lock of (integration, resource); mark the run skipped if held."""
    now = timezone.now()
    with transaction.atomic():
        state = _locked_state(run)
        holder = state.running
        if holder is not None and holder.pk != run.pk and _alive(holder, now):
            age = int((now - (holder.heartbeat_at or now)).total_seconds())
            _finish(
                run,
                PullStatus.SKIPPED,
                "",
                f"Skipped: run #{holder.pk} of {run.resource} is still in progress "
                f"(last sign of life {age} s ago); one pull at a time per integration and resource.",
            )
            return None
        if holder is not None and holder.pk != run.pk:
            _finish(
                holder, PullStatus.FAILED, "", f"The process running it stopped; run #{run.pk} took over."
            )
        state.running = run
        state.save(update_fields=["running"])
        run.status, run.started_at, run.heartbeat_at = PullStatus.RUNNING, now, now
        run.worker = f"{socket.gethostname()}:{os.getpid()}"
        run.watermark_before = state.watermark
        run.save()
    return state


def _locked_state(run: PullRun) -> PullState:
    states = PullState.objects.select_for_update()
    try:
        with transaction.atomic():
            state, _ = states.get_or_create(integration=run.integration, resource=run.resource)
    except IntegrityError:  # created by a concurrent claim a moment ago
        state = states.get(integration=run.integration, resource=run.resource)
    return state


def _alive(holder: PullRun, now: datetime) -> bool:
    if holder.status != PullStatus.RUNNING:
        return False
    if holder.heartbeat_at is None or now - holder.heartbeat_at > timedelta(
        seconds=settings.PULL_LEASE_SECONDS
    ):
        return False
    host, _, pid = holder.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        # Same machine: a killed worker is known at once, not only when its lease runs out.
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    return True


def _walk(run: PullRun, state: PullState, redactor: Redactor) -> None:
    integration = run.integration
    connector = integration.connector
    resource = connector.resource(run.resource)
    account = account_for(integration)
    tz = ZoneInfo(integration.timezone)
    until = timezone.now()
    if run.since_override:
        since = run.since_override
    elif state.watermark:
        since = state.watermark - resource.overlap
    else:
        since = until - resource.initial_window
    run.window_start, run.window_end = since, until
    run.save(update_fields=["window_start", "window_end"])
    newest = state.watermark
    with HttpClient(
        policy=policy_for(integration),
        redactor=redactor,
        connect_timeout=settings.OUTBOUND_CONNECT_TIMEOUT,
        read_timeout=settings.OUTBOUND_READ_TIMEOUT,
    ) as client:
        auth = connector.auth(account)
        pages = connector.fetch_pages(client, auth, account, resource, since, until)
        # Three stages, each in its own thread and a page ahead of the next: fetching (mostly
        # waiting on the vendor), mapping (CPU), and here writing (SQLite releases the GIL while it
        # writes). Mapping in the fetching thread put it in series with the vendor's answer.
        fetched = prefetched(pages)
        for page in prefetched(prepare_page(connector, resource, p, tz) for p in fetched):
            with transaction.atomic():
                created, updated = store_prepared(integration, resource, page)
                run.pages += 1
                run.rows_seen += page.received
                run.created += created
                run.updated += updated
                run.expected_total = page.total if page.total is not None else run.expected_total
                run.heartbeat_at = timezone.now()
                run.save(
                    update_fields=[
                        "pages",
                        "rows_seen",
                        "created",
                        "updated",
                        "expected_total",
                        "heartbeat_at",
                    ]
                )
            if page.newest is not None and (newest is None or page.newest > newest):
                newest = page.newest
    with transaction.atomic():
        # Every page is committed: only now may the watermark move.
        state.watermark = newest
        state.save(update_fields=["watermark"])
        run.watermark_after = newest
        _finish(run, PullStatus.SUCCEEDED, "ok", "")


def _finish(run: PullRun, status: str, diagnosis: str, message: str) -> None:
    run.status, run.diagnosis, run.message = status, diagnosis, message
    run.finished_at = timezone.now()
    run.save()
    if status != PullStatus.SKIPPED:
        PullState.objects.filter(integration=run.integration, resource=run.resource, running=run).update(
            running=None
        )
