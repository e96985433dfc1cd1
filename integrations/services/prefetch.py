"""Fetch the next page while the current one is stored: network and database overlap.

Nothing here blocks without a bound: the producer hands over a page or stops within 0.1 s of being
told to, and the consumer's wait for the next page is bounded by what producing it costs (an HTTP
request, bounded by its deadline). Closing the iterator (or leaving a `with closing(...)` block, or
an error in the consumer) stops the producer thread and closes its source before returning.
"""

import logging
import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()
log = logging.getLogger(__name__)

# How long closing waits for a producer busy producing one more page before it gives up on it.
JOIN_SECONDS = 300.0


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
