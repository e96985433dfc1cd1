"""Fetch the next page while the current one is stored: network and database overlap."""

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def prefetched(pages: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Iterate `pages` in a background thread, at most `depth` pages ahead.

    Memory stays bounded (the page being stored, `depth` waiting, one being fetched). An error in
    the producer is raised here, in the consumer; if the consumer stops early the producer stops
    before its next page. The producer must not touch the database (it only does HTTP).
    """
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        ready.put(page, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            ready.put(exc)

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
        thread.join(timeout=30)
