"""VoIPcloud PBX integration API v2: a `token` header, behind the PBX's whitelisted IPs."""

from collections.abc import Mapping
from typing import Any, ClassVar

from integrations.http import Auth, HeaderAuth
from integrations.vendors.base import HOST_NAME, NOT_BLANK, Account, Connector, CredentialField, PullCode
from integrations.vendors.catalogue import Endpoint, Param
from integrations.vendors.diagnosis import Code
from integrations.vendors.rotation import RotationPlan, staged
from integrations.vendors.webhooks import WebhookCode

from . import pulls, webhooks
from .schemas import LIMIT_DEFAULT, LIMIT_MAX, SORT_ORDERS


def check_days(values: Mapping[str, Any]) -> dict[str, str]:
    first, last = values.get("from_date"), values.get("to_date")
    if first is not None and last is not None and first > last:
        return {"to_date": "must not be before the from date"}
    return {}


def _calls(key: str, label: str, path: str, selector: str, selector_label: str) -> Endpoint:
    return Endpoint(
        key,
        label,
        "GET",
        path,
        params=(
            Param("from_date", "From day", "date", help_text="A whole day in the PBX's time zone"),
            Param("to_date", "To day", "date", help_text="Inclusive: the whole of this day is read"),
            Param("sort_by", "Order", "choice", default="newest_first", choices=SORT_ORDERS),
            Param("offset", "Offset", "int", default="0", minimum=0),
            Param("limit", "Limit", "int", default=str(LIMIT_DEFAULT), minimum=1, maximum=LIMIT_MAX),
            Param(
                selector,
                selector_label,
                "csv",
                help_text="Comma-separated numbers; blank means all. The parameter's name is the "
                "portal's best reading: VoIPcloud's documentation does not spell it out",
            ),
            Param("unique_call_id", "Call ID", help_text="Just this call, e.g. 1700000000.42"),
        ),
        description="Calls of whole days, newest first unless the order says otherwise; no total is "
        "given, so page on offset until a page comes back short.",
        validate=check_days,
    )


class VoipCloud(Connector):
    key = "voipcloud"
    label = "VoIPcloud"
    base_url_pattern = "https://{pbx_host}/api/integration/v2/"
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
    # No rotation API: the key is regenerated in the customer portal and typed in here.
    rotation: ClassVar[RotationPlan] = staged(
        "Regenerate the API key in the VoIPcloud portal, stage it here, verify, promote.",
        "VoIPcloud portal → Integration/API tab → API",
        person_rotates=("api_key",),
    )
    endpoints = (
        Endpoint(
            "connection",
            "Connection test (one user call)",
            "GET",
            "get-user-calls",
            params=(Param("limit", "Limit", "int", default="1", minimum=1, maximum=LIMIT_MAX),),
            connectivity=True,
            description="v2 has no status endpoint: reading one user call proves the key and the whitelist.",
        ),
        _calls("user_calls", "User calls", "get-user-calls", "users", "Users (extensions)"),
        _calls("queue_calls", "Queue calls", "get-queue-calls", "queues", "Queues"),
        _calls("ringgroup_calls", "Ring group calls", "get-ringgroup-calls", "ringgroups", "Ring groups"),
        Endpoint(
            "call_to_number",
            "Call a number",
            "POST",
            "call-to-number",
            # A multipart/form-data body, not JSON.
            params=(
                Param("user_number", "From extension", required=True, in_form=True),
                Param("number_to_call", "Number to call (E.164)", "e164", required=True, in_form=True),
                Param(
                    "caller_id",
                    "Caller ID",
                    in_form=True,
                    help_text="The number the called party sees (optional)",
                ),
            ),
            side_effect="Places a real call: the extension rings first, then the number.",
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

    # --- pulls: in pulls.py ---------------------------------------------------------------------
    resources = pulls.RESOURCES
    pull_code: ClassVar[PullCode | None] = pulls
    # --- pushed call events: in webhooks.py -------------------------------------------------------
    webhook_code: ClassVar[WebhookCode | None] = webhooks

    @classmethod
    def code_for_status(cls, status: int, message: str) -> Code:
        # One answer for a wrong key and an address off the whitelist (the clients treat a 403
        # the same way).
        if status in (401, 403):
            return Code.AUTH_OR_IP
        return super().code_for_status(status, message)

    @classmethod
    def envelope_error(cls, payload: Any) -> str | None:
        # {"code": 200, "data": [...]}; the clients also fail a `status` other than "success".
        if not isinstance(payload, dict):
            return "the answer is not VoIPcloud's {code, data} object"
        code, status = payload.get("code"), payload.get("status")
        if (code is not None and str(code) != "200") or (status is not None and status != "success"):
            return cls.error_text(payload) or f"the answer's code is {code}"
        if not isinstance(payload.get("data"), list):
            return cls.error_text(payload) or "the answer has no 'data' list"
        return None
