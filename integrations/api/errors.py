"""One error envelope for every error the API answers: `{"error": {"code", "message"[, "fields"]}}`."""

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

log = logging.getLogger(__name__)

# Codes by status, where the exception names no better one.
DEFAULT_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
    429: "rate_limited",
}
GENERIC_CODES = frozenset({"error", "invalid", "not_found", "permission_denied", "authentication_failed"})


def envelope(code: str, message: str, fields: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = drf_exception_handler(exc, context)
    if response is None:
        if isinstance(exc, DatabaseError):
            log.error("API: the database failed (%s)", type(exc).__name__)
            return Response(
                envelope("unavailable", "The portal's database is unavailable; try again later."),
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "30"},
            )
        log.exception("API: an unexpected error in %s", type(context.get("view")).__name__)
        return Response(
            envelope("server_error", "The portal failed to answer; the error is logged."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    response.data = _body(exc, response.status_code)
    return response


def _body(exc: Exception, status_code: int) -> dict[str, Any]:
    default = DEFAULT_CODES.get(status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        return envelope("invalid", "The request is not valid: see fields.", _fields(exc.detail))
    if isinstance(exc, Http404):
        return envelope("not_found", "Not found.")
    if isinstance(exc, exceptions.Throttled):
        seconds = getattr(exc, "wait", None)
        wait = f" Try again in {int(seconds)} seconds." if seconds is not None else ""
        return envelope("rate_limited", f"Too many requests for this token.{wait}")
    if isinstance(exc, exceptions.APIException):
        code = getattr(exc.detail, "code", None)
        # A specific code (token_expired, scope_missing, parse_error) stays; generic ones become ours.
        if not isinstance(code, str) or code in GENERIC_CODES:
            code = default
        return envelope(code, str(exc.detail))
    return envelope(default, "The request failed.")


def _fields(detail: Any) -> dict[str, Any]:
    """Messages by field name; errors of the whole request under `non_field_errors`."""
    if isinstance(detail, dict):
        return {str(name): _messages(value) for name, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(name): _messages(value) for name, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [str(item) for item in detail]
        return [_messages(item) for item in detail]
    return [str(detail)]
