"""The login lockout's audit trail: a lockout, and an admin's unlock, each an audit event."""

from collections.abc import Iterable
from datetime import timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.services import audit
from integrations.services.audit import Actor


def lockout_attempt(username: str | None, address: str | None) -> AccessAttempt | None:
    """The attempts row behind a lockout of this user name from this address."""
    rows = AccessAttempt.objects.filter(username=username, ip_address=address)
    return rows.order_by("-attempt_time").first()


def minutes_left(attempt: AccessAttempt | None) -> int:
    """Whole minutes (rounded up) until the lockout ends; the whole cool-off when unknown."""
    cool_off = get_cool_off() or timedelta(0)
    left = cool_off if attempt is None else attempt.attempt_time + cool_off - timezone.now()
    return max(1, -(-int(left.total_seconds()) // 60))


def record_lockout(username: str | None, address: str | None) -> None:
    """An audit event for a lockout that has just begun (not for attempts made during it)."""
    attempt = lockout_attempt(username, address)
    if attempt is None:
        return
    with transaction.atomic():
        audit.record(
            "login.lockout",
            Actor(label="anonymous", source_ip=address),
            attempt,
            details={
                "username": username or "",
                "failures": attempt.failures_since_start,
                "limit": settings.AXES_FAILURE_LIMIT,
                "minutes": minutes_left(attempt),
            },
        )


def unlock(attempts: Iterable[AccessAttempt], actor: Actor) -> int:
    """Forget these attempts, which lifts their lockouts; one audit event each."""
    count = 0
    with transaction.atomic():
        for attempt in attempts:
            audit.record(
                "login.unlock",
                actor,
                attempt,
                details={
                    "username": attempt.username or "",
                    "address": attempt.ip_address or "",
                    "failures": attempt.failures_since_start,
                },
            )
            attempt.delete()
            count += 1
    return count
