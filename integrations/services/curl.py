"""A copyable curl line for a test request, each secret replaced by a shell-variable placeholder."""

import json
import re
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


class Quoter:
    """Shell quoting in which only the placeholders we wrote expand.

    Every other character, however it got there (a parameter typed on the test page, a public
    account field), is single-quoted by shlex: user text is never inside double quotes, where
    `$(...)` or a backtick would run.
    """

    def __init__(self, placeholders: set[str]) -> None:
        names = sorted(placeholders, key=len, reverse=True)
        self._split = re.compile("(" + "|".join(re.escape(n) for n in names) + ")") if names else None

    def __call__(self, value: str) -> str:
        if self._split is None:
            return shlex.quote(value)
        pieces = [piece for piece in self._split.split(value) if piece]
        if not pieces:
            return "''"
        return "".join(f'"{p}"' if self._split.fullmatch(p) else shlex.quote(p) for p in pieces)


def _post_json(url: str, body: dict[str, str], quote: Quoter) -> str:
    payload = json.dumps(body)
    return f"curl -sS -X POST {shlex.quote(url)} -H 'Content-Type: application/json' -d {quote(payload)}"


def _form_option(name: str, value: str, quote: Quoter) -> list[str]:
    # curl -F reads a value starting with @ or < as a file to upload: --form-string sends it as is.
    option = "--form-string" if value[:1] in ("@", "<") else "-F"
    return [option, quote(f"{name}={value}")]


def curl_command(connector: type[Connector], account: Account, request: HttpRequest) -> str:
    shown = placeholder_account(connector, account)
    auth = connector.auth(shown)
    key = connector.key.upper()
    quote = Quoter(
        {placeholder(connector, name) for name in connector.sensitive_fields()}
        | {f"${key}_ACCESS_TOKEN"}
        | ({f"${key}_{auth.token_key.upper()}"} if isinstance(auth, LoginSessionAuth) else set())
    )
    url = f"{request.url}?{urlencode(request.params)}" if request.params else request.url
    parts = ["curl", "-sS", "-X", request.method, shlex.quote(url)]
    before = ""
    if isinstance(auth, BasicAuth):
        parts += ["-u", quote(f"{auth.username()}:{auth.password()}")]
    elif isinstance(auth, HeaderAuth):
        parts += ["-H", quote(f"{auth.header}: {auth.value()}")]
    elif isinstance(auth, LoginSessionAuth):
        token = f"${key}_{auth.token_key.upper()}"
        before = f"# first log in; put the {auth.token_key} it returns in {token[1:]}\n"
        before += _post_json(auth.login_url, auth.body(), quote) + "\n"
        parts += ["-H", quote(f"{auth.header}: {token}")]
    elif isinstance(auth, BearerRefreshAuth):
        token = f"${key}_ACCESS_TOKEN"
        where = auth.access_key if isinstance(auth.access_key, str) else auth.access_key[0]
        before = f"# first log in; put the {where} it returns in {token[1:]}\n"
        before += _post_json(auth.login_url, auth.login_body(), quote) + "\n"
        parts += ["-H", quote(f"Authorization: Bearer {token}")]
        for name, value in auth.extra_headers.items():
            parts += ["-H", quote(f"{name}: {value}")]
    for name, value in request.headers.items():
        parts += ["-H", quote(f"{name}: {value}")]
    if request.json is not None:
        parts += ["-H", "'Content-Type: application/json'", "-d", quote(json.dumps(request.json))]
    for name, value in request.form:
        # -F makes curl send multipart/form-data, as the vendor expects.
        parts += _form_option(name, value, quote)
    return before + " ".join(parts)
