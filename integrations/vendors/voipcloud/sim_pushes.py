"""The simulated PBX's webhooks: one generated call's events, posted as VoIPcloud posts them.

``POST /_sim/webhooks/send`` (simulator-only) with ``{"url": ...}`` and optionally ``token``
(default: the simulator's ``webhook_secret``), ``stages`` (the order to send them in; default
``["ringing", "answered", "completed"]``), ``direction`` (``inbound``/``outbound``),
``answered`` (default true), ``talk_seconds``, ``repeat`` (send each event this many times) and
``source_address`` (the loopback address to send from, e.g. ``127.0.0.2``). The answer lists
every delivery with the status and body the portal answered; it never shows the token.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, tzinfo
from typing import Any

from integrations.simkit import iso_offset
from integrations.simkit.pushes import post_json

from .schemas import WEBHOOK_HEADER, WebhookEvent

STAGES = ("ringing", "answered", "completed")
SUFFIXES = {"ringing": "", "answered": "_answered", "completed": "_completed"}


def call_events(
    *,
    call_id: str,
    start: datetime,
    tz: tzinfo,
    direction: str,
    answered: bool,
    ring: int,
    talk: int,
    user_number: str,
    user_name: str,
    outside: str,
    legacy: bool,
) -> dict[str, WebhookEvent]:
    """The call's event at each stage (vendors.md section 5: user_inbound fields; a completed event
    adds connected_at when answered, call_duration and conversation_duration)."""
    outbound = direction == "outbound"
    base: WebhookEvent = {
        "unique_call_id": call_id,
        "caller_id": user_number if outbound else outside,
        "caller_name": user_name if outbound else "",
        "user_name": user_name,
        "user_number": user_number,
        "dest_number": outside if outbound else user_number,
        "call_start_at": iso_offset(start, tz),
        "queue_name": "",
        "ring_group_name": "",
    }
    connected = iso_offset(start + timedelta(seconds=ring), tz)
    events: dict[str, WebhookEvent] = {}
    for stage in STAGES:
        event: WebhookEvent = {**base, "type": f"user_{direction}{SUFFIXES[stage]}"}
        if stage == "answered":
            event["connected_at"] = connected
        if stage == "completed":
            if answered:
                event["connected_at"] = connected
            if legacy:
                # ASSUMPTION (older documentation): `duration` and `status` instead.
                event["duration"] = ring + talk
                event["status"] = "answered" if answered else "missed"
            else:
                event["call_duration"] = ring + talk
                event["conversation_duration"] = talk if answered else 0
        events[stage] = event
    return events


def send(
    body: dict[str, Any],
    *,
    now: datetime,
    tz: tzinfo,
    users: dict[str, str],
    secret: str,
    targets: list[str],
    legacy: bool,
) -> dict[str, Any]:
    url = body.get("url")
    if not isinstance(url, str):
        raise ValueError('POST /_sim/webhooks/send takes {"url": "http://..."}')
    stages = body.get("stages", list(STAGES))
    if not isinstance(stages, list) or not stages or any(s not in STAGES for s in stages):
        raise ValueError(f"stages must be a list of {', '.join(STAGES)}")
    direction = body.get("direction", "inbound")
    if direction not in ("inbound", "outbound"):
        raise ValueError("direction must be inbound or outbound")
    answered = bool(body.get("answered", True))
    if "stages" not in body and not answered:
        stages = ["ringing", "completed"]
    talk = int(body.get("talk_seconds", 30 + secrets.randbelow(600))) if answered else 0
    repeat = int(body.get("repeat", 1))
    if not 1 <= repeat <= 10 or talk < 0:
        raise ValueError("repeat must be 1 to 10 and talk_seconds not negative")
    user_number = sorted(users)[secrets.randbelow(len(users))]
    call_id = f"{int(now.timestamp())}.{secrets.randbelow(10**6)}"
    events = call_events(
        call_id=call_id,
        start=now,
        tz=tz,
        direction=direction,
        answered=answered,
        ring=5 + secrets.randbelow(20),
        talk=talk,
        user_number=user_number,
        user_name=users[user_number],
        outside="+614" + "".join(str(secrets.randbelow(10)) for _ in range(8)),
        legacy=legacy,
    )
    token = body.get("token", secret)
    headers = {WEBHOOK_HEADER: str(token)} if token is not None else {}
    source = body.get("source_address")
    deliveries = []
    for stage in stages:
        for _ in range(repeat):
            delivery: dict[str, Any] = {"stage": stage, "type": events[stage]["type"]}
            try:
                pushed = post_json(
                    url,
                    events[stage],
                    headers,
                    targets=targets,
                    source_address=str(source) if source else None,
                )
            except OSError as exc:  # the portal is not there: say so, and send no more
                deliveries.append({**delivery, "status": None, "answer": f"{type(exc).__name__}: {exc}"})
                return {
                    "simulator_only": True,
                    "unique_call_id": call_id,
                    "events": events,
                    "deliveries": deliveries,
                }
            deliveries.append({**delivery, "status": pushed.status, "answer": pushed.body})
    return {"simulator_only": True, "unique_call_id": call_id, "events": events, "deliveries": deliveries}
