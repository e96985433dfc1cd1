"""Typed errors of the outbound HTTP client, each with a diagnosis code and a `permanent` flag.

`code` is one of the shared diagnosis codes of DESIGN.md; `permanent` tells a scheduler whether
trying again later can help.  Messages are shown to support staff and stored on runs, so callers
build them from redacted text only: never a body, a header value or a query string.
"""

from __future__ import annotations

import math
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .client import HttpResponse


class HttpError(Exception):
    """Base of every error the client raises."""

    code: ClassVar[str] = "unexpected_response"
    permanent: ClassVar[bool] = True

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        response: HttpResponse | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code if status_code is not None else _status_of(response)
        self.response = response
        self.retry_after = retry_after

    def __repr__(self) -> str:
        # Only the (redacted) message: the response object, with its headers, stays out of reprs.
        return f"{type(self).__name__}({self.message!r}, status_code={self.status_code!r})"


class AuthFailed(HttpError):
    code = "bad_credentials"
    permanent = True


class Forbidden(HttpError):
    code = "ip_not_allowed"
    permanent = True


class RateLimited(HttpError):
    code = "rate_limited"
    permanent = False


class Timeout(HttpError):
    code = "timeout"
    permanent = False


class DnsFailure(HttpError):
    code = "dns_failure"
    permanent = False


class TlsFailure(HttpError):
    code = "tls_failure"
    permanent = True


class ConnectionRefused(HttpError):
    code = "connection_refused"
    permanent = False


class ConnectionDropped(HttpError):
    """The server closed the connection without an answer (reset, EOF, incomplete body)."""

    code = "vendor_error"
    permanent = False


class VendorError(HttpError):
    """A 5xx answer."""

    code = "vendor_error"
    permanent = False


class BadResponse(HttpError):
    """Malformed JSON, HTML where JSON was expected, a body over the size cap, an unexpected 4xx."""

    code = "unexpected_response"
    permanent = True


class BlockedTarget(HttpError):
    """Netguard refused the target before (or while) connecting."""

    code = "blocked_target"
    permanent = True


def _status_of(response: HttpResponse | None) -> int | None:
    return response.status_code if response is not None else None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if unusable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:  # "-0000" dates parse naive; RFC 9110 dates are GMT
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def error_for_status(response: HttpResponse) -> HttpError | None:
    """The typed error an HTTP status stands for, or None for 1xx/2xx/3xx."""
    status = response.status_code
    if status < 400:
        return None
    host = urlsplit(response.url).hostname or "the vendor"
    message = f"HTTP {status} from {host}"
    if status == 401:
        return AuthFailed(message, response=response)
    if status == 403:
        return Forbidden(message, response=response)
    if status == 429:
        wait = parse_retry_after(response.header("Retry-After"))
        return RateLimited(message, response=response, retry_after=wait)
    if status >= 500:
        wait = parse_retry_after(response.header("Retry-After")) if status == 503 else None
        return VendorError(message, response=response, retry_after=wait)
    return BadResponse(message, response=response)
