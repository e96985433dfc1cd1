"""Typed errors: the status mapping, Retry-After parsing and each class's diagnosis code."""

from __future__ import annotations

import pytest
from werkzeug.http import http_date

from integrations.http import (
    AuthFailed,
    BadResponse,
    BlockedTarget,
    ConnectionDropped,
    ConnectionRefused,
    DnsFailure,
    Forbidden,
    HttpError,
    HttpResponse,
    RateLimited,
    Timeout,
    TlsFailure,
    VendorError,
    error_for_status,
    parse_retry_after,
)


def response(status: int, headers: dict[str, str] | None = None, body: bytes = b"{}") -> HttpResponse:
    return HttpResponse(
        status_code=status,
        headers=headers or {},
        body=body,
        elapsed_ms=1.0,
        url="https://acme.asp.virtual-call-center.eu/v2/projects?token=abc",
        attempts=1,
    )


@pytest.mark.parametrize(
    ("cls", "code", "permanent"),
    [
        (AuthFailed, "bad_credentials", True),
        (Forbidden, "ip_not_allowed", True),
        (RateLimited, "rate_limited", False),
        (Timeout, "timeout", False),
        (DnsFailure, "dns_failure", False),
        (TlsFailure, "tls_failure", True),
        (ConnectionRefused, "connection_refused", False),
        (ConnectionDropped, "vendor_error", False),
        (VendorError, "vendor_error", False),
        (BadResponse, "unexpected_response", True),
        (BlockedTarget, "blocked_target", True),
    ],
)
def test_each_error_carries_its_diagnosis_code_and_permanence(
    cls: type[HttpError], code: str, permanent: bool
):
    error = cls("it failed", status_code=418, retry_after=2.0)

    assert isinstance(error, HttpError)
    assert (error.code, error.permanent) == (code, permanent)
    assert (str(error), error.status_code, error.retry_after) == ("it failed", 418, 2.0)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, None),
        (204, None),
        (304, None),
        (401, AuthFailed),
        (403, Forbidden),
        (429, RateLimited),
        (500, VendorError),
        (503, VendorError),
        (400, BadResponse),
        (404, BadResponse),
    ],
)
def test_error_for_status_maps_each_status(status: int, expected: type[HttpError] | None):
    error = error_for_status(response(status))

    if expected is None:
        assert error is None
    else:
        assert type(error) is expected
        assert error is not None
        assert str(error) == f"HTTP {status} from acme.asp.virtual-call-center.eu"  # no body, no query
        assert error.status_code == status


def test_rate_limited_carries_retry_after_in_seconds_or_as_a_date():
    seconds = error_for_status(response(429, {"Retry-After": "7"}))
    assert seconds is not None
    assert seconds.retry_after == 7.0
    dated = error_for_status(response(429, {"retry-after": http_date(1_000_000_000)}))
    assert dated is not None
    assert dated.retry_after == 0.0  # a date in the past: retry now


def test_parse_retry_after_accepts_seconds_and_http_dates_and_ignores_junk():
    now = 1_700_000_000.0

    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(http_date(now + 30), now=now) == pytest.approx(30.0)
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("nan") is None


def test_response_text_uses_the_declared_charset():
    latin = response(200, {"Content-Type": "text/plain; charset=latin-1"}, "café".encode("latin-1"))

    assert latin.text() == "café"
    assert response(200, {"Content-Type": "text/plain; charset=bogus"}, b"ok").text() == "ok"


def test_empty_body_is_not_json():
    with pytest.raises(BadResponse, match="an empty body"):
        response(200, body=b"").json()
