"""Generated records of any size, computed lazily by index.

A ``RecordSet`` holds no records.  Record ``seq`` (its insertion number, from 0) is built on
demand by the vendor's builder from ``Item(seq, ts, ...)``; its content is a pure function of the
seed and ``seq``.  "Regular" records sit on an arithmetic time grid (``start + r * spacing``), so
200,000 records cost no memory and any page is O(page size).  Mutations are small side tables:

- ``append(n)``: new regular records after the newest one;
- ``update(seq, **fields)``: field overrides plus a modified time newer than anything so far;
- ``insert_late(ts)``: a new record (highest seq) whose timestamp is older than the newest.

Two orders are served: ``"id"`` (by seq: every seq in ``range(len(rs))`` exists, so position ==
seq) and ``"time"`` (by ``(ts, seq)``, late records merged in where their timestamp puts them).
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Generic, Literal, TypeVar, cast

from .clock import SimClock

R = TypeVar("R")
Order = Literal["time", "id"]
_EMPTY: Mapping[str, Any] = MappingProxyType({})
_CACHE_SIZE = 16


@dataclass(frozen=True)
class Item:
    """What a builder needs to make one record."""

    seq: int
    ts: datetime
    modified: datetime
    overrides: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    late: bool = False


def with_overrides(row: R, item: Item) -> R:
    """``row`` with the fields an ``update()`` or ``insert_late()`` set on this record."""
    if not item.overrides:
        return row
    merged: dict[str, Any] = {**cast(Mapping[str, Any], row), **item.overrides}
    return cast(R, merged)


@dataclass(frozen=True)
class _Batch:
    first_r: int
    first_seq: int
    count: int


class Selection(Sequence[int]):
    """The seqs of a query, in order; positions are computed, never materialised for a range."""

    def __init__(self, rs: RecordSet[Any], order: Order, positions: range | Sequence[int]) -> None:
        self._rs = rs
        self._order: Order = order
        self._positions = positions

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._rs.seq_at(self._order, p) for p in self._positions[index]]
        return self._rs.seq_at(self._order, self._positions[index])

    def __iter__(self) -> Iterator[int]:
        for p in self._positions:
            yield self._rs.seq_at(self._order, p)

    def page(self, offset: int, limit: int, *, descending: bool = False) -> list[int]:
        """Seqs ``offset .. offset+limit`` of this selection (from the end when descending)."""
        total = len(self._positions)
        if descending:
            hi = max(total - offset, 0)
            lo = max(hi - limit, 0)
            return list(reversed(self[lo:hi]))
        return list(self[offset : offset + limit])

    def index_from_position(self, position: int) -> int:
        """How many entries of this selection sit before order position ``position``."""
        return bisect.bisect_left(self._positions, position)


class RecordSet(Generic[R]):
    """Lazily generated, mutable-by-exception records; see the module docstring."""

    def __init__(
        self,
        builder: Callable[[Item], R],
        *,
        size: int,
        start: datetime,
        spacing_seconds: float,
        clock: SimClock,
    ) -> None:
        self._builder = builder
        self._initial = size
        self._regular = size
        self._start = start
        self._spacing = timedelta(seconds=spacing_seconds)
        self._clock = clock
        self._batches: list[_Batch] = []
        self._batch_rs: list[int] = []
        self._batch_seqs: list[int] = []
        self._late_keys: list[tuple[datetime, int]] = []  # sorted (ts, seq)
        self._late_ts: dict[int, datetime] = {}
        self._late_pos: list[int] = []  # time-order position of each entry of _late_keys
        self._next_seq = size
        self._overrides: dict[int, dict[str, Any]] = {}
        self._modified: dict[int, datetime] = {}
        self._high_water: datetime | None = None
        self._version = 0
        self._lock = threading.RLock()
        self._cache: OrderedDict[Hashable, list[int]] = OrderedDict()

    # ---- reading -------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._next_seq

    @property
    def version(self) -> int:
        """Bumped by every mutation."""
        return self._version

    def has(self, seq: int) -> bool:
        return 0 <= seq < self._next_seq

    def item(self, seq: int) -> Item:
        with self._lock:
            if not self.has(seq):
                raise KeyError(seq)
            late_ts = self._late_ts.get(seq)
            ts = late_ts if late_ts is not None else self._regular_ts(self._regular_index(seq))
            return Item(
                seq=seq,
                ts=ts,
                modified=self._modified.get(seq, ts),
                overrides=self._overrides.get(seq, _EMPTY),
                late=late_ts is not None,
            )

    def record(self, seq: int) -> R:
        return self._builder(self.item(seq))

    def records(self, seqs: Sequence[int]) -> list[R]:
        return [self.record(seq) for seq in seqs]

    def seq_at(self, order: Order, position: int) -> int:
        """The seq at ``position`` of the given order."""
        if order == "id":
            return position
        with self._lock:
            k = bisect.bisect_left(self._late_pos, position)
            if k < len(self._late_pos) and self._late_pos[k] == position:
                return self._late_keys[k][1]
            return self._regular_seq(position - k)

    def ts_at(self, position: int) -> datetime:
        return self.item(self.seq_at("time", position)).ts

    def newest(self) -> datetime | None:
        return self.ts_at(len(self) - 1) if len(self) else None

    def time_position(self, ts: datetime, *, after: bool = False) -> int:
        """First time-order position whose timestamp is >= ``ts`` (> ``ts`` when ``after``)."""
        with self._lock:
            lo, hi = 0, len(self)
            while lo < hi:
                mid = (lo + hi) // 2
                value = self.ts_at(mid)
                if value < ts or (after and value == ts):
                    lo = mid + 1
                else:
                    hi = mid
            return lo

    def position_after(self, ts: datetime, seq: int) -> int:
        """First time-order position whose ``(ts, seq)`` comes after the given key (cursors)."""
        with self._lock:
            lo, hi = 0, len(self)
            while lo < hi:
                mid = (lo + hi) // 2
                mid_seq = self.seq_at("time", mid)
                if (self.item(mid_seq).ts, mid_seq) <= (ts, seq):
                    lo = mid + 1
                else:
                    hi = mid
            return lo

    def select(
        self,
        order: Order = "time",
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        until_inclusive: bool = False,
        where: Callable[[Item], bool] | None = None,
        where_key: Hashable | None = None,
    ) -> Selection:
        """Records with ``since <= ts < until`` (or ``<= until``) matching ``where``, in order.

        Without ``where`` a time-ordered selection is two binary searches.  With ``where`` the
        range is scanned once; pass a hashable ``where_key`` describing the predicate to cache
        the matching positions until the next mutation.
        """
        with self._lock:
            if order == "time":
                lo = self.time_position(since) if since is not None else 0
                hi = self.time_position(until, after=until_inclusive) if until is not None else len(self)
                span = range(lo, max(lo, hi))
                if where is None:
                    return Selection(self, order, span)
                return Selection(self, order, self._scan(order, span, where, where_key))
            if since is None and until is None and where is None:
                return Selection(self, order, range(len(self)))

            def in_window(item: Item) -> bool:
                if since is not None and item.ts < since:
                    return False
                if until is not None and (item.ts > until if until_inclusive else item.ts >= until):
                    return False
                return where is None or where(item)

            key = (
                None
                if where is not None and where_key is None
                else (since, until, until_inclusive, where_key)
            )
            return Selection(self, order, self._scan(order, range(len(self)), in_window, key))

    # ---- mutating ------------------------------------------------------------------------
    def append(self, count: int = 1) -> list[int]:
        """Add ``count`` new regular records after the newest one; returns their seqs."""
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._batches.append(_Batch(self._regular, self._next_seq, count))
            self._batch_rs.append(self._regular)
            self._batch_seqs.append(self._next_seq)
            first = self._next_seq
            self._regular += count
            self._next_seq += count
            self._changed()
            return list(range(first, first + count))

    def update(self, seq: int, **fields: Any) -> Item:
        """Override fields of record ``seq`` and give it a modified time newer than any so far."""
        with self._lock:
            if not self.has(seq):
                raise KeyError(seq)
            self._overrides.setdefault(seq, {}).update(fields)
            self._modified[seq] = self._next_modified()
            self._changed()
            return self.item(seq)

    def insert_late(self, ts: datetime | None = None, **fields: Any) -> int:
        """Add a record (a new, highest seq) whose timestamp is older than the newest record."""
        with self._lock:
            newest = self.newest()
            if newest is None:
                raise ValueError("a late record needs at least one record to be late against")
            if ts is None:
                ts = newest - 10 * self._spacing - timedelta(seconds=1)
            if ts >= newest:
                raise ValueError("a late-arriving record must be older than the newest record")
            seq = self._next_seq
            self._next_seq += 1
            self._late_ts[seq] = ts
            bisect.insort(self._late_keys, (ts, seq))
            if fields:
                self._overrides[seq] = dict(fields)
            self._changed()
            return seq

    # ---- internals -----------------------------------------------------------------------
    def _changed(self) -> None:
        self._version += 1
        self._cache.clear()
        self._late_pos = [self._regular_before(ts, seq) + k for k, (ts, seq) in enumerate(self._late_keys)]

    def _next_modified(self) -> datetime:
        floor = max(filter(None, [self.newest(), self._high_water]))
        modified = max(self._clock.now(), floor + timedelta(seconds=1))
        self._high_water = modified
        return modified

    def _regular_ts(self, r: int) -> datetime:
        return self._start + r * self._spacing

    def _regular_seq(self, r: int) -> int:
        if r < self._initial:
            return r
        i = bisect.bisect_right(self._batch_rs, r) - 1
        batch = self._batches[i]
        return batch.first_seq + r - batch.first_r

    def _regular_index(self, seq: int) -> int:
        if seq < self._initial:
            return seq
        i = bisect.bisect_right(self._batch_seqs, seq) - 1
        batch = self._batches[i]
        return batch.first_r + seq - batch.first_seq

    def _regular_before(self, ts: datetime, seq: int) -> int:
        """How many regular records sort before ``(ts, seq)``."""
        lo, hi = 0, self._regular
        while lo < hi:
            mid = (lo + hi) // 2
            if (self._regular_ts(mid), self._regular_seq(mid)) < (ts, seq):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _scan(
        self, order: Order, span: range, where: Callable[[Item], bool], key: Hashable | None
    ) -> list[int]:
        cache_key = (order, span.start, span.stop, key, self._version)
        if key is not None and cache_key in self._cache:
            self._cache.move_to_end(cache_key)
            return self._cache[cache_key]
        found = [p for p in span if where(self.item(self.seq_at(order, p)))]
        if key is not None:
            self._cache[cache_key] = found
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return found
