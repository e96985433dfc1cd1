"""VoIPstudio REST API: a login session (e-mail + password) or a long-lived API token."""

from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urljoin

from integrations.http import Auth, BasicAuth, LoginSessionAuth
from integrations.vendors.base import DIGITS, EMAIL, NOT_BLANK, Account, Connector, CredentialField, PullCode
from integrations.vendors.catalogue import Endpoint, Param
from integrations.vendors.diagnosis import Code

from . import pulls

# Operators VoIPstudio's own client says work live; `between` answers 400 there.
FILTER_OPERATORS = ("eq", "like", "gt", "gte", "lt", "lte", "ne", "in", "notlike")
CDR_PROPERTIES = ("id", "calldate", "src", "dst", "clid", "billsec", "duration", "type", "disposition")


def check_filter(values: Mapping[str, Any]) -> dict[str, str]:
    entries = values.get("filter")
    if entries is None:
        return {}
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return {
            "filter": 'must be a JSON list like [{"operator": "gte", "property": "calldate", "value": "..."}]'
        }
    for entry in entries:
        if entry.get("operator") == "between":
            return {"filter": "VoIPstudio does not support 'between': use one gte and one lte entry"}
        if entry.get("operator") not in FILTER_OPERATORS:
            return {"filter": f"operator must be one of {', '.join(FILTER_OPERATORS)}"}
        if not entry.get("property") or "value" not in entry:
            return {"filter": "every entry needs property, operator and value"}
    return {}


class VoipStudio(Connector):
    key = "voipstudio"
    label = "VoIPstudio"
    base_url_pattern = "https://l7api.com/v1.2/voipstudio/"
    host_patterns = ("l7api.com",)
    credential_fields = (
        CredentialField("email", "E-mail", required=False, validators=(EMAIL,)),
        CredentialField("password", "Password", secret=True, required=False, validators=(NOT_BLANK,)),
        CredentialField(
            "user_id",
            "User ID",
            required=False,
            help_text="Numeric user id that owns the API token",
            validators=(DIGITS,),
        ),
        CredentialField(
            "api_token",
            "API token",
            secret=True,
            required=False,
            help_text="Administration → Users → Edit → Advanced → API keys",
            validators=(NOT_BLANK,),
        ),
    )
    # Either a login session or an API token; the API token is preferred when both are set.
    credential_sets = (("email", "password"), ("user_id", "api_token"))
    endpoints = (
        Endpoint("me", "Who am I (/me)", "GET", "me", connectivity=True, description="The signed-in user."),
        Endpoint("ping", "Ping", "GET", "ping", description="Keeps a login session alive."),
        Endpoint(
            "cdrs",
            "Call detail records",
            "GET",
            "cdrs",
            params=(
                Param("page", "Page", "int", default="1", minimum=1),
                Param("limit", "Limit", "int", default="50", minimum=1, maximum=5000),
                Param(
                    "filter",
                    "Filter (JSON)",
                    "json",
                    help_text='e.g. [{"operator": "gte", "property": "calldate", '
                    f'"value": "2026-11-01 00:00:00"}}] — operators: {", ".join(FILTER_OPERATORS)}; '
                    'entries AND together; like without a % is a partial match ("4478" finds every '
                    "number holding 4478), and % matches any run of characters",
                ),
                Param("sort", "Sort by", "choice", choices=CDR_PROPERTIES),
                Param("dir", "Direction", "choice", choices=("ASC", "DESC")),
            ),
            validate=check_filter,
        ),
        Endpoint(
            "apitokens",
            "API tokens",
            "GET",
            "apitokens",
            params=(
                Param(
                    "filter",
                    "Filter (JSON)",
                    "json",
                    help_text='e.g. [{"property": "name", "operator": "eq", "value": "Switchboard"}]',
                ),
            ),
            validate=check_filter,
            description="This user's API tokens: name, expiry (idle seconds) and when each was last used. "
            "Token values are masked.",
        ),
    )
    wording = {
        Code.BAD_CREDENTIALS: (
            "VoIPstudio did not accept the login or the API token",
            "VoIPstudio refused the e-mail and password, or the API token is wrong, was revoked, or expired "
            "after being idle longer than its expiry.",
            (
                "Check the e-mail and password by signing in to VoIPstudio.",
                "For an API token: Administration → Users → Edit → Advanced; mint a new one if it is gone.",
            ),
        ),
    }

    @classmethod
    def auth(cls, account: Account) -> Auth:
        if account.public.get("user_id") and account.secret("api_token"):
            return BasicAuth(lambda: account.public["user_id"], lambda: account.secret("api_token"))
        return LoginSessionAuth(
            urljoin(account.base_url, "login"),
            lambda: {"email": account.public["email"], "password": account.secret("password")},
            token_key="user_token",  # noqa: S106 (the name of the JSON key, not a token)
            header="X-Auth-Token",
        )

    @classmethod
    def error_text(cls, payload: Any) -> str:
        # Clients read errors[0].message first, then message.
        if isinstance(payload, dict):
            errors = payload.get("errors")
            if (
                isinstance(errors, list)
                and errors
                and isinstance(errors[0], dict)
                and errors[0].get("message")
            ):
                return str(errors[0]["message"])
        return super().error_text(payload)

    @classmethod
    def envelope_error(cls, payload: Any) -> str | None:
        return None if isinstance(payload, dict) and "data" in payload else "the answer has no 'data'"

    # --- pulls: in pulls.py ---------------------------------------------------------------------
    resources = pulls.RESOURCES
    pull_code: ClassVar[PullCode | None] = pulls
