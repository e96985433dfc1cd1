"""VoIPcloud PBX integration API: a `token` header, behind the PBX's whitelisted IPs."""

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from integrations.http import Auth, BadResponse, HeaderAuth, HttpClient, HttpRequest
from integrations.vendors.base import (
    HOST_NAME,
    NOT_BLANK,
    Account,
    Connector,
    CredentialField,
    UnknownResource,
)
from integrations.vendors.catalogue import Endpoint, Param
from integrations.vendors.diagnosis import Code
from integrations.vendors.resources import CALLS, Call, Page, Resource
from integrations.vendors.values import as_count, naive_text

from .schemas import LIMIT_MAX

# Resource key -> the list's path (the same call shape for all three).
CALL_LISTS = {
    "user_calls": "get-user-calls",
    "queue_calls": "get-queue-calls",
    "ringgroup_calls": "get-ringgroup-calls",
}
# type missed = an inbound call nobody answered.
DIRECTIONS = {"inbound": "inbound", "outbound": "outbound", "internal": "internal", "missed": "inbound"}
ANSWERED = {"answered": True, "missed": False, "no-answer": False, "busy": False, "failed": False}


def _call_resource(key: str, label: str) -> Resource:
    return Resource(
        key,
        label,
        CALLS,
        page_size=LIMIT_MAX,  # 500: the most VoIPcloud serves a request
        overlap=timedelta(minutes=15),
        description=f"GET {CALL_LISTS[key]}, oldest first, every user/queue/ring group.",
    )


def _calls(key: str, label: str, path: str, selector: str, selector_label: str) -> Endpoint:
    return Endpoint(
        key,
        label,
        "GET",
        path,
        params=(
            Param(selector, selector_label, "csv", help_text="Comma-separated; blank means all"),
            Param("date_from", "From", "datetime"),
            Param("date_to", "To", "datetime"),
            Param("sort", "Order", "choice", default="desc", choices=("desc", "asc")),
            Param("offset", "Offset", "int", default="0", minimum=0),
            Param("limit", "Limit", "int", default="50", minimum=1, maximum=500),
        ),
        description="Newest first unless the order says otherwise.",
    )


class VoipCloud(Connector):
    key = "voipcloud"
    label = "VoIPcloud"
    base_url_pattern = "https://{pbx_host}/api/integration/v1/"
    credential_fields = (
        CredentialField(
            "pbx_host",
            "PBX host",
            help_text="Your PBX portal's domain, e.g. pbx.example.com",
            validators=(HOST_NAME,),
        ),
        CredentialField(
            "api_key",
            "API key",
            secret=True,
            help_text="Customer portal → Integration/API tab → API",
            validators=(NOT_BLANK,),
        ),
        CredentialField(
            "webhook_secret",
            "Webhook secret token",
            secret=True,
            required=False,
            help_text="The 'Secret Token' VoIPcloud sends as X-Pbx-Token on webhooks (optional)",
        ),
    )
    endpoints = (
        Endpoint("system_status", "System status", "GET", "get-system-status", connectivity=True),
        _calls("user_calls", "User calls", "get-user-calls", "users", "Users (extensions)"),
        _calls("queue_calls", "Queue calls", "get-queue-calls", "queues", "Queues"),
        _calls("ringgroup_calls", "Ring group calls", "get-ringgroup-calls", "ringgroups", "Ring groups"),
        Endpoint(
            "call_to_number",
            "Call a number",
            "POST",
            "call-to-number",
            params=(
                Param("user_number", "From extension", required=True, in_body=True),
                Param("destination", "Destination (E.164)", "e164", required=True, in_body=True),
            ),
            side_effect="Places a real call: the extension rings first, then the destination.",
        ),
    )
    wording = {
        Code.AUTH_OR_IP: (
            "VoIPcloud answered 'Not authorised': wrong API key, or our address is not whitelisted",
            "VoIPcloud gives the same 401 'Not authorised' for a wrong API key and for a caller address that "
            "is not on the PBX's whitelist, so either may be the cause.",
            (
                "Compare the API key with PBX → Settings → Integrations → API in the VoIPcloud portal.",
                "Check PBX → Settings → Integrations → API → Whitelisted IPs holds the portal's egress "
                "address, then Save and apply configuration.",
            ),
        ),
        Code.RATE_LIMITED: (
            "VoIPcloud's limit of 100 requests per 15 minutes was reached",
            "VoIPcloud allows 100 API requests per 15 minutes per key, and this key has used them.",
            ("Wait for the window to pass; spread scheduled pulls out.",),
        ),
    }

    @classmethod
    def auth(cls, account: Account) -> Auth:
        # The key used to be a query parameter; since January 2021 only the `token` header works.
        return HeaderAuth("token", lambda: account.secret("api_key"))

    # --- pulls ----------------------------------------------------------------------------------
    resources = (
        _call_resource("user_calls", "User calls"),
        _call_resource("queue_calls", "Queue calls"),
        _call_resource("ringgroup_calls", "Ring group calls"),
    )

    @classmethod
    def fetch_pages(
        cls,
        client: HttpClient,
        auth: Auth,
        account: Account,
        resource: Resource,
        since: datetime,
        until: datetime,
    ) -> Iterator[Page]:
        path = CALL_LISTS.get(resource.key)
        if path is None:
            raise UnknownResource(resource.key, ", ".join(CALL_LISTS))
        tz = ZoneInfo(account.timezone)
        url = urljoin(account.base_url, path)
        limit, offset = resource.page_size, 0
        while True:
            # users/queues/ringgroups left out = all of them. Dates are naive in the PBX's zone.
            # sort=asc, not the default desc: new calls then land after the rows still to read
            # instead of shifting every later offset (desc would re-serve a row per insert), and
            # rows come oldest first, so an interrupted walk has stored a contiguous oldest part.
            params = (
                ("date_from", naive_text(since, tz)),
                ("date_to", naive_text(until, tz)),
                ("sort", "asc"),
                ("offset", str(offset)),
                ("limit", str(limit)),
            )
            payload = cls.get_json(client, auth, HttpRequest("GET", url, params=params))
            rows = payload.get("calls")
            if not isinstance(rows, list):
                raise BadResponse("VoIPcloud: the call list answered without 'calls'")
            total = as_count(payload.get("total"))
            yield Page(rows, total)
            offset += len(rows)
            # Each request costs one of 100 per 15 minutes: stop on a short page without asking
            # for an empty one.
            if len(rows) < limit or (total is not None and offset >= total):
                return

    @classmethod
    def row_id(cls, resource: Resource, row: Mapping[str, Any]) -> str:
        value = row.get("unique_call_id")
        if value in (None, ""):
            raise BadResponse("VoIPcloud: a call without unique_call_id")
        return str(value)

    @classmethod
    def row_time(cls, resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> datetime:
        text = str(row.get("call_start_at") or "")
        if not text:
            raise BadResponse("VoIPcloud: a call without call_start_at")
        # ISO 8601, normally with an offset; a bare time is read in the PBX's zone.
        try:
            parsed = datetime.fromisoformat(text.strip())
        except ValueError:
            raise BadResponse(f"VoIPcloud: {text[:40]!r} is not an ISO 8601 time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)

    @classmethod
    def to_call(cls, resource: Resource, row: Mapping[str, Any], tz: tzinfo) -> Call:
        kind = str(row.get("type") or "").lower()
        status = str(row.get("status") or "")
        answered = False if kind == "missed" else ANSWERED.get(status.lower())
        return Call(
            vendor_call_id=cls.row_id(resource, row),
            started_at=cls.row_time(resource, row, tz),
            direction=DIRECTIONS.get(kind, "unknown"),
            caller=str(row.get("caller_id") or ""),
            callee=str(row.get("dest_number") or ""),
            agent=str(row.get("user_name") or row.get("user_number") or ""),
            queue=str(row.get("queue_name") or row.get("ring_group_name") or ""),
            duration_seconds=int(row.get("duration") or 0),
            disposition=status or kind,
            answered=answered,
            extra={"caller_name": row.get("caller_name") or "", "user_number": row.get("user_number") or ""},
        )

    @classmethod
    def code_for_status(cls, status: int, message: str) -> Code:
        if status == 401:
            return Code.AUTH_OR_IP
        return super().code_for_status(status, message)

    @classmethod
    def envelope_error(cls, payload: Any) -> str | None:
        if isinstance(payload, dict) and payload.get("status") == "success":
            return None
        return cls.error_text(payload) or "the answer's status is not 'success'"
