"""The page pipeline: order kept, errors surface in the consumer, an early stop stops the producer."""

import threading
import time
from collections.abc import Iterator

import pytest

from integrations.services.prefetch import prefetched


def numbers(count: int, closed: threading.Event | None = None, fail_at: int | None = None) -> Iterator[int]:
    try:
        for n in range(count):
            if n == fail_at:
                raise ValueError(f"page {n} broke")
            yield n
    finally:
        if closed is not None:
            closed.set()


def test_pages_arrive_in_order_through_two_stages() -> None:
    assert list(prefetched(n * 2 for n in prefetched(numbers(50)))) == [n * 2 for n in range(50)]


def test_an_error_in_the_producer_is_raised_in_the_consumer() -> None:
    seen = []
    with pytest.raises(ValueError, match="page 3 broke"):
        for n in prefetched(numbers(10, fail_at=3)):
            seen.append(n)
    assert seen == [0, 1, 2]


def test_stopping_early_stops_the_producer_and_closes_its_source() -> None:
    closed = threading.Event()
    before = threading.active_count()
    for n in prefetched(numbers(1_000_000, closed)):
        if n == 5:
            break
    deadline = time.monotonic() + 5
    while not closed.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert closed.is_set()
    assert threading.active_count() <= before
