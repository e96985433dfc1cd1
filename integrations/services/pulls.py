"""Pulls: one run at a time per integration and resource, page by page, crash-safe and fenced.

Each page's rows and the run's progress commit together; the watermark (newest record time
stored) moves only after every page has committed, and the next pull starts `overlap` before it,
so a crash, a re-run or a late-arriving record never loses or duplicates a row. Every write checks
the run's lease first (`leases.py`), so a duplicate delivery or a presumed-dead worker writes nothing.
"""

import logging
from contextlib import closing
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.http import HttpError, Redactor
from integrations.models import CredentialVersion, Integration, PullRun, PullStatus
from integrations.services import credentials, leases
from integrations.services.audit import Actor
from integrations.services.outbound import NotReady, account_for, client_for, pin_active, redactor_for
from integrations.services.prefetch import prefetched, quick_hand_overs
from integrations.services.queueing import send_after_commit
from integrations.services.records import PreparedPage, prepare_page, store_prepared
from integrations.vendors.base import UnknownResource
from integrations.vendors.resources import IncompleteWalk, Resource, WalkTooLong

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
            send_after_commit(PULL_TASK, run.pk, "bulk", lambda why: _not_queued(run, why))
    return execute(run.pk) if inline else run


def _not_queued(run: PullRun, why: str) -> None:
    PullRun.objects.filter(pk=run.pk, status=PullStatus.QUEUED).update(
        status=PullStatus.FAILED, message=why, finished_at=timezone.now()
    )
    run.refresh_from_db()


def execute(run_id: int) -> PullRun:
    """Run a queued pull. Safe to call twice at once, or again after its worker died."""
    run = PullRun.objects.select_related("integration").get(pk=run_id)
    if run.is_done:
        return run
    lease = leases.claim(run)
    if lease is None:
        run.refresh_from_db()
        return run
    redactor = Redactor()
    try:
        try:
            redactor = redactor_for(run.integration)
            _walk(run, lease, redactor)
        except IncompleteWalk as exc:
            # Every page fetched is stored, but the watermark stays where it was: the next pull
            # walks this window again (upserts make that harmless) instead of stepping over the gap.
            message = f"Incomplete: {exc}. The watermark did not move; the next pull reads this window again."
            leases.finish(run, lease, PullStatus.INCOMPLETE, "incomplete", message)
        except HttpError as exc:
            diagnosis = run.integration.connector.diagnose_error(exc)
            message = redactor.text(f"{diagnosis.title}. {exc}")
            leases.finish(run, lease, PullStatus.FAILED, diagnosis.code.value, message)
        except (NotReady, UnknownResource, WalkTooLong) as exc:
            leases.finish(run, lease, PullStatus.FAILED, "", str(exc))
        except leases.LeaseLost:
            raise
        except Exception as exc:
            log.error("pull %s failed inside the portal: %s", run.pk, type(exc).__name__)
            message = f"{type(exc).__name__}: {redactor.text(str(exc))}"
            leases.finish(run, lease, PullStatus.FAILED, "", message)
    except leases.LeaseLost as exc:
        # Another claim owns the lock (this worker was presumed dead): it writes, not us.
        log.warning("%s; this walk stops without writing", exc)
    run.refresh_from_db()
    return run


def _walk(run: PullRun, lease: leases.Lease, redactor: Redactor) -> None:
    integration = run.integration
    connector = integration.connector
    resource = connector.resource(run.resource)
    # Recorded before the first request: a rotation revokes the old credential only after this
    # walk, which keeps the version it started with to its last page, has finished.
    version = pin_active(integration, lambda v: _pin(run, v))
    run.credential_version = version
    account = account_for(integration, version)
    tz = ZoneInfo(integration.timezone)
    until = timezone.now()
    if run.since_override:
        since = run.since_override
    elif lease.watermark:
        since = lease.watermark - resource.overlap
    else:
        since = until - resource.initial_window
    with transaction.atomic():
        leases.hold(lease, run)
        run.window_start, run.window_end = since, until
        run.save(update_fields=["window_start", "window_end"])
    newest = lease.watermark
    with client_for(integration, redactor, deadline=settings.OUTBOUND_PULL_DEADLINE) as client:
        auth = connector.auth(account)
        pages = connector.fetch_pages(client, auth, account, resource, since, until)
        # Three stages, each in its own thread and a page ahead of the next: fetching (mostly
        # waiting on the vendor), mapping (CPU), and here writing (SQLite releases the GIL while it
        # writes). Mapping in the fetching thread put it in series with the vendor's answer.
        with (
            quick_hand_overs(),
            closing(prefetched(pages)) as fetched,
            closing(prefetched(prepare_page(connector, resource, p, tz) for p in fetched)) as prepared,
        ):
            for page in prepared:
                _store(run, lease, resource, page)
                if page.newest is not None and (newest is None or page.newest > newest):
                    newest = page.newest
    with transaction.atomic():
        # Every page is committed: only now may the watermark move, and only while the lease holds.
        state = leases.hold(lease, run)
        state.watermark = newest
        state.save(update_fields=["watermark"])
        run.watermark_after = newest
        leases.finish(run, lease, PullStatus.SUCCEEDED, "ok", "")


def _pin(run: PullRun, version: CredentialVersion) -> None:
    PullRun.objects.filter(pk=run.pk).update(credential_version=version)


def _store(run: PullRun, lease: leases.Lease, resource: Resource, page: PreparedPage) -> None:
    """One page's rows and the run's progress, in one transaction, under the lease."""
    with transaction.atomic():
        leases.hold(lease, run)  # fenced: a run whose lease was taken over stores nothing
        created, updated = store_prepared(run.integration, resource, page)
        run.pages += 1
        run.rows_seen += page.received
        run.created += created
        run.updated += updated
        run.expected_total = page.total if page.total is not None else run.expected_total
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["pages", "rows_seen", "created", "updated", "expected_total", "heartbeat_at"])
        credentials.touch(run.credential_version_id)
