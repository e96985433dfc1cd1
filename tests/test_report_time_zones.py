"""A report's days are the days of its own time zone: east and west of UTC, and across DST changes."""

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import formats

from integrations.models import Report, ReportRun
from integrations.services import reports
from integrations.services.audit import CLI
from tests.factories import IntegrationFactory
from tests.report_data import generate, measures, within

pytestmark = pytest.mark.django_db

BUDAPEST, LOS_ANGELES = ZoneInfo("Europe/Budapest"), ZoneInfo("America/Los_Angeles")


def field(page: str, name: str) -> str:
    """The text of one read-only field of an admin change page."""
    match = re.search(rf'field-{name}.*?<div class="readonly">(.*?)</div>', page, re.S)
    assert match, f"no field {name}"
    return match.group(1).strip()


@pytest.mark.parametrize(
    ("zone", "utc_start"),
    [
        # Budapest's 30 November starts on 29 November in UTC: the day the page used to show.
        ("Europe/Budapest", datetime(2026, 11, 29, 23, tzinfo=ZoneInfo("UTC"))),
        # Los Angeles' 30 November ends on 1 December in UTC.
        ("America/Los_Angeles", datetime(2026, 11, 30, 8, tzinfo=ZoneInfo("UTC"))),
    ],
)
def test_a_daily_run_is_labelled_with_its_own_day_everywhere(
    zone: str, utc_start: datetime, admin_client: Client
) -> None:
    integration = IntegrationFactory.create(name="east")
    generate([integration], 60, start=utc_start - timedelta(hours=12), hours=48)
    report = Report.objects.create(name="ops", timezone=zone, recipients="lead@example.com")
    reports.run(report, CLI, day=date(2026, 11, 30))
    run = ReportRun.objects.get()  # read back: the database hands the period back in UTC
    assert run.period_start == utc_start

    assert str(run) == "ops 2026-11-30"
    assert run.file_name == "ops-2026-11-30.csv"
    listing = admin_client.get(reverse("admin:integrations_reportrun_changelist")).content.decode()
    assert f"Monday 30 November 2026 ({zone})" in listing
    assert "ops-2026-11-30.csv" in listing
    page = admin_client.get(reverse("admin:integrations_reportrun_change", args=[run.pk])).content.decode()
    assert "<title>ops 2026-11-30 |" in page
    assert field(page, "period") == f"Monday 30 November 2026 ({zone})"
    assert '<p class="report-period">Monday 30 November 2026' in page
    download = admin_client.get(reverse("admin:integrations_reportrun_csv", args=[run.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="ops-2026-11-30.csv"'
    reports_page = admin_client.get(reverse("admin:integrations_report_changelist")).content.decode()
    assert ">2026-11-30</a> (succeeded)" in reports_page  # the "last run" link

    (message,) = mail.outbox
    assert "Monday 30 November 2026" in str(message.subject)
    assert str(message.body).startswith(f"ops: Monday 30 November 2026 ({zone})")
    assert message.attachments[0][0] == "ops-2026-11-30.csv"


def test_the_run_page_shows_every_time_in_the_reports_zone(admin_client: Client) -> None:
    report = Report.objects.create(name="ops", timezone="America/Los_Angeles")
    run = reports.run(report, CLI, day=date(2026, 11, 30))
    page = admin_client.get(reverse("admin:integrations_reportrun_change", args=[run.pk])).content.decode()
    assert run.finished_at is not None
    shown = field(page, "finished_at")
    assert shown == formats.localize(run.finished_at.astimezone(LOS_ANGELES))
    assert shown != formats.localize(run.finished_at.astimezone(ZoneInfo("UTC")))


def length(run: ReportRun) -> timedelta:
    # In UTC: between two datetimes of one zone Python subtracts wall-clock times.
    return run.period_end.astimezone(UTC) - run.period_start.astimezone(UTC)


def local_counts(calls: list[dict], zone: ZoneInfo) -> tuple[Counter[str], Counter[int]]:
    days = Counter(c["started_at"].astimezone(zone).date().isoformat() for c in calls)
    hours = Counter(c["started_at"].astimezone(zone).hour for c in calls)
    return days, hours


@pytest.mark.parametrize(
    ("zone", "monday"),
    [
        (BUDAPEST, date(2026, 10, 19)),  # clocks go back on Sunday 25 October, 03:00 -> 02:00
        (LOS_ANGELES, date(2026, 10, 26)),  # clocks go back on Sunday 1 November, 02:00 -> 01:00
    ],
)
def test_a_week_with_a_dst_change_has_seven_local_days_and_one_extra_hour(
    zone: ZoneInfo, monday: date
) -> None:
    integration = IntegrationFactory.create(name="east")
    start = datetime.combine(monday, datetime.min.time(), zone)
    calls = generate([integration], 3000, start=start - timedelta(days=2), hours=24 * 11)
    report = Report.objects.create(name="weekly", period="weekly", timezone=str(zone))
    run = reports.run(report, CLI, day=monday + timedelta(days=3))

    assert length(run) == timedelta(days=7, hours=1)
    assert run.period_label == f"{monday.isoformat()} to {(monday + timedelta(days=6)).isoformat()}"
    in_week = within(calls, run.period_start, run.period_end)
    assert run.numbers["totals"] == measures(in_week)
    days, hours = local_counts(in_week, zone)
    assert {row["day"]: row["calls"] for row in run.numbers["per_day"]} == {
        (monday + timedelta(days=n)).isoformat(): days[(monday + timedelta(days=n)).isoformat()]
        for n in range(7)
    }
    assert [row["calls"] for row in run.numbers["busiest_hours"]] == [hours[h] for h in range(24)]


def test_a_spring_day_is_23_hours_long_and_has_no_2_am() -> None:
    integration = IntegrationFactory.create(name="east")
    day = date(2026, 3, 29)  # Budapest: 02:00 -> 03:00
    start = datetime.combine(day, datetime.min.time(), BUDAPEST)
    calls = generate([integration], 600, start=start - timedelta(hours=6), hours=36)
    report = Report.objects.create(name="daily", timezone="Europe/Budapest")
    run = reports.run(report, CLI, day=day)
    assert length(run) == timedelta(hours=23)
    in_day = within(calls, run.period_start, run.period_end)
    _, hours = local_counts(in_day, BUDAPEST)
    assert run.numbers["busiest_hours"][2]["calls"] == 0 == hours[2]
    assert [row["calls"] for row in run.numbers["busiest_hours"]] == [hours[h] for h in range(24)]
    assert run.numbers["previous"]["period"][0].startswith("2026-03-28T00:00:00+01:00")
