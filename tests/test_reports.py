"""Reports over known generated call records: every number checked against an independent count."""

import csv
import io
import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from integrations.models import RawRecord, Report, ReportRun
from integrations.services import reports
from integrations.services.audit import CLI
from tests.factories import IntegrationFactory, UserFactory
from tests.report_data import generate, grouped, measures, within

pytestmark = pytest.mark.django_db

SYDNEY = ZoneInfo("Australia/Sydney")
DAY = date(2026, 11, 20)


def by_key(rows: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """Report rows keyed as the independent count keys them, holding only the measures."""
    out = {}
    for row in rows:
        key = (row["integration"], row["key"]) if "integration" in row else row["key"]
        out[key] = {m: row[m] for m in ("calls", "answered", "missed", "total_seconds")} | {
            "average_answered_seconds": row["average_answered_seconds"]
        }
    return out


def test_daily_report_numbers_match_an_independent_count() -> None:
    first, second = IntegrationFactory.create(name="east"), IntegrationFactory.create(name="west")
    calls = generate([first, second], 900, start=datetime(2026, 11, 18, 12, tzinfo=SYDNEY), hours=72)
    Report.objects.create(name="daily-ops", timezone="Australia/Sydney", recipients="ops@example.com")
    out = io.StringIO()
    call_command("reports", "run", "daily-ops", "--date", DAY.isoformat(), "--json", stdout=out)
    assert json.loads(out.getvalue())["status"] == "succeeded"

    start = datetime(2026, 11, 20, tzinfo=SYDNEY)
    in_day = within(calls, start, start + timedelta(days=1))
    day_before = within(calls, start - timedelta(days=1), start)
    assert 0 < len(in_day) < len(calls) and day_before
    numbers = ReportRun.objects.get().numbers
    assert numbers["totals"] == measures(in_day)
    assert numbers["previous"]["totals"] == measures(day_before)
    assert by_key(numbers["per_integration"]) == grouped(in_day, lambda c: c["integration"].name)
    # Queues and users are counted per integration: east's "sales" is not west's "sales".
    assert by_key(numbers["per_queue"]) == grouped(in_day, lambda c: (c["integration"].name, c["queue"]))
    assert by_key(numbers["per_user"]) == grouped(in_day, lambda c: (c["integration"].name, c["agent"]))
    hourly = defaultdict(list)
    for call in in_day:
        hourly[call["started_at"].astimezone(SYDNEY).hour].append(call)
    assert numbers["busiest_hours"] == [{"hour": h, **measures(hourly[h])} for h in range(24)]
    before_hourly = [0] * 24
    for call in day_before:
        before_hourly[call["started_at"].astimezone(SYDNEY).hour] += 1
    assert [row["calls"] for row in numbers["previous"]["busiest_hours"]] == before_hourly


def test_the_csv_and_the_email_carry_the_same_numbers() -> None:
    integration = IntegrationFactory.create(name="east")
    calls = generate([integration], 300, start=datetime(2026, 11, 19, tzinfo=SYDNEY), hours=48)
    report = Report.objects.create(
        name="daily-ops", timezone="Australia/Sydney", recipients="ops@example.com"
    )
    run = reports.run(report, CLI, day=DAY)
    start = datetime(2026, 11, 20, tzinfo=SYDNEY)
    in_day, day_before = (
        within(calls, start, start + timedelta(days=1)),
        within(calls, start - timedelta(days=1), start),
    )

    rows = list(csv.DictReader(io.StringIO(run.csv)))
    total = next(row for row in rows if row["section"] == "total")
    assert int(total["calls"]) == len(in_day)
    assert int(total["total_seconds"]) == sum(c["duration_seconds"] for c in in_day)  # raw seconds
    change = next(row for row in rows if row["section"] == "change")
    assert int(change["calls"]) == len(in_day) - len(day_before)
    queues = {row["key"]: int(row["calls"]) for row in rows if row["section"] == "queue"}
    assert queues == {q: m["calls"] for (_, q), m in grouped(in_day, lambda c: ("east", c["queue"])).items()}
    assert sum(int(row["calls"]) for row in rows if row["section"] == "hour") == len(in_day)

    (message,) = mail.outbox
    assert message.to == ["ops@example.com"]
    assert message.attachments[0] == ("daily-ops-2026-11-20.csv", run.csv, "text/csv")
    body = str(message.body)
    first_line = body.splitlines()[2]
    rate_now = 100 * measures(in_day)["answered"] / len(in_day)
    rate_before = 100 * measures(day_before)["answered"] / len(day_before)
    change_percent = round(100 * (len(in_day) - len(day_before)) / len(day_before))
    assert first_line.startswith(f"{len(in_day)} calls, ")
    assert f"{abs(change_percent)}% on the day before; answered {round(rate_now)}%" in first_line
    assert f"{abs(round(rate_now - rate_before))} pts)" in first_line
    assert f"{len(in_day)} calls" in str(message.subject)


def test_weekly_report_covers_monday_to_sunday_day_by_day_and_rebuilding_replaces_the_run() -> None:
    integration = IntegrationFactory.create(name="only")
    IntegrationFactory.create(name="not in the report")
    calls = generate([integration], 1500, start=datetime(2026, 11, 5, tzinfo=SYDNEY), hours=24 * 20, seed=3)
    report = Report.objects.create(name="weekly", period="weekly", timezone="Australia/Sydney")
    report.integrations.add(integration)
    for _ in range(2):
        call_command("reports", "run", "weekly", "--date", DAY.isoformat(), stdout=io.StringIO())
    run = ReportRun.objects.get()  # the second build replaced the first
    monday = datetime(2026, 11, 16, tzinfo=SYDNEY)
    assert run.period_start == monday and run.period_end == monday + timedelta(days=7)
    in_week = within(calls, monday, monday + timedelta(days=7))
    week_before = within(calls, monday - timedelta(days=7), monday)
    assert run.numbers["totals"] == measures(in_week)
    assert run.numbers["previous"]["totals"] == measures(week_before)
    per_day = {row.pop("day"): row for row in run.numbers["per_day"]}
    assert list(per_day) == [(date(2026, 11, 16) + timedelta(days=n)).isoformat() for n in range(7)]
    assert per_day == {
        day: measures([c for c in in_week if c["started_at"].astimezone(SYDNEY).date().isoformat() == day])
        for day in per_day
    }
    assert run.numbers["previous"]["per_day"][0]["day"] == "2026-11-09"


def test_report_admin_schedules_with_beat_and_shows_charts_and_csv(admin_client: Client) -> None:
    first, second = IntegrationFactory.create(name="east"), IntegrationFactory.create(name="west")
    generate([first, second], 80, start=datetime(2026, 11, 19, tzinfo=ZoneInfo("UTC")), hours=48)
    response = admin_client.post(
        reverse("admin:integrations_report_add"),
        {
            "name": "nightly",
            "period": "daily",
            "timezone": "UTC",
            "run_at_hour": "5",
            "recipients": "",
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    report = Report.objects.get()
    task = PeriodicTask.objects.get(pk=report.periodic_task_id)
    assert (task.task, task.queue, json.loads(task.kwargs)) == (
        "integrations.tasks.scheduled_report",
        "bulk",
        {"report_id": report.pk},
    )
    assert task.crontab is not None and task.crontab.hour == "5"

    from integrations.tasks import scheduled_report

    call_command("reports", "run", "nightly", "--date", DAY.isoformat(), stdout=io.StringIO())
    scheduled_report(report.pk)  # what beat runs: the last full day
    run = ReportRun.objects.filter(period_start__date=DAY).get()
    page = admin_client.get(reverse("admin:integrations_reportrun_change", args=[run.pk])).content.decode()
    for title in (
        "Calls per hour: this day and the day before",
        "Answered and missed by hour",
        "Calls per integration",
    ):
        assert title in page  # one server-rendered SVG chart each
    charts = page.split('class="report-charts"')[1].split("<h2>")[0]
    assert charts.count("<svg") == 3 and "<script" not in charts  # no chart script at all
    assert "cdn" not in page.lower()  # no third-party JavaScript
    csv_url = reverse("admin:integrations_reportrun_csv", args=[run.pk])
    assert f'href="{csv_url}"' in page  # the CSV from the run page itself
    download = admin_client.get(csv_url)
    assert download["Content-Type"] == "text/csv" and download.content.decode() == run.csv
    assert download["Content-Disposition"] == 'attachment; filename="nightly-2026-11-20.csv"'


def test_a_run_built_by_an_earlier_version_still_opens_with_its_csv(admin_client: Client) -> None:
    report = Report.objects.create(name="old", timezone="UTC")
    start = datetime(2026, 11, 20, tzinfo=ZoneInfo("UTC"))
    run = ReportRun.objects.create(
        report=report,
        period_start=start,
        period_end=start + timedelta(days=1),
        status="succeeded",
        numbers={"totals": {"calls": 3}, "busiest_hours": [{"hour": 0, "calls": 3}]},
        csv="section,key,calls\ntotal,,3\n",
    )
    page = admin_client.get(reverse("admin:integrations_reportrun_change", args=[run.pk]))
    assert page.status_code == 200
    assert "build its period again" in page.content.decode()


def test_report_viewers_read_reports_but_not_integrations() -> None:
    viewer = UserFactory.create(username="viewer", groups=["Report viewers"])
    client = Client()
    client.force_login(viewer)
    assert client.get(reverse("admin:integrations_reportrun_changelist")).status_code == 200
    assert client.get(reverse("admin:integrations_integration_changelist")).status_code == 403


def test_a_report_stays_a_handful_of_queries_however_many_calls() -> None:
    """Aggregates in the database: ten times the calls, users and queues, the same queries."""
    east, west = (
        IntegrationFactory.create(name="east"),
        IntegrationFactory.create(name="west", vendor="voipcloud"),
    )
    start = datetime(2026, 11, 16, tzinfo=SYDNEY)

    def build(count: int, seed: int) -> list[int]:
        agents = [str(1000 + n) for n in range(count // 10)]
        RawRecord.objects.bulk_create(
            [
                RawRecord(integration=east, resource="users", vendor_id=a, raw={"name": f"Agent {a}"})
                for a in agents
            ],
            ignore_conflicts=True,
        )
        generate(
            [east, west], count, start=start - timedelta(days=7), hours=24 * 14, seed=seed, agents=agents
        )
        counts = []
        for period in ("daily", "weekly"):
            report = Report.objects.get_or_create(name=period, period=period, timezone="Australia/Sydney")[0]
            with CaptureQueriesContext(connection) as queries:
                run = reports.run(report, CLI, day=DAY)
            assert run.status == "succeeded", run.error
            counts.append(len(queries))
        return counts

    small = build(300, seed=1)
    large = build(3000, seed=2)
    assert large == small and max(small) <= 20, small
    assert ReportRun.objects.get(report__name="weekly").numbers["totals"]["calls"] > 1500
