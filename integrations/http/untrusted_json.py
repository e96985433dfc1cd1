"""JSON from outside (a vendor's answer, a parameter typed on the test page), with a depth limit.

Nesting is what hurts, not size: the standard library's parser recurses once per level and a
body of `[` x 100,000 raises RecursionError, and a 1,000-deep document that does parse still
breaks every recursive walk after it (redaction, registering the secrets of a login answer).
Nothing a vendor or a person sends us legitimately nests deeper than a few levels, so everything
from outside is parsed here and refused past MAX_DEPTH with words a person can act on.
"""

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
    """Raise `TooDeep` when objects and arrays nest deeper than `max_depth` (walked without
    recursion, so the check itself cannot overflow)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > max_depth:
            raise TooDeep(max_depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
