"""VoIPstudio REST API: a login session (e-mail + password) or a long-lived API token."""

import json
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote, urljoin

from integrations.http import (
    Auth,
    BadResponse,
    BasicAuth,
    HttpClient,
    HttpRequest,
    LoginSessionAuth,
    error_for_status,
)
from integrations.vendors.base import DIGITS, EMAIL, NOT_BLANK, Account, Connector, CredentialField, PullCode
from integrations.vendors.catalogue import Endpoint, Param
from integrations.vendors.diagnosis import Code
from integrations.vendors.rotation import VERIFY, MintedToken, RotationPlan, Step, Workflow

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
    # API tokens are minted and revoked by API (vendors.md, VoIPstudio's own CLI client): a new one
    # is verified and switched to before the old one is revoked. A login (e-mail + password)
    # integration becomes an API-token one this way.
    rotation: ClassVar[RotationPlan] = RotationPlan(
        Workflow.MINT,
        "Mint a new API token, verify it, switch to it, revoke the old one; no person needed.",
        steps=(
            Step("mint", "Mint a new API token", "POST /apitokens with a dated name and the chosen expiry."),
            VERIFY,
            Step("switch", "Switch to it", "Requests use the new token from now on."),
            Step(
                "revoke",
                "Revoke the old token",
                "DELETE /apitokens/{token}, once no request still uses the old token.",
            ),
        ),
        where="Administration → Users → Edit → Advanced → API keys",
        token_field="api_token",  # noqa: S106 (a field name, not a token)
        token_companion="user_id",  # noqa: S106 (a field name)
    )
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

    # --- API tokens (the rotation's vendor calls) ----------------------------------------------
    @classmethod
    def mint_token(
        cls, client: HttpClient, auth: Auth, account: Account, name: str, expiry_seconds: int
    ) -> MintedToken:
        """POST /apitokens: a new long-lived token; `expiry_seconds` is an idle expiry (0 = never)."""
        url = urljoin(account.base_url, "apitokens")
        request = HttpRequest("POST", url, json={"name": name, "expiry": expiry_seconds}, idempotent=False)
        payload = cls.get_json(client, auth, request)
        return cls._minted(client, payload.get("data"), name)

    @classmethod
    def find_token(cls, client: HttpClient, auth: Auth, account: Account, name: str) -> MintedToken | None:
        """The token called `name`, if the vendor has one (names are unique per user)."""
        query = json.dumps([{"property": "name", "operator": "eq", "value": name}])
        request = HttpRequest("GET", urljoin(account.base_url, "apitokens"), params=(("filter", query),))
        rows = cls.get_json(client, auth, request).get("data")
        # `eq` is exact at VoIPstudio, but filter here too: a like-minded server must not fool us.
        found = [row for row in rows or [] if isinstance(row, dict) and row.get("name") == name]
        return cls._minted(client, found[0], name) if found else None

    @classmethod
    def revoke_token(cls, client: HttpClient, auth: Auth, account: Account, token: str) -> None:
        """DELETE /apitokens/{token} (the value itself in the path); raises when it is refused."""
        client.redactor.add(token)  # the path holds it: the client's log line must not
        url = urljoin(account.base_url, "apitokens/" + quote(token, safe=""))
        response = client.send(HttpRequest("DELETE", url), auth=auth)
        if response.status_code in (204, 200, 404):  # 404: already gone, which is what we wanted
            return
        raise error_for_status(response) or BadResponse(
            f"VoIPstudio answered HTTP {response.status_code} to the revocation", response=response
        )

    @classmethod
    def _minted(cls, client: HttpClient, data: Any, name: str) -> MintedToken:
        if not isinstance(data, dict) or not isinstance(data.get("token"), str) or not data["token"]:
            raise BadResponse("VoIPstudio: the API token answer holds no token")
        token = data["token"]
        client.redactor.add(token)
        expiry = data.get("expiry")
        idle = int(expiry) if isinstance(expiry, int | str) and str(expiry).isdigit() else None
        return MintedToken(
            value=token,
            name=str(data.get("name") or name),
            vendor_id=str(data.get("id") or ""),
            owner_id=str(data.get("user_id") or ""),
            idle_seconds=idle or None,  # 0 = never expires
        )

    # --- pulls: in pulls.py ---------------------------------------------------------------------
    resources = pulls.RESOURCES
    pull_code: ClassVar[PullCode | None] = pulls
