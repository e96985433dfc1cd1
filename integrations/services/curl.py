"""A copyable curl line for a test request, each secret replaced by a shell variable.

A Support agent pastes this line into a shell, and every value in it may come from someone else:
a public account field an admin typed, a parameter typed on the test page. So every value is
quoted for the shell to take literally (single quotes, a `'` inside written as `'"'"'`), and the
only thing that expands is a secret's variable, written by us as `"$VENDOR_FIELD"`: outside the
single quotes, in double quotes that hold the variable's name alone, so its value is neither split
nor globbed nor read as a command.

The variables are found by marker, not by name: the secrets are read as random markers, unique to
this line, which no typed text can contain; a typed "$VOIPSTUDIO_PASSWORD" stays that text.
"""

import json
import re
import secrets
import shlex
from urllib.parse import urlencode

from integrations.http import BasicAuth, BearerRefreshAuth, HeaderAuth, HttpRequest, LoginSessionAuth
from integrations.vendors.base import Account, Connector


class Placeholders:
    """The markers standing for the secrets of one curl line, and the variables they become."""

    def __init__(self, connector: type[Connector]) -> None:
        self.prefix = connector.key.upper()
        # Letters and digits only, so a marker survives JSON, URL and header encoding unchanged.
        self._nonce = secrets.token_hex(8)
        self._marker = re.compile(f"(sbvar{self._nonce}n[0-9]+e)")
        self._variables: dict[str, str] = {}

    def variable_name(self, field: str) -> str:
        # A field name may be built from a public value (ipSCAPE's secret_key_{active_key}): only
        # letters, digits and underscores may reach the shell unquoted.
        return re.sub(r"[^A-Z0-9_]", "_", f"{self.prefix}_{field.upper()}")

    def marker(self, field: str) -> str:
        """The text that stands for the secret `field` until the line is quoted."""
        variable = self.variable_name(field)
        for marker, name in self._variables.items():
            if name == variable:
                return marker
        marker = f"sbvar{self._nonce}n{len(self._variables)}e"
        self._variables[marker] = variable
        return marker

    def account(self, account: Account) -> Account:
        """The same account, each secret read as its marker."""
        return Account(
            base_url=account.base_url, public=account.public, secret=self.marker, timezone=account.timezone
        )

    def quote(self, value: str) -> str:
        """One shell word: literal text single-quoted, the secrets as their variables."""
        words = []
        for piece in self._marker.split(value):
            if piece in self._variables:
                words.append(f'"${self._variables[piece]}"')
            elif piece:
                words.append(shlex.quote(piece))
        return "".join(words) or "''"


def _post_json(url: str, body: dict[str, str], marks: Placeholders) -> str:
    return (
        f"curl -sS -X POST {marks.quote(url)} -H 'Content-Type: application/json' "
        f"-d {marks.quote(json.dumps(body))}"
    )


def _form_option(name: str, value: str, marks: Placeholders) -> list[str]:
    # curl -F reads a value starting with @ or < as a file to upload: --form-string sends it as is.
    option = "--form-string" if value[:1] in ("@", "<") else "-F"
    return [option, marks.quote(f"{name}={value}")]


def curl_command(connector: type[Connector], account: Account, request: HttpRequest) -> str:
    marks = Placeholders(connector)
    auth = connector.auth(marks.account(account))
    url = f"{request.url}?{urlencode(request.params)}" if request.params else request.url
    parts = ["curl", "-sS", "-X", marks.quote(request.method), marks.quote(url)]
    before = ""
    if isinstance(auth, BasicAuth):
        parts += ["-u", marks.quote(f"{auth.username()}:{auth.password()}")]
    elif isinstance(auth, HeaderAuth):
        parts += ["-H", marks.quote(f"{auth.header}: {auth.value()}")]
    elif isinstance(auth, LoginSessionAuth):
        token = marks.marker(auth.token_key)
        variable = marks.variable_name(auth.token_key)
        before = f"# first log in; put the {auth.token_key} it returns in {variable}\n"
        before += _post_json(auth.login_url, auth.body(), marks) + "\n"
        parts += ["-H", marks.quote(f"{auth.header}: {token}")]
    elif isinstance(auth, BearerRefreshAuth):
        token = marks.marker("access_token")
        where = auth.access_key if isinstance(auth.access_key, str) else auth.access_key[0]
        before = f"# first log in; put the {where} it returns in {marks.variable_name('access_token')}\n"
        before += _post_json(auth.login_url, auth.login_body(), marks) + "\n"
        parts += ["-H", marks.quote(f"Authorization: Bearer {token}")]
        for name, value in auth.extra_headers.items():
            parts += ["-H", marks.quote(f"{name}: {value}")]
    for name, value in request.headers.items():
        parts += ["-H", marks.quote(f"{name}: {value}")]
    if request.json is not None:
        parts += ["-H", "'Content-Type: application/json'", "-d", marks.quote(json.dumps(request.json))]
    for name, value in request.form:
        # -F makes curl send multipart/form-data, as the vendor expects.
        parts += _form_option(name, value, marks)
    return before + " ".join(parts)
