"""VoIPstudio REST API payload shapes (vendors.md section 2 and "Simulator decisions").

Shared by the simulator and the connector.  A collection is ``{"data": [...], "total": N}``, one
item ``{"data": {...}, "links": {}}``, an error ``{"message": ..., "errors": [...]}`` where an
entry of ``errors`` may be ``{"message": ...}`` (clients read ``errors[0].message``, then ``message``).
"""

from __future__ import annotations

from typing import Any, TypedDict

LIMIT_DEFAULT = 50
LIMIT_MAX = 5000
# Filter operators: eq, like, gt, gte, lt, lte work live; the docs' ne, in, notlike are accepted too.
FILTER_OPERATORS = ("eq", "like", "gt", "gte", "lt", "lte", "ne", "in", "notlike")
CDR_TYPES = ("O", "I", "M")  # outbound, inbound, missed


class ErrorEntry(TypedDict):
    message: str


class ErrorBody(TypedDict):
    message: str
    errors: list[ErrorEntry]


class LoginSuccess(TypedDict):
    message: str
    user_token: str
    user_id: int


class LoginNonce(TypedDict):
    """HTTP 202 from POST /login when the account has two-factor authentication."""

    nonce: str


class Login2faRequest(TypedDict):
    code: str
    nonce: str


class FilterEntry(TypedDict):
    property: str
    operator: str
    value: Any


class Collection(TypedDict):
    data: list[Any]
    total: int


class Single(TypedDict):
    data: Any
    links: dict[str, Any]


class Me(TypedDict):
    id: int
    email: str
    first_name: str
    last_name: str
    customer_id: int


class Ping(TypedDict):
    response: str  # "Pong"


class ApiTokenRequest(TypedDict):
    name: str
    expiry: int  # seconds of idleness before it expires; 0 = never


class ApiToken(TypedDict):
    id: int
    user_id: int
    token: str
    customer_id: int
    name: str
    host: str
    user_agent: str
    expiry: int
    last_request_at: str | None  # "YYYY-MM-DD HH:MM:SS", account time zone
    created_at: str


class Cdr(TypedDict):
    id: int
    calldate: str  # "YYYY-MM-DD HH:MM:SS", account time zone
    src: str
    src_id: int | None
    dst: str
    dst_id: int | None
    clid: str
    billsec: int
    duration: int
    charge: float
    rate: float
    type: str  # "O" | "I" | "M"
    disposition: str


CDR_FIELDS: tuple[str, ...] = tuple(Cdr.__annotations__)
APITOKEN_FIELDS: tuple[str, ...] = tuple(ApiToken.__annotations__)
