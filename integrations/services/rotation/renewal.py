"""The scheduled renewal (beat, `bulk` queue) and the warnings where a person must act.

Renewed here, unattended: what the vendor lets the portal renew (VoIPstudio API tokens, Collect!
sessions) once it is within the renewal window of its expiry; old tokens whose revocation waited
for running requests; previous versions past their retention. Warned about: secrets only a person
can rotate that have grown old, tokens that failed to renew or expired, rotations left waiting.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from integrations.models import (
    ApiToken,
    AuditEvent,
    CredentialState,
    CredentialVersion,
    Integration,
    Rotation,
    RotationState,
    TokenKind,
)
from integrations.services import audit, credentials
from integrations.services.audit import Actor
from integrations.services.rotation import engine, rotate, run_step
from integrations.services.rotation.engine import RotationBusy
from integrations.vendors.rotation import Workflow

log = logging.getLogger(__name__)
STALE_ROTATION = timedelta(days=1)
MAIL_AGAIN_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class CredentialWarning:
    integration_id: int
    integration: str
    text: str


def due(token: ApiToken, now: datetime) -> bool:
    """Within the window before expiry: the window, or half the token's lifetime if that is shorter."""
    if token.expires_at is None or token.revoked_at is not None:
        return False
    lifetime = (
        timedelta(seconds=token.idle_seconds) if token.idle_seconds else token.expires_at - token.issued_at
    )
    window = min(timedelta(hours=settings.TOKEN_RENEW_WINDOW_HOURS), lifetime / 2)
    return token.expires_at - now <= window


def _renewable(integration: Integration, now: datetime) -> ApiToken | None:
    """The token whose renewal is due, for a vendor whose renewal needs no person."""
    workflow = integration.connector.rotation.workflow
    if workflow is Workflow.MINT:
        active = integration.active_credentials
        token = active.api_token if active else None
    elif workflow is Workflow.SESSION:
        token = ApiToken.objects.filter(
            integration=integration, kind=TokenKind.REFRESH, revoked_at__isnull=True
        ).first()
    else:
        return None
    return token if token is not None and due(token, now) else None


def renew_due(actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """One pass of the scheduled task; each integration's trouble stays its own."""
    now = now or timezone.now()
    done = {"renewed": 0, "failed": 0, "revoked": 0, "retired": 0}
    for integration in Integration.objects.filter(enabled=True):
        try:
            _renew_one(integration, actor, now, done)
        except RotationBusy:
            continue  # a person (or another worker) is on it right now
        except Exception as exc:
            log.error("renewing %s failed inside the portal: %s", integration.pk, type(exc).__name__)
            done["failed"] += 1
    retention = timedelta(days=settings.CREDENTIAL_RETENTION_DAYS)
    done["retired"] = credentials.retire_old_previous(retention, actor, now)
    mail_warnings(now)
    return done


def _renew_one(integration: Integration, actor: Actor, now: datetime, done: dict[str, int]) -> None:
    current = engine.open_rotation(integration)
    if current is not None:
        if current.workflow == Workflow.MINT and current.step == "revoke":
            run_step(current, actor, unattended=True)
            done["revoked"] += current.state == RotationState.SUCCEEDED
        return
    token = _renewable(integration, now)
    if token is None:
        return
    result = rotate(integration, actor, {})
    if result.status == "succeeded":
        done["renewed"] += 1
        return
    done["failed"] += 1
    ApiToken.objects.filter(pk=token.pk).update(renew_failed_at=now, renew_error=result.message[:300])


def integration_warnings(integration: Integration, now: datetime | None = None) -> list[str]:
    """What a person must do about this integration's credentials (empty when nothing).

    Reads `integration.open_rotations` and `integration.live_tokens` and the active version when
    a list prefetched them (`prefetch_for_warnings`), so a page of integrations costs no query each.
    """
    now = now or timezone.now()
    found: list[str] = []
    plan = integration.connector.rotation
    active = _active(integration)
    max_age = timedelta(days=settings.CREDENTIAL_MAX_AGE_DAYS)
    if active is not None:
        for name in plan.person_rotates:
            if not active.secret_hints.get(name):
                continue
            since = _set_at(active.secret_set_at.get(name)) or active.created_at
            if now - since > max_age:
                declared = integration.connector.field(name)
                label = declared.label if declared else name
                where = plan.where.format(slot=name[-1])
                found.append(f"{label} is {(now - since).days} days old: a person must rotate it ({where}).")
    tokens = _prefetched(
        integration, "live_tokens", lambda: list(integration.api_tokens.filter(revoked_at__isnull=True))
    )
    for token in tokens:
        if token.renew_failed_at is not None:
            found.append(f"The {token.get_kind_display().lower()} failed to renew: {token.renew_error}")
        elif token.expires_at is not None and token.expires_at <= now:
            found.append(f"The {token.get_kind_display().lower()} “{token.name}” has expired.")
    rotations = _prefetched(
        integration,
        "open_rotations",
        lambda: list(Rotation.objects.filter(integration=integration, state=RotationState.OPEN)),
    )
    stale = next((r for r in rotations if r.updated_at < now - STALE_ROTATION), None)
    if stale is not None:
        found.append(
            f"Rotation #{stale.pk} has waited at its '{stale.step}' step since "
            f"{timezone.localtime(stale.updated_at):%Y-%m-%d %H:%M}: finish or abandon it."
        )
    return found


def prefetch_for_warnings(integrations: QuerySet[Integration]) -> QuerySet[Integration]:
    """What `integration_warnings` reads, fetched with the list: three queries for any number."""
    return integrations.prefetch_related(
        Prefetch(
            "credential_versions",
            queryset=CredentialVersion.objects.filter(state=CredentialState.ACTIVE),
            to_attr="active_versions",
        ),
        Prefetch(
            "api_tokens", queryset=ApiToken.objects.filter(revoked_at__isnull=True), to_attr="live_tokens"
        ),
        Prefetch(
            "rotations", queryset=Rotation.objects.filter(state=RotationState.OPEN), to_attr="open_rotations"
        ),
    )


def _active(integration: Integration) -> CredentialVersion | None:
    prefetched = getattr(integration, "active_versions", None)
    if prefetched is None:
        return integration.active_credentials
    return prefetched[0] if prefetched else None


def _prefetched(integration: Integration, attribute: str, fetch: Callable[[], list[Any]]) -> list[Any]:
    found: list[Any] | None = getattr(integration, attribute, None)
    return found if found is not None else fetch()


def _set_at(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def warnings(now: datetime | None = None) -> list[CredentialWarning]:
    return [
        CredentialWarning(integration.pk, integration.name, text)
        for integration in prefetch_for_warnings(Integration.objects.filter(enabled=True).order_by("name"))
        for text in integration_warnings(integration, now)
    ]


def mail_warnings(now: datetime) -> int:
    """E-mail the warnings of each integration when they changed, or a day after the last mail."""
    recipients = list(settings.ROTATION_WARNING_EMAILS)
    if not recipients:
        return 0
    sent = 0
    for integration in prefetch_for_warnings(Integration.objects.filter(enabled=True)):
        texts = integration_warnings(integration, now)
        if not texts:
            continue
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
        last = AuditEvent.objects.filter(integration=integration, action="credential.warning_mail").first()
        if last is not None and last.details.get("digest") == digest and now - last.at < MAIL_AGAIN_AFTER:
            continue
        with transaction.atomic():
            audit.record(
                "credential.warning_mail",
                audit.SYSTEM,
                integration,
                integration=integration,
                details={"digest": digest, "warnings": len(texts), "to": len(recipients)},
            )
            send_mail(
                f"Switchboard: {integration.name} needs a person",
                _mail_body(integration, texts),
                None,
                recipients,
            )
        sent += 1
    return sent


def _mail_body(integration: Integration, texts: list[str]) -> str:
    lines: list[Any] = [f"{integration.name} ({integration.vendor_label}):", ""]
    lines += [f"- {text}" for text in texts]
    lines += ["", "Open the integration's Rotate credentials page in the portal to act."]
    return "\n".join(lines)


RENEW_TASK = "integrations.tasks.renew_credentials"


def ensure_renewal_schedule() -> None:
    """Beat's renewal pass on the `bulk` queue (created with the database, kept in step)."""
    with transaction.atomic():
        every, _ = IntervalSchedule.objects.get_or_create(
            every=settings.ROTATION_RENEW_EVERY_MINUTES, period=IntervalSchedule.MINUTES
        )
        PeriodicTask.objects.update_or_create(
            name="renew credentials",
            defaults={
                "task": RENEW_TASK,
                "interval": every,
                "crontab": None,
                "kwargs": "{}",
                "queue": "bulk",
                # A pass nobody took before the next one is due is dropped, not piled up.
                "expire_seconds": settings.ROTATION_RENEW_EVERY_MINUTES * 60 - 5,
                "enabled": True,
                "description": "Renews vendor tokens before they expire, finishes waiting revocations, "
                "retires old previous versions, e-mails warnings (docs/rotation.md).",
            },
        )
