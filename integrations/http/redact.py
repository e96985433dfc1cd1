"""Redaction of secrets from anything stored, logged or shown.

Two mechanisms, both needed: *by name* (a header or JSON key that is sensitive is masked whatever its
value) and *by value* (every secret the client has used is registered, with the encodings it travels
in, and replaced wherever it turns up: in a URL, an error message a vendor echoed, a body).
"""

from __future__ import annotations

import base64
import json as jsonlib
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

from . import untrusted_json

MASK = "••••"
# Shorter values would mask ordinary words and digits everywhere ("1", "abc").
MIN_SECRET_LENGTH = 4

DEFAULT_SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-auth-token",
        "token",
        "cookie",
        "set-cookie",
        "x-pbx-token",
        "x-api-key",
    }
)
DEFAULT_SENSITIVE_KEYS = frozenset(
    {
        "password",
        "op_password",
        "api_key",
        "api_token",
        "token",
        "user_token",
        "access_token",
        "refresh_token",
        "secret",
        "secret_key_1",
        "secret_key_2",
        "webhook_secret",
        "nonce",
    }
)
# Headers whose first word is a scheme worth showing ("Basic", "Bearer").
_SCHEME_HEADERS = frozenset({"authorization", "proxy-authorization"})


class Redactor:
    """Knows the secrets in play and masks them.  Thread-safe: auth may register while others read."""

    def __init__(self, secrets: Iterable[str] = (), *, sensitive_keys: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._ordered: tuple[str, ...] = ()
        # A connector's own `sensitive_fields` extend the defaults (DESIGN.md: one list for all).
        self.sensitive_keys = DEFAULT_SENSITIVE_KEYS | {k.lower() for k in sensitive_keys}
        self.sensitive_headers = DEFAULT_SENSITIVE_HEADERS
        for secret in secrets:
            self.add(secret)

    # ---- registering -----------------------------------------------------------------------
    def add(self, secret: str) -> None:
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            return
        # The forms a value takes on the wire: as is, in a query (%XX or +), in a path segment,
        # and escaped inside a JSON string (a vendor echoing it back in an error body).
        forms = {
            secret,
            quote(secret, safe=""),
            quote_plus(secret, safe=""),
            quote(secret),
            jsonlib.dumps(secret)[1:-1],
        }
        with self._lock:
            self._secrets.update(f for f in forms if len(f) >= MIN_SECRET_LENGTH)
            # Longest first, so a secret containing another is masked whole.
            self._ordered = tuple(sorted(self._secrets, key=len, reverse=True))

    def add_basic(self, username: str, password: str) -> None:
        """A password sent with HTTP Basic also travels as base64("user:password")."""
        self.add(password)
        self.add(base64.b64encode(f"{username}:{password}".encode()).decode("ascii"))

    def is_sensitive_key(self, name: str) -> bool:
        return name.lower() in self.sensitive_keys

    # ---- masking ---------------------------------------------------------------------------
    def text(self, s: str) -> str:
        for secret in self._ordered:
            if secret in s:
                s = s.replace(secret, MASK)
        return s

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]  # user-info never leaves this function
        query = "&".join(self._query_item(item) for item in parts.query.split("&")) if parts.query else ""
        return self.text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))

    def _query_item(self, item: str) -> str:
        name, sep, _value = item.partition("=")
        if sep and self.is_sensitive_key(unquote_plus(name)):
            return f"{name}={MASK}"
        return item

    def headers(self, mapping: Mapping[str, str]) -> dict[str, str]:
        shown: dict[str, str] = {}
        for name, value in mapping.items():
            lowered = name.lower()
            if lowered in _SCHEME_HEADERS and " " in value.strip():
                shown[name] = f"{value.strip().split(' ', 1)[0]} {MASK}"
            elif lowered in self.sensitive_headers:
                shown[name] = MASK
            else:
                shown[name] = self.text(str(value))
        return shown

    def json(self, obj: Any) -> Any:
        if isinstance(obj, Mapping):
            copy: dict[Any, Any] = {}
            for key, value in obj.items():
                shown_key = self.text(key) if isinstance(key, str) else key
                sensitive = isinstance(key, str) and self.is_sensitive_key(key)
                # null or "" under a secret name reveals nothing and tells a reader it was absent.
                copy[shown_key] = MASK if sensitive and value not in (None, "") else self.json(value)
            return copy
        if isinstance(obj, list | tuple):
            return [self.json(item) for item in obj]
        if isinstance(obj, str):
            return self.text(obj)
        return obj

    def body(self, data: bytes, content_type: str | None = None) -> str:
        # content_type is accepted for callers' convenience but not trusted: VCC Live serves
        # JSON as text/plain, so anything that parses as JSON is treated as JSON.
        decoded = data.decode("utf-8", errors="replace")
        try:
            parsed = untrusted_json.loads(decoded)
        except ValueError:  # not JSON, or nested too deep to walk: masked as text
            return self.text(decoded)
        return jsonlib.dumps(self.json(parsed), indent=2, ensure_ascii=False)
