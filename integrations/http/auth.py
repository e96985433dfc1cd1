"""Credential schemes.  Secrets are read lazily through callables, at the moment a request is signed
(DESIGN.md: decrypted only inside the client's auth step), and registered with the client's redactor
as they are read, so whatever the client logs, stores or raises afterwards is masked.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Protocol
from urllib.parse import urlsplit

from .client import HttpClient, HttpRequest, HttpResponse
from .errors import AuthFailed, BadResponse, Forbidden, HttpError, RateLimited, VendorError, error_for_status
from .redact import MASK, Redactor

SecretSource = Callable[[], str]
Keys = str | tuple[str, ...]
"""Where a token sits in a JSON answer: a key, a dotted path ("result.access_token"), or several
of those tried in order (the documented place first, then the other plausible ones)."""
# How much of a vendor's own error text an AuthFailed message quotes.
VENDOR_MESSAGE_LIMIT = 200


class Auth(Protocol):
    def apply(self, client: HttpClient, request: HttpRequest) -> HttpRequest: ...

    def refresh(self, client: HttpClient) -> bool:
        """After a 401: renew the credential; True if the request is worth sending again."""
        ...

    def preview_headers(self) -> dict[str, str]:
        """What a person may be shown; never a real value, and never a reason to log in."""
        ...


class BasicAuth:
    def __init__(self, username: SecretSource, password: SecretSource) -> None:
        # Public so a preview (the copyable curl line) can substitute placeholders; these are
        # sources, not values: nothing is read until apply().
        self.username = username
        self.password = password

    def apply(self, client: HttpClient, request: HttpRequest) -> HttpRequest:
        username, password = self.username(), self.password()
        client.redactor.add_basic(username, password)
        # RFC 7617: UTF-8 is the charset servers expect today (requests would use latin-1).
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        return request.with_headers({"Authorization": f"Basic {token}"})

    def refresh(self, client: HttpClient) -> bool:
        return False  # a fixed credential: a 401 is the vendor's final word

    def preview_headers(self) -> dict[str, str]:
        return {"Authorization": f"Basic {MASK}"}

    def __repr__(self) -> str:
        return "BasicAuth()"


class HeaderAuth:
    def __init__(self, header: str, value: SecretSource) -> None:
        self.header = header
        self.value = value

    def apply(self, client: HttpClient, request: HttpRequest) -> HttpRequest:
        value = self.value()
        client.redactor.add(value)
        return request.with_headers({self.header: value})

    def refresh(self, client: HttpClient) -> bool:
        return False

    def preview_headers(self) -> dict[str, str]:
        return {self.header: MASK}

    def __repr__(self) -> str:
        return f"HeaderAuth({self.header!r})"


class BearerAuth:
    """A session token already in hand (e.g. a renewal's new access token), sent as it is."""

    def __init__(self, token: SecretSource, extra_headers: Mapping[str, str] = MappingProxyType({})) -> None:
        self.token = token
        self.extra_headers = dict(extra_headers)

    def apply(self, client: HttpClient, request: HttpRequest) -> HttpRequest:
        token = self.token()
        client.redactor.add(token)
        return request.with_headers({**self.extra_headers, "Authorization": f"Bearer {token}"})

    def refresh(self, client: HttpClient) -> bool:
        return False  # the point is to test this very token: no silent login behind it

    def preview_headers(self) -> dict[str, str]:
        return {**Redactor().headers(self.extra_headers), "Authorization": f"Bearer {MASK}"}

    def __repr__(self) -> str:
        return "BearerAuth()"


class _SessionAuth:
    """Shared by the schemes that log in: counters, a lock, the login call and its errors."""

    def __init__(self, login_url: str) -> None:
        self.login_url = login_url
        # Counted so tests (and the health page) can prove a transparent re-login or refresh.
        self.logins = 0
        self.refreshes = 0
        # One login at a time per credential: concurrent requests share the token it yields.
        self._lock = threading.Lock()

    def _post(self, client: HttpClient, url: str, body: dict[str, str]) -> tuple[HttpResponse, Any]:
        _register_sensitive(client.redactor, body)
        response = client.send(HttpRequest("POST", url, json=body, idempotent=False))
        try:
            payload = response.json()
        except BadResponse:
            payload = None
        if isinstance(payload, Mapping):
            _register_sensitive(client.redactor, payload)
        return response, payload

    def _token(self, response: HttpResponse, payload: Any, keys: Keys) -> str | None:
        if response.status_code != 200 or not isinstance(payload, Mapping):
            return None
        value = _first(payload, keys)
        return value if isinstance(value, str) and value else None

    def _login_error(self, client: HttpClient, response: HttpResponse, payload: Any, keys: Keys) -> HttpError:
        key = _names(keys)[0]
        status = response.status_code
        host = urlsplit(self.login_url).hostname or "the vendor"
        said = _vendor_message(client.redactor, payload)
        if status == 202 and isinstance(payload, Mapping) and "nonce" in payload:
            # VoIPstudio answers 202 {"nonce"} and waits for a second factor no machine can give.
            message = "the account requires two-factor login; use an API token instead"
            return AuthFailed(f"login to {host}: {message} (HTTP 202)", response=response)
        if status == 200 and payload is None:
            # Malformed JSON or an HTML page says nothing about the credentials.
            return BadResponse(f"login to {host}: the answer was not JSON", response=response)
        if status == 200:
            return AuthFailed(f"login to {host} answered HTTP 200 without a {key}", response=response)
        typed = error_for_status(response)
        # A busy, broken or firewalled vendor is not a wrong password: keep the truer diagnosis.
        if isinstance(typed, RateLimited | VendorError | Forbidden):
            return type(typed)(
                f"login to {host} failed (HTTP {status}){said}",
                response=response,
                retry_after=typed.retry_after,
            )
        return AuthFailed(f"login to {host} refused (HTTP {status}){said}", response=response)


class LoginSessionAuth(_SessionAuth):
    """POST credentials, receive a session token, send it in a header; log in again on a 401.

    ``refresh`` is a new login here (no refresh endpoint), so it counts in ``logins``.
    """

    def __init__(
        self,
        login_url: str,
        body: Callable[[], dict[str, str]],
        token_key: str = "user_token",  # noqa: S107 (a JSON key name, not a password)
        header: str = "X-Auth-Token",
    ) -> None:
        super().__init__(login_url)
        self.body = body
        self.token_key = token_key
        self.header = header
        self._session_token: str | None = None

    def apply(self, client: HttpClient, request: HttpRequest) -> HttpRequest:
        with self._lock:
            token = self._session_token or self._login(client)
        return request.with_headers({self.header: token})

    def refresh(self, client: HttpClient) -> bool:
        with self._lock:
            self._session_token = None
            self._login(client)
        return True

    def preview_headers(self) -> dict[str, str]:
        return {self.header: MASK}

    def _login(self, client: HttpClient) -> str:
        response, payload = self._post(client, self.login_url, self.body())
        token = self._token(response, payload, self.token_key)
        if token is None:
            raise self._login_error(client, response, payload, self.token_key)
        client.redactor.add(token)
        self._session_token = token
        self.logins += 1
        return token

    def __repr__(self) -> str:
        return f"LoginSessionAuth({self.login_url!r}, logins={self.logins})"


class BearerRefreshAuth(_SessionAuth):
    """Log in for an access/refresh pair; on a 401 use the refresh token, and log in if that fails."""

    def __init__(
        self,
        login_url: str,
        login_body: Callable[[], dict[str, str]],
        refresh_url: str,
        access_key: Keys = "access_token",
        refresh_key: Keys = "refresh_token",
        extra_headers: Mapping[str, str] = MappingProxyType({}),
        refresh_field: str = "refresh_token",
    ) -> None:
        super().__init__(login_url)
        self.login_body = login_body
        self.refresh_url = refresh_url
        self.access_key = access_key
        self.refresh_key = refresh_key
        # The name the refresh token is sent under (the answer may nest it: refresh_key).
        self.refresh_field = refresh_field
        self.extra_headers = dict(extra_headers)
        self._access: str | None = None
        self._refresh_token: str | None = None

    def apply(self, client: HttpClient, request: HttpRequest) -> HttpRequest:
        with self._lock:
            access = self._access or self._login(client)
        return request.with_headers({**self.extra_headers, "Authorization": f"Bearer {access}"})

    def refresh(self, client: HttpClient) -> bool:
        with self._lock:
            self._access = None
            if self._refresh_token is None or not self._use_refresh_token(client):
                self._login(client)
        return True

    def preview_headers(self) -> dict[str, str]:
        shown = Redactor().headers(self.extra_headers)
        shown["Authorization"] = f"Bearer {MASK}"
        return shown

    def renew(self, client: HttpClient, refresh_token: str | None) -> tuple[str, str, str]:
        """A new pair from `refresh_token`, or from a new login when that is refused or absent.

        Returns (access, refresh, "refresh" | "login"); raises the login's error when both fail.
        """
        with self._lock:
            self._access, self._refresh_token = None, refresh_token
            via = "refresh" if refresh_token and self._use_refresh_token(client) else "login"
            if via == "login":
                self._login(client)
            assert self._access is not None
            return self._access, self._refresh_token or "", via

    def _login(self, client: HttpClient) -> str:
        response, payload = self._post(client, self.login_url, self.login_body())
        access = self._token(response, payload, self.access_key)
        if access is None:
            raise self._login_error(client, response, payload, self.access_key)
        self._store(client, access, payload)
        self.logins += 1
        return access

    def _use_refresh_token(self, client: HttpClient) -> bool:
        assert self._refresh_token is not None
        response, payload = self._post(client, self.refresh_url, {self.refresh_field: self._refresh_token})
        access = self._token(response, payload, self.access_key)
        if access is None:
            # Expired or revoked refresh token (Collect! revokes the old one on use): log in instead.
            self._refresh_token = None
            return False
        self._store(client, access, payload)
        self.refreshes += 1
        return True

    def _store(self, client: HttpClient, access: str, payload: Mapping[str, Any]) -> None:
        client.redactor.add(access)
        self._access = access
        renewed = _first(payload, self.refresh_key)
        if isinstance(renewed, str) and renewed:
            client.redactor.add(renewed)
            self._refresh_token = renewed

    def __repr__(self) -> str:
        return f"BearerRefreshAuth({self.login_url!r}, logins={self.logins}, refreshes={self.refreshes})"


def _names(keys: Keys) -> tuple[str, ...]:
    return (keys,) if isinstance(keys, str) else keys


def _first(payload: Mapping[str, Any], keys: Keys) -> Any:
    """The first of ``keys`` present in ``payload`` (None when none is)."""
    for key in _names(keys):
        value = _dig(payload, key)
        if value is not None:
            return value
    return None


def _dig(payload: Mapping[str, Any], key: str) -> Any:
    """``payload[key]``; a dotted key ("data.token") walks into nested objects."""
    value: Any = payload
    for part in key.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _register_sensitive(redactor: Redactor, data: Mapping[str, Any]) -> None:
    """Every string under a sensitive key (a password sent, a nonce or token received)."""
    for key, value in data.items():
        if isinstance(value, str) and redactor.is_sensitive_key(str(key)):
            redactor.add(value)
        elif isinstance(value, Mapping):
            _register_sensitive(redactor, value)


def _vendor_message(redactor: Redactor, payload: Any) -> str:
    """': <the vendor's own words>', redacted and cut short, or '' when it said nothing usable."""
    said: Any = None
    if isinstance(payload, Mapping):
        errors = payload.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else None
        said = payload.get("message") or (first.get("message") if isinstance(first, Mapping) else first)
    if not isinstance(said, str) or not said.strip():
        return ""
    return ": " + redactor.text(said.strip())[:VENDOR_MESSAGE_LIMIT]
