"""Pullable resources: what a connector can pull, how it pages, and how a row is read.

A connector walks a resource page by page (`Connector.fetch_pages`) and says, for each row, its
vendor id, its time (the watermark field) and, for call-like resources, the normalised call. The
pull service stores pages and keeps watermarks; connectors know nothing of the database.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

CALLS = "calls"
RAW = "raw"

DIRECTIONS = ("inbound", "outbound", "internal", "unknown")


@dataclass(frozen=True)
class Resource:
    key: str
    label: str
    kind: str = CALLS
    """CALLS rows become CallRecords; RAW rows are kept as JSON keyed by vendor id."""
    page_size: int = 100
    overlap: timedelta = timedelta(minutes=15)
    """How far before the watermark each incremental pull starts again, so late rows are caught."""
    initial_window: timedelta = timedelta(days=7)
    """How far back a first pull (no watermark, no --since) reaches."""
    description: str = ""


class IncompleteWalk(Exception):
    """A walk reached its end holding fewer rows than the vendor said it has.

    Raised by `fetch_pages` after yielding every page it did fetch: what was fetched is stored,
    but the pull ends *incomplete* (not succeeded) and its watermark does not move, so the next
    pull walks the same window again. The message says both numbers in words a person can use.
    """

    def __init__(self, fetched: int, expected: int, where: str = "") -> None:
        self.fetched, self.expected, self.where = fetched, expected, where
        place = f" ({where})" if where else ""
        super().__init__(f"the vendor said it holds {expected} rows{place} but the walk received {fetched}")


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int | None = None
    """The vendor's total for the whole walk, when it says (for the progress bar)."""


@dataclass  # not frozen: a pull builds one per row, and frozen __init__ costs several times more
class Call:
    """A call, normalised across vendors (what the CallRecord table stores beside the raw row)."""

    vendor_call_id: str
    started_at: datetime
    """Aware: the vendor's naive times are read in the integration's time zone."""
    direction: str = "unknown"
    caller: str = ""
    callee: str = ""
    agent: str = ""
    queue: str = ""
    duration_seconds: int = 0
    disposition: str = ""
    answered: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)
