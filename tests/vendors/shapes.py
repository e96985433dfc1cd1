"""Comparing the shape of two JSON documents: the same keys with the same JSON types, recursively.

A simulator copies the vendor's documented answers; a key it adds or loses, or a value whose JSON
type it changes, is a difference. Numbers are one type (JSON does not tell 1 from 1.0). A list's
every element must have the shape of one of the documented elements (a fixture shows the variants:
an answered and an unanswered call); an empty list has nothing to compare.
"""

from typing import Any


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def shape_differences(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Where `actual` differs in shape from `expected`, one line per difference (empty: the same)."""
    want, got = json_type(expected), json_type(actual)
    if want != got:
        return [f"{path}: {got} where the document has {want}"]
    if want == "object":
        differences: list[str] = [f"{path}.{key}: missing" for key in expected if key not in actual]
        differences += [f"{path}.{key}: not in the document" for key in actual if key not in expected]
        for key in expected.keys() & actual.keys():
            differences += shape_differences(expected[key], actual[key], f"{path}.{key}")
        return sorted(differences)
    if want == "array" and expected:
        differences = []
        for index, item in enumerate(actual):
            tries = [shape_differences(variant, item, f"{path}[{index}]") for variant in expected]
            if all(tries):
                # Report against the closest variant, so the message names what changed.
                differences += sorted(tries, key=len)[0]
        return differences
    return []
