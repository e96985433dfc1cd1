"""Fetch the next page while the current one is stored: network and database overlap.

Nothing here blocks without a bound: the producer hands over a page or stops within 0.1 s of being
told to, and the consumer's wait for the next page is bounded by what producing it costs (an HTTP
request, bounded by its deadline). Closing the iterator (or leaving a `with closing(...)` block, or
an error in the consumer) stops the producer thread and closes its source before returning.
"""

import logging
import queue
import sys
import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
_DONE = object()
log = logging.getLogger(__name__)

# How long closing waits for a producer busy producing one more page before it gives up on it.
JOIN_SECONDS = 300.0
# How long a thread may hold the GIL while another waits for it, during a pipeline (Python's
# default is 5 ms). See `quick_hand_overs`.
SWITCH_SECONDS = 0.0002

_switch_lock = threading.Lock()
_switch_users = 0
_switch_before = 0.0


def prefetched(pages: Iterator[T], depth: int = 1) -> Generator[T, None, None]:
    """Iterate `pages` in a background thread, at most `depth` pages ahead.

    Memory stays bounded (the page being stored, `depth` waiting, one being produced). An error in
    the producer is raised here, in the consumer. The producer must not touch the database.
    """
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in pages:
                if not offer(page):
                    return
            offer(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            offer(exc)
        finally:
            # A source that is itself a pipeline stage stops its own thread when closed.
            close = getattr(pages, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="pull-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        _drain(ready)  # a producer waiting to hand over a page sees `stop` at once
        thread.join(timeout=JOIN_SECONDS)
        if thread.is_alive():
            log.error("a prefetch thread did not stop within %.0f s", JOIN_SECONDS)


def _drain(ready: "queue.Queue[object]") -> None:
    while True:
        try:
            ready.get_nowait()
        except queue.Empty:
            return


@contextmanager
def quick_hand_overs() -> Iterator[None]:
    """Let a waiting thread take the GIL after SWITCH_SECONDS instead of Python's 5 ms, meanwhile.

    The fetching thread reads an answer 64 KB at a time and wants the GIL back after each read,
    while the mapping thread holds it for whole switch intervals: at 5 ms, reading one page of
    5,000 rows waited on the mapping of the one before, the next request left late and the vendor
    sat idle (docs/performance.md: 0.05 to 0.13 more of the bare loop's speed in the same run). The
    interval is the process's own: it is set while any pipeline runs and put back after the last.
    A forced hand-over happens only when a thread is waiting, so single-threaded work pays nothing.
    """
    global _switch_users, _switch_before
    with _switch_lock:
        if _switch_users == 0:
            _switch_before = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_SECONDS, _switch_before))
        _switch_users += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_before)
