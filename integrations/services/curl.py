"""A copyable curl line for a test request, each secret replaced by a shell-variable placeholder."""

import json
import shlex
from urllib.parse import urlencode

from integrations.http import BasicAuth, BearerRefreshAuth, HeaderAuth, HttpRequest, LoginSessionAuth
from integrations.vendors.base import Account, Connector


def placeholder(connector: type[Connector], field: str) -> str:
    return f"${connector.key.upper()}_{field.upper()}"


def placeholder_account(connector: type[Connector], account: Account) -> Account:
    """The same account with every secret replaced by "$VENDOR_FIELD"."""
    return Account(
        base_url=account.base_url,
        public=account.public,
        secret=lambda name: placeholder(connector, name),
        timezone=account.timezone,
    )


def _quote(value: str) -> str:
    # Double quotes where a placeholder must expand; single quotes elsewhere.
    if "$" in value:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return shlex.quote(value)


def _post_json(url: str, body: dict[str, str]) -> str:
    payload = json.dumps(body)
    return f"curl -sS -X POST {shlex.quote(url)} -H 'Content-Type: application/json' -d {_quote(payload)}"


def curl_command(connector: type[Connector], account: Account, request: HttpRequest) -> str:
    auth = connector.auth(placeholder_account(connector, account))
    url = f"{request.url}?{urlencode(request.params)}" if request.params else request.url
    parts = ["curl", "-sS", "-X", request.method, shlex.quote(url)]
    before = ""
    if isinstance(auth, BasicAuth):
        parts += ["-u", _quote(f"{auth.username()}:{auth.password()}")]
    elif isinstance(auth, HeaderAuth):
        parts += ["-H", _quote(f"{auth.header}: {auth.value()}")]
    elif isinstance(auth, LoginSessionAuth):
        token = f"${connector.key.upper()}_{auth.token_key.upper()}"
        before = f"# first log in; put the {auth.token_key} it returns in {token[1:]}\n"
        before += _post_json(auth.login_url, auth.body()) + "\n"
        parts += ["-H", _quote(f"{auth.header}: {token}")]
    elif isinstance(auth, BearerRefreshAuth):
        token = f"${connector.key.upper()}_ACCESS_TOKEN"
        before = f"# first log in; put the {auth.access_key} it returns in {token[1:]}\n"
        before += _post_json(auth.login_url, auth.login_body()) + "\n"
        parts += ["-H", _quote(f"Authorization: Bearer {token}")]
        for name, value in auth.extra_headers.items():
            parts += ["-H", _quote(f"{name}: {value}")]
    for name, value in request.headers.items():
        parts += ["-H", _quote(f"{name}: {value}")]
    if request.json is not None:
        parts += ["-H", "'Content-Type: application/json'", "-d", shlex.quote(json.dumps(request.json))]
    return before + " ".join(parts)
