"""The one outbound HTTP client (DESIGN.md, "One outbound HTTP client").

Vendor code imports from here and never imports ``requests``.  This package imports nothing of
Django and nothing else of the project, so connectors and their tests need no database.
"""

from .auth import Auth, BasicAuth, BearerAuth, BearerRefreshAuth, HeaderAuth, LoginSessionAuth, SecretSource
from .client import HttpClient, HttpRequest, HttpResponse
from .errors import (
    AuthFailed,
    BadResponse,
    BlockedTarget,
    ConnectionDropped,
    ConnectionRefused,
    DnsFailure,
    Forbidden,
    HttpError,
    RateLimited,
    Timeout,
    TlsFailure,
    VendorError,
    error_for_status,
    parse_retry_after,
)
from .netguard import TargetPolicy, blocked_reason, check_url, host_allowed
from .redact import DEFAULT_SENSITIVE_HEADERS, DEFAULT_SENSITIVE_KEYS, MASK, Redactor

__all__ = [
    "DEFAULT_SENSITIVE_HEADERS",
    "DEFAULT_SENSITIVE_KEYS",
    "MASK",
    "Auth",
    "AuthFailed",
    "BadResponse",
    "BasicAuth",
    "BearerAuth",
    "BearerRefreshAuth",
    "BlockedTarget",
    "ConnectionDropped",
    "ConnectionRefused",
    "DnsFailure",
    "Forbidden",
    "HeaderAuth",
    "HttpClient",
    "HttpError",
    "HttpRequest",
    "HttpResponse",
    "LoginSessionAuth",
    "RateLimited",
    "Redactor",
    "SecretSource",
    "TargetPolicy",
    "Timeout",
    "TlsFailure",
    "VendorError",
    "blocked_reason",
    "check_url",
    "error_for_status",
    "host_allowed",
    "parse_retry_after",
]
