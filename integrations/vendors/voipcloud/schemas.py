"""VoIPcloud PBX integration API payload shapes (vendors.md section 5 and "Simulator decisions").

Shared by the simulator and the connector.  Dates sent as ``YYYY-MM-DD HH:MM:SS`` are in the
account's time zone; ``call_start_at`` is ISO 8601 with an offset.
"""

from __future__ import annotations

from typing import TypedDict

LIMIT_DEFAULT = 50
LIMIT_MAX = 500
RATE_LIMIT = 100  # requests
RATE_WINDOW_SECONDS = 15 * 60
CALL_TYPES = ("inbound", "outbound", "internal", "missed")
WEBHOOK_TYPES = (
    "user_inbound",
    "user_inbound_answered",
    "user_inbound_completed",
    "user_outbound",
    "user_outbound_answered",
    "user_outbound_completed",
    "queue_call_summary",
    "ringgroup_summary",
    "voicemail",
)
WEBHOOK_HEADER = "X-Pbx-Token"  # carries the webhook secret


class ErrorBody(TypedDict):
    status: str  # "error"
    message: str


class SystemStatus(TypedDict):
    status: str  # "success"
    system: str  # "ok"
    version: str


class Call(TypedDict):
    unique_call_id: str
    type: str  # inbound | outbound | internal | missed
    caller_id: str
    caller_name: str
    dest_number: str
    user_name: str
    user_number: str
    call_start_at: str  # ISO 8601 with the account's offset
    duration: int  # seconds
    queue_name: str
    ring_group_name: str
    status: str


class CallsPage(TypedDict):
    status: str  # "success"
    total: int
    calls: list[Call]


class CallToNumberRequest(TypedDict):
    user_number: str
    destination: str  # E.164, e.g. "+61299999999"


class CallToNumberResponse(TypedDict):
    status: str
    unique_call_id: str


class WebhookEvent(TypedDict, total=False):
    """POSTed to the portal with header X-Pbx-Token; completed events add duration and status."""

    type: str
    unique_call_id: str
    caller_id: str
    caller_name: str
    user_name: str
    user_number: str
    dest_number: str
    call_start_at: str
    queue_name: str
    ring_group_name: str
    duration: int
    status: str
