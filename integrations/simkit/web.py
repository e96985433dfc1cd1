"""Small HTTP and time helpers shared by the simulators."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from werkzeug.wrappers import Request, Response

JSON = "application/json"
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
NAIVE_FORMAT = "%Y-%m-%d %H:%M:%S"
SECRET_PARAM = re.compile(r"token|key|secret|pass|auth|sig", re.IGNORECASE)


def json_response(
    payload: Any,
    status: int = 200,
    *,
    content_type: str = JSON,
    headers: dict[str, str] | None = None,
) -> Response:
    body = json.dumps(payload, separators=(",", ":"))
    return Response(body, status=status, content_type=content_type, headers=headers)


def json_body(request: Request) -> dict[str, Any] | None:
    """The request's JSON object body, or None when it is missing or not an object."""
    try:
        data = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def naive_local(moment: datetime, tz: tzinfo) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in the account's time zone, no offset (the vendors' habit)."""
    return moment.astimezone(tz).strftime(NAIVE_FORMAT)


def naive_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(NAIVE_FORMAT)


def parse_naive_local(text: str, tz: tzinfo) -> datetime:
    """A naive ``YYYY-MM-DD[ HH:MM:SS]`` in the account's zone, as an aware UTC datetime."""
    parsed = datetime.fromisoformat(text.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def iso_offset(moment: datetime, tz: tzinfo, *, colon: bool = True) -> str:
    """ISO 8601 with the account's offset: ``2020-07-06T13:11:06+10:00`` (or ``+1000``)."""
    local = moment.astimezone(tz)
    if colon:
        return local.isoformat(timespec="seconds")
    return local.strftime("%Y-%m-%dT%H:%M:%S%z")


def int_param(request: Request, name: str, default: int) -> int:
    """A non-negative integer query parameter; ValueError with a readable message otherwise."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer") from exc
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def redacted_query(request: Request) -> str:
    """The query string with the value of anything secret-looking replaced by ``***``."""
    return _redacted(request.args.items(multi=True))


def redacted_form(request: Request) -> str:
    """The form fields, ``name=value&...``, secret-looking values replaced by ``***``."""
    return _redacted(request.form.items(multi=True))


def _redacted(items: Iterable[tuple[str, str]]) -> str:
    return "&".join(f"{key}={'***' if SECRET_PARAM.search(key) else value}" for key, value in items)


def local_period(year: int, month: int, day: int | None, tz: tzinfo) -> tuple[datetime, datetime]:
    """The [start, end) instants of a calendar month (or day) in the account's time zone."""
    if day is None:
        start = datetime(year, month, 1, tzinfo=tz)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    else:
        start = datetime(year, month, day, tzinfo=tz)
        following = start.date() + timedelta(days=1)
        end = datetime(following.year, following.month, following.day, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


_TOKEN_IN_PATH = re.compile(r"(/(?:api)?tokens/)[^/]+", re.IGNORECASE)


def redact_path(path: str) -> str:
    """A path with any token value in it (``/apitokens/<token>``, ``/_sim/tokens/<token>/...``) hidden."""
    return _TOKEN_IN_PATH.sub(r"\1***", path)
