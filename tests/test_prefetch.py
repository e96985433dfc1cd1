"""The page pipeline: order kept, errors surface in the consumer, every stop stops every thread."""

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing

import pytest

from integrations.services import prefetch
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


def prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "pull-prefetch" and t.is_alive()]


@pytest.fixture
def short_join(monkeypatch: pytest.MonkeyPatch) -> None:
    # A producer that cannot stop would hold the test JOIN_SECONDS and then be found alive.
    monkeypatch.setattr(prefetch, "JOIN_SECONDS", 5.0)


def test_a_failure_while_storing_stops_every_stage_and_closes_the_source(short_join: None) -> None:
    closed = threading.Event()
    with (
        pytest.raises(RuntimeError, match="storing page 8 failed"),
        closing(prefetched(numbers(10, closed))) as fetched,
        closing(prefetched(n * 2 for n in fetched)) as mapped,
    ):
        for n in mapped:
            if n == 16:  # near the end: the producers have finished and wait to hand over
                raise RuntimeError("storing page 8 failed")
    assert closed.is_set()
    assert prefetch_threads() == []


def test_a_producer_waiting_on_a_full_queue_is_released_by_the_consumer_failing(short_join: None) -> None:
    with pytest.raises(RuntimeError), closing(prefetched(numbers(1_000), depth=1)) as pages:
        for n in pages:
            time.sleep(0.05)  # the producer fills the queue and waits on it
            raise RuntimeError(f"page {n} could not be stored")
    assert prefetch_threads() == []


def test_an_error_at_the_last_page_reaches_the_consumer_and_leaves_no_thread(short_join: None) -> None:
    with (
        pytest.raises(ValueError, match="page 9 broke"),
        closing(prefetched(numbers(10, fail_at=9))) as pages,
    ):
        assert list(pages) == []  # never reached
    assert prefetch_threads() == []


def test_quick_hand_overs_last_while_any_pipeline_runs_and_are_put_back_after() -> None:
    before = sys.getswitchinterval()
    with prefetch.quick_hand_overs():
        assert sys.getswitchinterval() == pytest.approx(prefetch.SWITCH_SECONDS)
        with pytest.raises(ValueError), prefetch.quick_hand_overs():
            raise ValueError("a second pipeline fails")
        assert sys.getswitchinterval() == pytest.approx(prefetch.SWITCH_SECONDS)  # the first one still runs
    assert sys.getswitchinterval() == before
