"""Receiving a vendor's webhooks: check who sends, keep every event, upsert the call it describes.

A delivery is accepted only from an address on the integration's INBOUND allowlist and with the
integration's webhook secret in the vendor's header (compared in constant time). Every refusal is
counted on the integration's `WebhookEndpoint` with its reason; the token presented is never
logged or stored. An accepted event is committed (its `WebhookEvent` row and the `CallRecord` it
updates, in one transaction) before the sender hears 2xx, so nothing acknowledged can be lost.
"""

import hashlib
import hmac
import json
import logging
import math
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from integrations.addresses import in_any
from integrations.http import BadResponse
from integrations.models import (
    AllowlistKind,
    CallRecord,
    EventOutcome,
    Integration,
    RefusalReason,
    WebhookEndpoint,
    WebhookEvent,
)
from integrations.services import audit
from integrations.services.audit import Actor
from integrations.services.records import CALL_ATTRIBUTES
from integrations.vendors.resources import Call
from integrations.vendors.webhooks import BadEvent, InboundEvent, WebhookCode

log = logging.getLogger(__name__)

TEST_PERMISSION = "integrations.send_test_event"
NOT_AUTHORISED = "Not authorised"  # the words VoIPcloud itself answers a refusal with
MAX_COUNT = 2**31 - 1
MAX_DEPTH = 32  # the largest duration the column takes on every database


@dataclass(frozen=True)
class Delivery:
    """One POST to a webhook URL, as the view read it off the wire."""

    address: str
    token: str | None
    """The secret header's value; compared, never logged or stored."""
    body: bytes
    too_large: bool = False
    test: bool = False


@dataclass(frozen=True)
class Result:
    status: int
    message: str
    outcome: str
    event: WebhookEvent | None = None

    @property
    def accepted(self) -> bool:
        return self.status < 300


# --- the endpoint and its URL ----------------------------------------------------------------------
def webhook_code(integration: Integration) -> WebhookCode | None:
    return integration.connector.webhook_code


def endpoint_for(integration: Integration) -> WebhookEndpoint | None:
    """The integration's webhook endpoint, made on first use; None for a vendor that pushes nothing."""
    if webhook_code(integration) is None:
        return None
    endpoint, _ = WebhookEndpoint.objects.get_or_create(integration=integration)
    return endpoint


def webhook_url(integration: Integration) -> str | None:
    endpoint = endpoint_for(integration)
    if endpoint is None:
        return None
    path = reverse("webhook_receive", kwargs={"vendor": integration.vendor, "slug": endpoint.slug})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def find_endpoint(vendor: str, slug: str) -> WebhookEndpoint | None:
    endpoint = (
        WebhookEndpoint.objects.select_related("integration").filter(slug=slug).first() if slug else None
    )
    if (
        endpoint is None
        or endpoint.integration.vendor != vendor
        or webhook_code(endpoint.integration) is None
    ):
        return None
    return endpoint


def refusal_summary(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "count": endpoint.refused_count,
        "last_at": endpoint.last_refused_at.isoformat() if endpoint.last_refused_at else None,
        "last_address": endpoint.last_refused_address,
        "last_reason": endpoint.get_last_refused_reason_display() or None,
    }


# --- receiving -------------------------------------------------------------------------------------
def receive(endpoint: WebhookEndpoint, delivery: Delivery, actor: Actor | None = None) -> Result:
    """Check, keep and apply one delivery. Database errors propagate: the sender must retry."""
    integration = endpoint.integration
    code = webhook_code(integration)
    assert code is not None, "find_endpoint returns endpoints of vendors that push"
    reason = _refusal(integration, code, delivery)
    if reason is not None:
        return _refuse(endpoint, delivery, reason, actor)
    try:
        body = _parse(delivery)
        event = code.read_event(body)
    except BadEvent as exc:
        return _invalid(endpoint, delivery, str(exc), actor)
    try:
        with transaction.atomic():
            outcome, record, why = _keep(integration, code, event, body, delivery.test)
            stored = WebhookEvent.objects.create(
                integration=integration,
                kind=event.kind,
                call_id=event.call_id,
                source_address=delivery.address or None,
                body=body,
                body_sha256=_digest(body),
                outcome=outcome,
                reason=why[:200],
                test=delivery.test,
                call_record=record,
            )
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                accepted_count=F("accepted_count") + 1, last_accepted_at=stored.received_at
            )
            _audit_test(actor, stored, delivery)
    except BadEvent as exc:  # a field the call mapping could not read: nothing was written
        return _invalid(endpoint, delivery, str(exc), actor)
    log.info(
        "webhook %s: %s %s from %s: %s", integration, event.kind, event.call_id, delivery.address, outcome
    )
    return Result(200, EventOutcome(outcome).label, outcome, stored)


def _refusal(integration: Integration, code: WebhookCode, delivery: Delivery) -> str | None:
    allowed = integration.allowlist.filter(kind=AllowlistKind.INBOUND).values_list("cidr", flat=True)
    if not in_any(delivery.address, allowed):
        return RefusalReason.ADDRESS
    active = integration.active_credentials
    secret = active.secret(code.secret_field) if active else ""
    if not secret:
        return RefusalReason.NO_SECRET
    if not delivery.token or not hmac.compare_digest(delivery.token.encode(), secret.encode()):
        return RefusalReason.TOKEN
    return None


def _refuse(endpoint: WebhookEndpoint, delivery: Delivery, reason: str, actor: Actor | None) -> Result:
    label = RefusalReason(reason).label
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            integration=endpoint.integration,
            source_address=delivery.address or None,
            outcome=EventOutcome.REFUSED,
            reason=label,
            test=delivery.test,
        )
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            refused_count=F("refused_count") + 1,
            last_refused_at=event.received_at,
            last_refused_address=delivery.address or None,
            last_refused_reason=reason,
        )
        _audit_test(actor, event, delivery)
    log.warning("webhook %s: refused a delivery from %s: %s", endpoint.integration, delivery.address, label)
    return Result(401, NOT_AUTHORISED, EventOutcome.REFUSED, event)


def _invalid(endpoint: WebhookEndpoint, delivery: Delivery, why: str, actor: Actor | None) -> Result:
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            integration=endpoint.integration,
            source_address=delivery.address or None,
            outcome=EventOutcome.INVALID,
            reason=why[:200],
            test=delivery.test,
        )
        _audit_test(actor, event, delivery)
    log.warning("webhook %s: an unreadable event from %s: %s", endpoint.integration, delivery.address, why)
    status = 413 if delivery.too_large else 400
    return Result(status, why, EventOutcome.INVALID, event)


def _parse(delivery: Delivery) -> dict[str, Any]:
    if delivery.too_large:
        raise BadEvent(f"the body is larger than {settings.WEBHOOK_MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(delivery.body, parse_constant=_no_constants, parse_float=_finite)
    except BadEvent:
        raise
    except (ValueError, RecursionError):  # JSONDecodeError and bad UTF-8 are ValueErrors
        raise BadEvent("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadEvent("the body is not a JSON object")
    _check_values(body)
    return body


def _check_values(body: dict[str, Any]) -> None:
    """No NUL character (PostgreSQL's jsonb cannot hold one) and no deep nesting (an event is flat)."""
    pending: list[tuple[Any, int]] = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise BadEvent(f"the body is nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, str) and "\x00" in value:
            raise BadEvent("the body holds a NUL character")
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)


def _no_constants(name: str) -> Any:
    raise BadEvent(f"the body holds {name}, which JSON does not allow")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity, which no database's JSON can store
        raise BadEvent(f"the body holds the number {text[:20]}, too large to store")
    return value


def _digest(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- applying an event to its call -----------------------------------------------------------------
def _keep(
    integration: Integration, code: WebhookCode, event: InboundEvent, body: dict[str, Any], test: bool
) -> tuple[str, CallRecord | None, str]:
    """(outcome, call record, reason). Runs inside the delivery's transaction."""
    if len(event.call_id) > _limit(CallRecord, "vendor_call_id"):
        raise BadEvent(f"unique_call_id is longer than {_limit(CallRecord, 'vendor_call_id')} characters")
    if len(event.kind) > _limit(WebhookEvent, "kind"):
        raise BadEvent(f"type is longer than {_limit(WebhookEvent, 'kind')} characters")
    if test:
        return EventOutcome.KEPT, None, "a test event: checked and kept, never stored as a call"
    if event.resource is None:
        if _seen(integration, body):
            return EventOutcome.DUPLICATE, None, "the same event was received before"
        return EventOutcome.KEPT, None, ""
    record = _locked(integration, event.call_id)
    if record is not None and _seen(integration, body):
        return EventOutcome.DUPLICATE, record, "the same event was received before"
    tz = ZoneInfo(integration.timezone)
    now = timezone.now()
    if record is None:
        call = _call(code, event, body, tz, now)
        try:
            with transaction.atomic():  # a savepoint: a racing delivery may insert it first
                created = CallRecord.objects.create(
                    integration=integration,
                    vendor_call_id=event.call_id,
                    resource=event.resource,
                    raw=body,
                    **_columns(call),
                )
            return EventOutcome.STORED, created, ""
        except IntegrityError:
            record = _locked(integration, event.call_id)
            if record is None:
                raise
    return _update(code, event, body, record, tz, now)


def _update(
    code: WebhookCode,
    event: InboundEvent,
    body: dict[str, Any],
    record: CallRecord,
    tz: ZoneInfo,
    now: datetime,
) -> tuple[str, CallRecord | None, str]:
    if record.resource != event.resource:
        # As in pulls: a call another resource stored first stays with it (a queue call is also
        # a user call, and the two must not overwrite each other).
        return EventOutcome.KEPT, record, f"the call is stored from {record.resource}"
    stored_stage = code.stage(record.raw)
    if event.stage < stored_stage:
        # An earlier event arriving late never undoes a later one (answered after completed).
        return (
            EventOutcome.STALE,
            record,
            f"the call is already stored at a later stage ({stored_stage.name})",
        )
    # Merged over what is stored, so a later event that leaves a field out keeps the earlier value.
    merged = {**record.raw, **body}
    if merged == record.raw:
        return EventOutcome.DUPLICATE, record, "nothing new for the stored call"
    for name, value in _columns(_call(code, event, merged, tz, now)).items():
        setattr(record, name, value)
    record.raw = merged
    record.save()
    return EventOutcome.STORED, record, ""


def _locked(integration: Integration, call_id: str) -> CallRecord | None:
    return (
        CallRecord.objects.select_for_update().filter(integration=integration, vendor_call_id=call_id).first()
    )


def _seen(integration: Integration, body: dict[str, Any]) -> bool:
    return (
        WebhookEvent.objects.filter(integration=integration, body_sha256=_digest(body))
        .exclude(outcome__in=(EventOutcome.REFUSED, EventOutcome.INVALID))
        .exists()
    )


def _call(code: WebhookCode, event: InboundEvent, row: dict[str, Any], tz: ZoneInfo, now: datetime) -> Call:
    try:
        call = code.to_call(event, row, tz, now)
    except BadResponse as exc:  # e.g. a call_start_at that is not a time
        raise BadEvent(str(exc)) from None
    return replace(
        call,
        caller=_clip("caller", call.caller),
        callee=_clip("callee", call.callee),
        agent=_clip("agent", call.agent),
        queue=_clip("queue", call.queue),
        disposition=_clip("disposition", call.disposition),
        duration_seconds=min(max(call.duration_seconds, 0), MAX_COUNT),
    )


def _limit(model: type[models.Model], name: str) -> int:
    field = model._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length is not None
    return field.max_length


def _clip(name: str, value: str) -> str:
    """Text an event fills a column with: a value longer than the column is cut, not refused."""
    return value[: _limit(CallRecord, name)]


def _columns(call: Call) -> dict[str, Any]:
    return {name: getattr(call, name) for name in CALL_ATTRIBUTES}


# --- the admin's test event ------------------------------------------------------------------------
def send_test_event(integration: Integration, actor: Actor, address: str) -> Result:
    """A sample event from `address` (the admin's own), through the same checks as a delivery.

    It is not sent over HTTP: the portal calling its own public URL would leave through its proxy
    or be refused by the outbound guard, and would test neither. It is handed to `receive` as the
    webhook view hands a delivery, with the stored secret as the header, so the answer is the one
    the PBX would get from the admin's address. A test event is kept, never stored as a call.
    """
    if not actor.has_perm(TEST_PERMISSION):
        raise PermissionDenied("You may not send test webhook events.")
    code = webhook_code(integration)
    endpoint = endpoint_for(integration)
    if code is None or endpoint is None:
        raise ValidationError(f"{integration.vendor_label} sends no webhooks.")
    active = integration.active_credentials
    secret = active.secret(code.secret_field) if active else ""
    body = json.dumps(code.sample_event(timezone.now(), ZoneInfo(integration.timezone))).encode()
    delivery = Delivery(address=address, token=secret or None, body=body, test=True)
    return receive(endpoint, delivery, actor=actor)


def _audit_test(actor: Actor | None, event: WebhookEvent, delivery: Delivery) -> None:
    if not delivery.test or actor is None:
        return
    audit.record(
        "webhook.test",
        actor,
        event,
        integration=event.integration,
        details={"outcome": event.outcome, "reason": event.reason, "address": delivery.address},
    )
