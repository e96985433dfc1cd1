"""A report run as CSV: raw seconds and ids for spreadsheets, with no cell a spreadsheet would run.

Agent, queue and integration names come from vendors and people. A cell starting with `=`, `+`,
`-`, `@`, a tab or a carriage return is read as a formula by Excel, LibreOffice and Google Sheets
(`=HYPERLINK(...)` leaks data on a click), so, as OWASP's "CSV Injection" page advises, such text
gets a leading single quote. Numbers we computed are written as numbers, negative ones included.
"""

import csv
import io
from collections.abc import Iterable
from typing import Any

from integrations.services.report_numbers import MEASURES

HEADER = ("section", "integration", "key", "name", *MEASURES)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate, made plain text; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    change: dict[str, Any] = {}
    for measure in MEASURES:
        now, before = current.get(measure), previous.get(measure)
        change[measure] = None if now is None or before is None else round(now - before, 1)
    return change


def _rows(numbers: dict[str, Any]) -> Iterable[tuple[Any, ...]]:
    def line(section: str, integration: Any, key: Any, name: Any, row: dict[str, Any]) -> tuple[Any, ...]:
        return (section, integration, key, name, *(row.get(m) for m in MEASURES))

    totals = numbers["totals"]
    yield line("total", "", "", "", totals)
    previous = numbers.get("previous")
    if previous:
        yield line("previous_total", "", previous["period"][0][:10], "", previous["totals"])
        yield line("change", "", "", "", _change(totals, previous["totals"]))
    for row in numbers["per_integration"]:
        yield line("integration", row["key"], "", "", row)
    for section, rows in (("queue", numbers["per_queue"]), ("user", numbers["per_user"])):
        for row in rows:
            yield line(section, row.get("integration", ""), row["key"], row.get("name"), row)
    for row in numbers.get("per_day", []):
        yield line("day", "", row["day"], "", row)
    for row in numbers["busiest_hours"]:
        yield line("hour", "", f"{row['hour']:02d}:00", "", row)


def to_csv(numbers: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows([neutralise(cell) for cell in row] for row in _rows(numbers))
    return out.getvalue()
