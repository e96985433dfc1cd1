"""Every documented example is kept with its source, and has exactly one test of its own."""

import ast
import re
from pathlib import Path

import pytest

from tests.vendors.fixtures import load, names

VENDORS = ("vcclive", "voipstudio", "collect", "ipscape", "voipcloud")
# What the vendors' docs, or the public clients quoted about them, show: one fixture each.
REQUIRED = {
    "vcclive": {"projects", "cdrs", "error"},
    "voipstudio": {"login", "apitokens", "cdrs", "error"},
    "collect": {"login", "read"},
    "ipscape": {"activities"},
    "voipcloud": {"user_calls", "queue_calls", "error"},
}
NAMED_CLIENT = re.compile(r"https://\S+|client")
HERE = Path(__file__).parent


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_vendor_keeps_its_documented_examples(vendor: str) -> None:
    assert REQUIRED[vendor] <= set(names(vendor))


@pytest.mark.parametrize(("vendor", "name"), [(v, n) for v in VENDORS for n in names(v)])
def test_a_fixture_names_its_source_and_the_request_it_answers(vendor: str, name: str) -> None:
    fixture = load(vendor, name)
    assert NAMED_CLIENT.search(fixture.source), "name the page (a URL) or the public client it came from"
    assert fixture.method in {"GET", "POST"} and fixture.path.startswith("/")
    assert 200 <= fixture.status < 600 and isinstance(fixture.body, dict)


@pytest.mark.parametrize("vendor", VENDORS)
def test_each_fixture_has_exactly_one_test_of_its_own(vendor: str) -> None:
    tree = ast.parse((HERE / f"test_{vendor}_fixtures.py").read_text())
    tests = [
        node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]
    for name in names(vendor):
        own = [test for test in tests if test.startswith(f"test_{name}_")]
        assert len(own) == 1, (name, own)
    assert len(tests) == len(names(vendor)), "a test that names no fixture belongs elsewhere"
