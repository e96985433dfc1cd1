"""VoIPcloud webhooks: the PBX posts call events with the "Secret Token" as `X-Pbx-Token`.

vendors.md section 5: `user_inbound` (ringing), `user_inbound_answered`, `user_inbound_completed`
and the same for outbound; a completed event adds `connected_at` (when answered), `call_duration`
and `conversation_duration`; older documentation names `duration` and `status` instead, so both
are read. A call event is read with the v2 pull mapping (`pulls.to_call`), so a pushed call and a
pulled call of the same `unique_call_id` become the same CallRecord.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from integrations.vendors.resources import Call
from integrations.vendors.values import as_count
from integrations.vendors.webhooks import BadEvent, InboundEvent, Stage

from . import pulls
from .schemas import WEBHOOK_HEADER, WebhookEvent

token_header = WEBHOOK_HEADER
secret_field = "webhook_secret"  # noqa: S105 (a field name)

USER_EVENTS = frozenset(
    f"user_{direction}{suffix}"
    for direction in ("inbound", "outbound")
    for suffix in ("", "_answered", "_completed")
)
# A summary is sent when a queue or ring-group call ends: its resource is the matching pull list.
SUMMARIES = {"queue_call_summary": "queue_calls", "ringgroup_summary": "ringgroup_calls"}
# Present only once a call has ended: on completed events and on every pulled row (older
# payloads say `duration`).
FINISHED_FIELDS = ("call_duration", "conversation_duration", "duration")


def read_event(body: Mapping[str, Any]) -> InboundEvent:
    kind = body.get("type")
    if not isinstance(kind, str) or not kind.strip():
        raise BadEvent("the event has no 'type'")
    call_id = body.get("unique_call_id")
    if isinstance(call_id, bool) or not isinstance(call_id, str | int) or not str(call_id).strip():
        raise BadEvent("the event has no 'unique_call_id'")
    kind = kind.strip().lower()
    if kind in USER_EVENTS:
        resource: str | None = "user_calls"
    else:
        # Voicemail, recordings, component events and any type documented later: kept as sent.
        resource = SUMMARIES.get(kind)
    return InboundEvent(
        kind=kind,
        call_id=str(call_id).strip(),
        stage=stage(body) if resource else Stage.NOT_A_CALL,
        resource=resource,
    )


def stage(row: Mapping[str, Any]) -> Stage:
    kind = str(row.get("type") or "").lower()
    # A pulled user row's type names its outcome (user_inbound_answered) but it also carries the
    # durations: the fields, not the type, say it is history.
    if kind in SUMMARIES or kind.endswith("_completed") or any(f in row for f in FINISHED_FIELDS):
        return Stage.FINAL
    if kind.endswith("_answered") or row.get("connected_at"):
        return Stage.ANSWERED
    if kind in USER_EVENTS:
        return Stage.RINGING
    return Stage.NOT_A_CALL


def to_call(event: InboundEvent, row: Mapping[str, Any], tz: tzinfo, received: datetime) -> Call:
    if event.resource is None:
        raise BadEvent(f"a {event.kind!r} event is not a call")
    values = dict(row)
    if not values.get("call_start_at"):
        # ASSUMPTION: an event without call_start_at (not seen in the documented payloads)
        # started when it arrived; a stored start time is kept, since the row merges over it.
        values["call_start_at"] = received.isoformat()
    status = str(values.get("status") or "").strip().lower()
    connected = bool(values.get("connected_at"))
    if "duration" in values:
        # ASSUMPTION (older documentation): `duration` is the call's length; the talk time when
        # the status says it was answered.
        values.setdefault("call_duration", values["duration"])
        values.setdefault(
            "conversation_duration", values["duration"] if connected or status == "answered" else 0
        )
    resource = next(r for r in pulls.RESOURCES if r.key == event.resource)
    call = pulls.to_call(resource, values, tz)
    if event.resource != "user_calls":
        return call  # queue and ring-group summaries say how the call ended in `status`
    return replace(call, outcome=_user_outcome(stage(values), connected, status, values, call.outcome))


def _user_outcome(
    reached: Stage, connected: bool, status: str, values: Mapping[str, Any], mapped: str
) -> str:
    if reached is Stage.RINGING:
        return "unknown"  # still ringing: nobody can say yet how it ends
    talked = (as_count(values.get("conversation_duration")) or 0) > 0
    if reached is Stage.ANSWERED or connected or talked or status == "answered":
        return "answered"
    if status:
        return pulls.UNANSWERED.get(status) or pulls.GROUP_STATUSES.get(status) or "missed"
    # A completed event without connected_at: nobody answered (the type's last word is the
    # stage, so the pull mapping's reading of it says "missed" too).
    return mapped


def sample_event(now: datetime, tz: tzinfo) -> dict[str, Any]:
    start = now.astimezone(tz).replace(microsecond=0) - timedelta(minutes=1)
    event: WebhookEvent = {
        "type": "user_inbound_completed",
        "unique_call_id": f"switchboard-test-{int(now.timestamp())}",
        "caller_id": "+61200000000",
        "caller_name": "Switchboard test event",
        "user_name": "Switchboard",
        "user_number": "200",
        "dest_number": "200",
        "call_start_at": start.isoformat(),
        "queue_name": "",
        "ring_group_name": "",
        "connected_at": (start + timedelta(seconds=5)).isoformat(),
        "call_duration": 35,
        "conversation_duration": 30,
    }
    return dict(event)
