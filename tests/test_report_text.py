"""The words of a report: durations people read, the change on the period before, the headline first."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from integrations.models import CallRecord, Integration, Report
from integrations.services import reports
from integrations.services.audit import CLI
from integrations.services.report_text import duration, headline
from tests.factories import IntegrationFactory


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (357257, "99 h 14 min"),
        (245, "4 min 5 s"),
        (245.4, "4 min 5 s"),
        (59, "59 s"),
        (0, "0 s"),
        (3600, "1 h 0 min"),
        (36_000_000, "10,000 h 0 min"),
        (None, "—"),
    ],
)
def test_durations_read_as_hours_minutes_and_seconds(seconds: float | None, words: str) -> None:
    assert duration(seconds) == words


def numbers(calls: int, answered: int, before_calls: int | None, before_answered: int = 0) -> dict[str, Any]:
    def totals(c: int, a: int) -> dict[str, Any]:
        return {
            "calls": c,
            "answered": a,
            "missed": c - a,
            "total_seconds": 0,
            "average_answered_seconds": None,
        }

    out: dict[str, Any] = {"kind": "weekly", "totals": totals(calls, answered)}
    if before_calls is not None:
        out["previous"] = {"totals": totals(before_calls, before_answered)}
    return out


@pytest.mark.parametrize(
    ("figures", "text"),
    [
        (numbers(312, 284, 289, 269), "312 calls, +8% on the week before; answered 91% (\u22122 pts)"),
        (numbers(250, 240, 289, 269), "250 calls, \u221213% on the week before; answered 96% (+3 pts)"),
        (numbers(289, 269, 289, 269), "289 calls, ±0% on the week before; answered 93% (±0 pts)"),
        (numbers(1, 1, 0), "1 call, none the week before; answered 100%"),
        (numbers(0, 0, 289, 269), "No calls (289 the week before)"),
        (numbers(0, 0, 0), "No calls, none the week before"),
        (numbers(1200, 600, None), "1,200 calls; answered 50%"),
    ],
)
def test_the_headline_compares_calls_and_answered_rate_with_the_period_before(
    figures: dict[str, Any], text: str
) -> None:
    assert headline(figures) == text


def store(integration: Integration, start: datetime, durations: list[int]) -> None:
    CallRecord.objects.bulk_create(
        [
            CallRecord(
                integration=integration,
                resource="cdrs",
                vendor_call_id=f"{start:%d}-{n}",
                started_at=start + timedelta(minutes=n),
                duration_seconds=seconds,
                answered=seconds > 0,
                raw={},
            )
            for n, seconds in enumerate(durations)
        ]
    )


@pytest.mark.django_db
def test_page_and_email_show_durations_and_the_summary_first_while_csv_keeps_seconds(
    admin_client: Client,
) -> None:
    integration = IntegrationFactory.create(name="east")
    day = datetime(2026, 11, 20, 8, tzinfo=UTC)
    store(integration, day - timedelta(days=1), [200, 290, 0, 0])  # the day before: 4 calls, 2 answered
    store(integration, day, [245, 245, 356767, 0, 0])  # 5 calls, 3 answered, 357257 s
    run = reports.run(
        Report.objects.create(name="ops", recipients="lead@example.com"), CLI, day=date(2026, 11, 20)
    )
    summary = "5 calls, +25% on the day before; answered 60% (+10 pts)"

    page = admin_client.get(reverse("admin:integrations_reportrun_change", args=[run.pk])).content.decode()
    content = page.split('id="content"')[1]
    assert content.index(summary) < content.index("<svg") < content.index("<fieldset")
    assert "99 h 14 min" in page and "357257" not in content  # total talk time
    assert "33 h 4 min" in page  # the average answered call, (245 + 245 + 356767) / 3
    assert "4 min 5 s" in page  # the day before's average answered call, (200 + 290) / 2

    body = str(mail.outbox[0].body)
    assert body.splitlines()[2] == summary
    assert "Total talk time:" in body and "99 h 14 min" in body and "357257" not in body

    total = next(row for row in csv.DictReader(io.StringIO(run.csv)) if row["section"] == "total")
    assert (total["total_seconds"], total["average_answered_seconds"]) == ("357257", "119085.7")
    assert run.numbers["totals"]["total_seconds"] == 357257


@pytest.mark.django_db
def test_a_period_built_before_it_was_over_says_its_figures_are_partial(admin_client: Client) -> None:
    report = Report.objects.create(name="ahead", period="weekly", recipients="lead@example.com")
    run = reports.run(report, CLI, day=date(2100, 1, 6))  # a week that has not happened yet
    page = admin_client.get(reverse("admin:integrations_reportrun_change", args=[run.pk])).content.decode()
    assert "Built before this week was over: its figures are partial." in page
    assert "(Built before this week was over: its figures are partial.)" in str(mail.outbox[0].body)

    finished = reports.run(report, CLI, day=date(2026, 11, 18))
    page = admin_client.get(
        reverse("admin:integrations_reportrun_change", args=[finished.pk])
    ).content.decode()
    assert "its figures are partial" not in page
