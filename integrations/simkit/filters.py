"""A small filter engine: ``[{"property", "operator", "value"}, ...]`` entries, ANDed together.

Operators: eq, ne, gt, gte, lt, lte, like, notlike (SQL LIKE: ``%`` any run, ``_`` one
character, case-insensitive) and in (value is a list).  A simulator decides which operators and
properties it accepts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "like", "notlike", "in")


class FilterError(ValueError):
    """A filter the simulator refuses; the message names the problem."""


@dataclass(frozen=True)
class Condition:
    property: str
    operator: str
    value: Any  # lists are stored as tuples so that a Condition is hashable (a cache key)

    def test(self, actual: Any) -> bool:
        return _TESTS[self.operator](actual, self.value)


def parse_filter(
    raw: str | None, properties: Collection[str], operators: Collection[str] = OPERATORS
) -> tuple[Condition, ...]:
    """Parse the JSON filter parameter; FilterError for bad JSON, property or operator."""
    if raw is None or raw.strip() == "":
        return ()
    try:
        entries = json.loads(raw)
    except ValueError as exc:
        raise FilterError("filter: not valid JSON") from exc
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        raise FilterError("filter: must be a JSON array of conditions")
    out = []
    for entry in entries:
        if not isinstance(entry, dict) or not {"property", "operator"} <= entry.keys():
            raise FilterError("filter: each condition needs property, operator and value")
        prop, op, value = entry["property"], str(entry["operator"]).lower(), entry.get("value")
        if prop not in properties:
            raise FilterError(f"filter: unknown property {prop}")
        if op not in operators:
            raise FilterError(f"filter: operator {op} is not supported")
        if op == "in":
            if not isinstance(value, list):
                raise FilterError("filter: operator in needs a list value")
            value = tuple(value)
        elif isinstance(value, list | dict):
            raise FilterError(f"filter: operator {op} needs a single value")
        out.append(Condition(prop, op, value))
    return tuple(out)


def partial_likes(conditions: tuple[Condition, ...]) -> tuple[Condition, ...]:
    """``like``/``notlike`` without a ``%`` read as a partial match: "4478" as "%4478%"."""
    return tuple(
        Condition(c.property, c.operator, f"%{c.value}%")
        if c.operator in ("like", "notlike") and "%" not in str(c.value)
        else c
        for c in conditions
    )


def row_matches(row: Mapping[str, Any], conditions: Collection[Condition]) -> bool:
    return all(c.test(row.get(c.property)) for c in conditions)


@lru_cache(maxsize=256)
def like_pattern(pattern: str) -> re.Pattern[str]:
    parts = ("." if ch == "_" else ".*" if ch == "%" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _same_type(actual: Any, expected: Any) -> tuple[Any, Any]:
    """Compare numbers as numbers and everything else as text."""
    if isinstance(actual, bool) or actual is None:
        return actual, expected
    if isinstance(actual, int | float):
        try:
            return float(actual), float(expected)
        except (TypeError, ValueError):
            return str(actual), str(expected)
    return str(actual), "" if expected is None else str(expected)


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def test(actual: Any, expected: Any) -> bool:
        if actual is None or expected is None:
            return False
        a, e = _same_type(actual, expected)
        try:
            return compare(a, e)
        except TypeError:
            return False

    return test


def _eq(actual: Any, expected: Any) -> bool:
    a, e = _same_type(actual, expected)
    return bool(a == e)


def _like(actual: Any, expected: Any) -> bool:
    return actual is not None and like_pattern(str(expected)).fullmatch(str(actual)) is not None


_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _eq,
    "ne": lambda a, e: not _eq(a, e),
    "gt": _ordered(lambda a, e: a > e),
    "gte": _ordered(lambda a, e: a >= e),
    "lt": _ordered(lambda a, e: a < e),
    "lte": _ordered(lambda a, e: a <= e),
    "like": _like,
    "notlike": lambda a, e: not _like(a, e),
    "in": lambda a, e: any(_eq(a, v) for v in e),
}
