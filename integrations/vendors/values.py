"""Small readers and writers of vendor values that several connectors share."""

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from integrations.http import BadResponse

NAIVE = "%Y-%m-%d %H:%M:%S"


def as_count(value: Any) -> int | None:
    """A count a vendor may send as a number or a string (VCC Live's totalCount); None if neither."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def naive_text(moment: datetime, tz: tzinfo) -> str:
    """An aware time written the way vendors take naive times: in the account's zone, whole seconds."""
    if moment.tzinfo is None:
        raise ValueError("pull windows are aware datetimes")
    return moment.astimezone(tz).strftime(NAIVE)


def read_time(text: str, tz: tzinfo, vendor: str) -> datetime:
    """A vendor time, aware: a naive one is read in the account's zone (an ambiguous DST hour takes
    its first reading)."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadResponse(f"{vendor}: {text[:40]!r} is not a date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def in_window(when: datetime | None, since: datetime, until: datetime) -> bool:
    # A row with no time cannot be placed in a window: keep it rather than lose it.
    return when is None or since <= when <= until


def rows_in_window(
    rows: list[dict[str, Any]],
    time_of: Callable[[Mapping[str, Any]], datetime | None],
    since: datetime,
    until: datetime,
) -> list[dict[str, Any]]:
    """The rows of a page timed in [since, until], for lists that take no exact window."""
    return [row for row in rows if in_window(time_of(row), since, until)]
