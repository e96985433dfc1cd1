"""Pullable resources: what a connector can pull, how it pages, and how a row is read.

A connector walks a resource page by page (`Connector.fetch_pages`) and says, for each row, its
vendor id, its time (the watermark field) and, for call-like resources, the normalised call. The
pull service stores pages and keeps watermarks; connectors know nothing of the database.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

CALLS = "calls"
RAW = "raw"

DIRECTIONS = ("inbound", "outbound", "internal", "unknown")
# How a call ended, in one vocabulary for every vendor (each keeps its own word in `disposition`):
# what VoIPstudio's dispositions, VCC Live's disconnect causes, ipSCAPE's activity and dial
# statuses and VoIPcloud's call types and queue statuses need, and no more.
OUTCOMES = {
    "answered": "Answered",
    "missed": "Missed (nobody answered, or the caller gave up)",
    "busy": "Busy",
    "failed": "Failed (could not be connected)",
    "voicemail": "Voicemail or answering machine",
    "unknown": "Unknown (the vendor did not say)",
}


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
    max_pages: int = 10_000
    """The most pages one walk (one listing) may take: a vendor that never says "the end" stops
    there with `WalkTooLong` instead of keeping a pull running for ever."""
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


class WalkTooLong(Exception):
    """A walk reached its bound on pages while the vendor still had more to give.

    Raised after the pages fetched were yielded; the pull fails and its watermark does not move.
    """

    def __init__(self, bound: int, where: str) -> None:
        self.bound, self.where = bound, where
        super().__init__(
            f"{where}: the walk stopped at its bound of {bound} pages before the vendor's list ended; "
            "pull a shorter window (--since) or look for a vendor answer that never ends"
        )


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
    """The vendor's own word for how the call ended ("NO ANSWER", "user_inbound_missed", ...)."""
    outcome: str = "unknown"
    """The same, in the shared vocabulary (a key of OUTCOMES)."""

    @property
    def answered(self) -> bool | None:
        """Derived from `outcome`, so the two can never disagree (None: the vendor did not say)."""
        return None if self.outcome == "unknown" else self.outcome == "answered"
