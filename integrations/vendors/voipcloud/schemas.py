"""VoIPcloud PBX integration API v2 payload shapes (vendors.md section 5 and "Simulator decisions").

Shared by the simulator and the connector. Every answer is ``{"code": N, ...}``: a list's rows in
``data``, an error's words in ``message``. ``from_date``/``to_date`` are ``YYYY-MM-DD`` days in the
PBX's time zone; ``call_start_at`` and ``connected_at`` are ISO 8601 with the PBX's offset.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

LIMIT_DEFAULT = 100
LIMIT_MAX = 10_000
RATE_LIMIT = 100  # requests
RATE_WINDOW_SECONDS = 15 * 60
SORT_ORDERS = ("newest_first", "oldest_first")  # newest_first is the default
GROUP_STATUSES = ("answered", "abandoned")  # queue and ring-group rows
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
    "recording_inbound",
    "recording_outbound",
)
WEBHOOK_HEADER = "X-Pbx-Token"  # carries the webhook secret


class ErrorBody(TypedDict):
    code: int
    message: str  # "Not authorised", "Too many requests", ...


class UserCall(TypedDict):
    """A row of get-user-calls."""

    unique_call_id: str
    type: str  # user_<direction>_<outcome>, e.g. user_inbound_missed
    caller_id: str
    caller_name: str
    dest_number: str
    user_name: str
    user_number: str
    call_start_at: str
    connected_at: NotRequired[str | None]  # absent or null when nobody answered
    call_duration: int  # seconds, ringing + talking
    conversation_duration: int  # seconds talking


class GroupCall(TypedDict):
    """A row of get-queue-calls or get-ringgroup-calls: `callerid` and a `status`, no `type`."""

    unique_call_id: str
    callerid: str  # no underscore in these rows
    caller_name: str
    dest_number: str
    queue_name: NotRequired[str]  # queue rows
    ring_group_name: NotRequired[str]  # ring-group rows
    user_name: str  # who answered ("" when nobody did)
    user_number: str
    call_start_at: str
    connected_at: NotRequired[str | None]
    call_duration: int
    conversation_duration: int
    status: str  # answered | abandoned


class CallsPage(TypedDict):
    code: int  # 200
    data: list[Any]  # UserCall or GroupCall rows


class CallId(TypedDict):
    unique_call_id: str


class CallToNumberAnswer(TypedDict):
    code: int
    data: list[CallId]


class WebhookEvent(TypedDict, total=False):
    """POSTed to the portal with header X-Pbx-Token. A completed event adds connected_at (when
    answered), call_duration and conversation_duration; older documentation names duration and
    status instead, so both are read."""

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
    connected_at: str | None
    call_duration: int
    conversation_duration: int
    duration: int
    status: str
