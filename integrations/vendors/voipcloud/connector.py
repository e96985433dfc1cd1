"""VoIPcloud PBX integration API: a `token` header, behind the PBX's whitelisted IPs."""

from typing import Any

from integrations.http import Auth, HeaderAuth
from integrations.vendors.base import HOST_NAME, NOT_BLANK, Account, Connector, CredentialField
from integrations.vendors.catalogue import Endpoint, Param
from integrations.vendors.diagnosis import Code


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
