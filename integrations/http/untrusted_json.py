"""JSON from outside (a vendor's answer, a parameter typed on the test page), with a depth limit.

Nesting is what hurts, not size: the standard library's parser recurses once per level and a
body of `[` x 100,000 raises RecursionError, and a 1,000-deep document that does parse still
breaks every recursive walk after it (redaction, registering the secrets of a login answer).
Nothing a vendor or a person sends us legitimately nests deeper than a few levels, so everything
from outside is parsed here and refused past MAX_DEPTH with words a person can act on.
"""

from collections.abc import Iterator
from itertools import chain
from typing import Any

import orjson

MAX_DEPTH = 64

JSONDecodeError = orjson.JSONDecodeError
"""Malformed JSON (a `json.JSONDecodeError`, a `ValueError`): `msg`, `pos`, `lineno`, `colno`."""


class TooDeep(ValueError):
    """The document nests deeper than the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"nests deeper than {limit} levels")
        self.limit = limit


def loads(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """The parsed document; raises `TooDeep`, or `JSONDecodeError` for malformed text."""
    try:
        # orjson parses iteratively up to its own limit (1,024 levels) and is fast on large pages.
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in exc.msg:
            raise TooDeep(max_depth) from None
        raise
    check_depth(value, max_depth)
    return value


def check_depth(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise `TooDeep` when objects and arrays nest deeper than `max_depth`.

    Walked a level at a time, without recursion (the check itself cannot overflow). A pull's page
    is thousands of flat rows: the types of a level's values are gathered by C-level iteration
    (`map`, `set`), so a level with no container in it ends the walk at a fraction of the cost of
    visiting each value in Python (docs/performance.md).
    """
    level = [value] if type(value) in _CONTAINERS else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            raise TooDeep(max_depth)
        if not _CONTAINERS.intersection(map(type, _children(level))):
            return
        level = [child for child in _children(level) if type(child) in _CONTAINERS]


# Exactly what orjson builds: a parsed document holds no subclasses of them.
_CONTAINERS = frozenset({dict, list})


def _children(level: list[Any]) -> Iterator[Any]:
    return chain.from_iterable(item.values() if type(item) is dict else item for item in level)
