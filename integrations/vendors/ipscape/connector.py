"""ipSCAPE Platform API v3.0: HTTP Basic with the API token and the active one of two secret keys."""

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from integrations.http import Auth, BasicAuth
from integrations.vendors.base import (
    HOST_LABEL,
    NOT_BLANK,
    Account,
    Connector,
    CredentialField,
    PullCode,
    one_of,
)
from integrations.vendors.catalogue import Endpoint, Param
from integrations.vendors.diagnosis import Code
from integrations.vendors.rotation import VERIFY, RotationPlan, Step, Workflow

from . import pulls


def _minutes_ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S+0000")


class Ipscape(Connector):
    key = "ipscape"
    label = "ipSCAPE"
    base_url_pattern = "https://{subdomain}.ipscape.com.au/platform-api/v3.0/"
    host_patterns = ("{label}.ipscape.com.au",)
    credential_fields = (
        CredentialField("subdomain", "Subdomain", validators=(HOST_LABEL,)),
        CredentialField("api_token", "API token", secret=True, validators=(NOT_BLANK,)),
        CredentialField("secret_key_1", "Secret key 1", secret=True, validators=(NOT_BLANK,)),
        CredentialField("secret_key_2", "Secret key 2", secret=True, validators=(NOT_BLANK,)),
        CredentialField(
            "active_key",
            "Active key",
            help_text="Which secret key requests use (1 or 2); rotation switches it without downtime",
            validators=(one_of("1", "2"),),
        ),
    )
    # Two interchangeable secret keys, rotated in the ipSCAPE workspace (no API for it, vendors.md
    # section 4): rotate the key not in use while the other serves, verify, switch, then the other.
    rotation: ClassVar[RotationPlan] = RotationPlan(
        Workflow.TWO_KEYS,
        "Rotate the secret key not in use in the ipSCAPE workspace, paste it, verify it, switch to it; "
        "then the same for the other key. One key serves at every moment.",
        steps=(
            Step(
                "choose", "Rotate the key not in use in the workspace", "Key {other} keeps serving meanwhile."
            ),
            Step("paste", "Paste the new key", "Secret key {slot}, exactly as the workspace shows it."),
            VERIFY,
            Step("switch", "Switch to it", "Requests use secret key {slot} from now on."),
        ),
        person_rotates=("secret_key_1", "secret_key_2"),
        key_slots=("secret_key_1", "secret_key_2"),
        selector="active_key",
        where="Workspace → Integration → API tokens → your token → rotate secret key {slot}",
    )
    endpoints = (
        Endpoint(
            "activities",
            "Activities over a window",
            "GET",
            "activities",
            params=(
                Param("createdTimestampFrom", "Created from", "datetime", default=lambda: _minutes_ago(1)),
                Param("createdTimestampTo", "Created before", "datetime", default=lambda: _minutes_ago(0)),
                Param("campaignId", "Campaign ID", "int", minimum=1),
                Param("activityType", "Activity type", "choice", choices=("call.inbound", "call.outbound")),
                Param("cursor", "Cursor", help_text="From a previous answer's metadata.nextUri"),
            ),
            connectivity=True,
            description="ipSCAPE documents no ping: activities over the last minute are the cheapest read.",
        ),
    )
    wording = {
        Code.BAD_CREDENTIALS: (
            "ipSCAPE rejected the API token or the active secret key",
            "ipSCAPE refused the API token together with the active secret key. If a key was just rotated "
            "in the ipSCAPE workspace, the stored one is now invalid.",
            (
                "Check which secret key is active on this integration and that it matches the workspace.",
                "If you rotated a key, paste the new one and switch to it with the rotation wizard.",
            ),
        ),
    }

    @classmethod
    def auth(cls, account: Account) -> Auth:
        active = account.public.get("active_key", "1")
        return BasicAuth(lambda: account.secret("api_token"), lambda: account.secret(f"secret_key_{active}"))

    @classmethod
    def format_value(cls, value: Any) -> str:
        if isinstance(value, datetime):
            # ipSCAPE's own format: 2020-07-06T13:11:06+1000; a time typed without a zone is UTC.
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)
            return aware.strftime("%Y-%m-%dT%H:%M:%S%z")
        return super().format_value(value)

    @classmethod
    def envelope_error(cls, payload: Any) -> str | None:
        if isinstance(payload, dict) and isinstance(payload.get("items"), list):
            return None
        return cls.error_text(payload) or "the answer has no 'items' list"

    # --- pulls: in pulls.py ---------------------------------------------------------------------
    resources = pulls.RESOURCES
    pull_code: ClassVar[PullCode | None] = pulls
