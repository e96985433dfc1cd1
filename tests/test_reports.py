"""Reports over known generated call records: every number checked against an independent count."""

import csv
import io
import json
import random
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from integrations.models import CallRecord, Integration, Report, ReportRun
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db

SYDNEY = ZoneInfo("Australia/Sydney")
DAY = date(2026, 11, 20)


def generate(integrations: list[Integration], count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Random calls around DAY (some outside it), stored; returns what was stored."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 19, 12, tzinfo=SYDNEY)
    calls = []
    for n in range(count):
        answered = rng.random() < 0.7
        call = {
            "integration": rng.choice(integrations),
            "resource": "cdrs",
            "vendor_call_id": f"call-{n}",
            "direction": rng.choice(["inbound", "outbound"]),
            "agent": rng.choice(["alice", "bob", "chen", ""]),
            "queue": rng.choice(["sales", "support", ""]),
            "started_at": start + timedelta(minutes=rng.randrange(0, 48 * 60)),
            "duration_seconds": rng.randrange(20, 600) if answered else 0,
            "answered": answered,
            "raw": {"n": n},
        }
        calls.append(call)
    CallRecord.objects.bulk_create([CallRecord(**c) for c in calls])
    return calls


def expected(calls: list[dict[str, Any]], key: str | None = None) -> dict[Any, dict[str, Any]]:
    """The report's measures, counted in plain Python, per `key` (or one total)."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for call in calls:
        group = call[key] if key else "total"
        if key == "integration":
            group = call["integration"].name
        groups.setdefault(group, []).append(call)
    out = {}
    for group, members in groups.items():
        if group == "":
            continue
        answered = [c for c in members if c["answered"]]
        out[group] = {
            "calls": len(members),
            "answered": len(answered),
            "missed": len(members) - len(answered),
            "total_seconds": sum(c["duration_seconds"] for c in members),
            "average_answered_seconds": round(sum(c["duration_seconds"] for c in answered) / len(answered), 1)
            if answered
            else None,
        }
    return out


def test_daily_report_numbers_match_an_independent_count() -> None:
    first, second = IntegrationFactory.create(name="east"), IntegrationFactory.create(name="west")
    calls = generate([first, second], 400)
    Report.objects.create(name="daily-ops", timezone="Australia/Sydney", recipients="ops@example.com")
    out = io.StringIO()
    call_command("reports", "run", "daily-ops", "--date", DAY.isoformat(), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["status"] == "succeeded"

    start = datetime(2026, 11, 20, tzinfo=SYDNEY)
    in_day = [c for c in calls if start <= c["started_at"] < start + timedelta(days=1)]
    assert 0 < len(in_day) < len(calls)
    run = ReportRun.objects.get()
    numbers = run.numbers
    assert numbers["totals"] == expected(in_day)["total"]
    for section, key in (("per_integration", "integration"), ("per_queue", "queue"), ("per_user", "agent")):
        assert {row.pop("key"): row for row in numbers[section]} == expected(in_day, key)
    hours = Counter(c["started_at"].astimezone(SYDNEY).hour for c in in_day)
    assert numbers["busiest_hours"] == [{"hour": h, "calls": hours.get(h, 0)} for h in range(24)]

    rows = list(csv.reader(io.StringIO(run.csv)))
    assert rows[0][:3] == ["section", "key", "calls"]
    assert rows[1][:3] == ["total", "", str(len(in_day))]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ops@example.com"]
    assert message.attachments[0][1] == run.csv
    assert f"Calls: {len(in_day)}" in str(message.body)


def test_weekly_report_covers_monday_to_sunday_and_rebuilding_replaces_the_run() -> None:
    integration = IntegrationFactory.create(name="only")
    calls = generate([integration], 200, seed=3)
    report = Report.objects.create(name="weekly", period="weekly", timezone="Australia/Sydney")
    report.integrations.add(integration)
    for _ in range(2):
        call_command("reports", "run", "weekly", "--date", DAY.isoformat(), stdout=io.StringIO())
    run = ReportRun.objects.get()  # the second build replaced the first
    monday = datetime(2026, 11, 16, tzinfo=SYDNEY)
    assert run.period_start == monday and run.period_end == monday + timedelta(days=7)
    in_week = [c for c in calls if monday <= c["started_at"] < monday + timedelta(days=7)]
    assert run.numbers["totals"]["calls"] == len(in_week)


def test_report_admin_schedules_with_beat_and_shows_charts_and_csv(admin_client: Client) -> None:
    integration = IntegrationFactory.create(name="east")
    generate([integration], 50)
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
    for title in ("Calls per integration", "Answered and missed", "Calls by hour of day"):
        assert title in page  # one server-rendered SVG chart each
    assert "cdn" not in page.lower()  # no third-party JavaScript
    download = admin_client.get(reverse("admin:integrations_reportrun_csv", args=[run.pk]))
    assert download["Content-Type"] == "text/csv" and download.content.decode() == run.csv


def test_report_viewers_read_reports_but_not_integrations() -> None:
    viewer = UserFactory.create(username="viewer", groups=["Report viewers"])
    client = Client()
    client.force_login(viewer)
    assert client.get(reverse("admin:integrations_reportrun_changelist")).status_code == 200
    assert client.get(reverse("admin:integrations_integration_changelist")).status_code == 403


def test_unknown_report_is_a_clear_error() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no report named 'nope'"):
        call_command("reports", "run", "nope")
