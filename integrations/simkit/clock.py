"""A clock the tests can move forward, so token expiry and rate windows need no sleeping."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class SimClock:
    """Wall-clock time plus an offset that only ever grows (``advance``)."""

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._offset = float(offset_seconds)
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    def time(self) -> float:
        """Seconds since the epoch, as the simulator sees it."""
        return time.time() + self._offset

    def now(self) -> datetime:
        """The simulator's current time, an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), UTC)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` (never backwards) and return the new time."""
        if seconds < 0:
            raise ValueError("the simulator clock only moves forward")
        with self._lock:
            self._offset += float(seconds)
        return self.now()
