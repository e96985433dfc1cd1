"""Call reports over pulled call records: numbers, CSV, e-mail, and their beat schedule."""

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule

from integrations.models import CallRecord, Report, ReportPeriod, ReportRun
from integrations.models.reports import split_recipients
from integrations.services import audit
from integrations.services.audit import Actor
from integrations.services.schedules import save_periodic_task

SCHEDULED_REPORT_TASK = "integrations.tasks.scheduled_report"
COLUMNS = ("calls", "answered", "missed", "total_seconds", "average_answered_seconds")


def period_for(report: Report, day: date | None = None) -> tuple[datetime, datetime]:
    """The report's period: the day (or Monday to Sunday week) of `day`, else the last full one."""
    tz = ZoneInfo(report.timezone)
    today = timezone.now().astimezone(tz).date()
    if report.period == ReportPeriod.DAILY:
        first = day or today - timedelta(days=1)
        last = first + timedelta(days=1)
    else:
        anchor = day or today - timedelta(days=7)
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=7)
    return datetime.combine(first, time(), tz), datetime.combine(last, time(), tz)


def calls_of(report: Report, start: datetime, end: datetime) -> QuerySet[CallRecord]:
    calls = CallRecord.objects.filter(started_at__gte=start, started_at__lt=end)
    if report.pk and report.integrations.exists():
        calls = calls.filter(integration__in=report.integrations.all())
    return calls


def _measures() -> dict[str, Any]:
    return {
        "calls": Count("id"),
        # (Named apart from the `answered` field, which an aggregate may not shadow.)
        "answered_calls": Count("id", filter=Q(answered=True)),
        "missed_calls": Count("id", filter=Q(answered=False)),
        "total_seconds": Sum("duration_seconds"),
        "average_answered_seconds": Avg("duration_seconds", filter=Q(answered=True)),
    }


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    row["answered"], row["missed"] = row.pop("answered_calls"), row.pop("missed_calls")
    row["total_seconds"] = row["total_seconds"] or 0
    average = row["average_answered_seconds"]
    row["average_answered_seconds"] = round(average, 1) if average is not None else None
    return row


def _grouped(calls: QuerySet[CallRecord], field: str) -> list[dict[str, Any]]:
    rows = calls.exclude(**{field: ""}).values(field).annotate(**_measures()).order_by("-calls", field)
    return [_clean({"key": row.pop(field), **row}) for row in rows]


def compute(report: Report, start: datetime, end: datetime) -> dict[str, Any]:
    """Every number of the report, as plain JSON-able data."""
    calls = calls_of(report, start, end)
    hours = {
        row["hour"]: row["calls"]
        for row in calls.annotate(hour=ExtractHour("started_at", tzinfo=ZoneInfo(report.timezone)))
        .values("hour")
        .annotate(calls=Count("id"))
    }
    totals = _clean(dict(calls.aggregate(**_measures())))
    return {
        "period": [start.isoformat(), end.isoformat()],
        "timezone": report.timezone,
        "totals": totals,
        "per_integration": _grouped(calls, "integration__name"),
        "per_queue": _grouped(calls, "queue"),
        "per_user": _grouped(calls, "agent"),
        "busiest_hours": [{"hour": hour, "calls": hours.get(hour, 0)} for hour in range(24)],
    }


def to_csv(numbers: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", *COLUMNS])
    writer.writerow(["total", "", *(numbers["totals"][c] for c in COLUMNS)])
    for section in ("per_integration", "per_queue", "per_user"):
        for row in numbers[section]:
            writer.writerow([section.removeprefix("per_"), row["key"], *(row[c] for c in COLUMNS)])
    for row in numbers["busiest_hours"]:
        writer.writerow(["hour", f"{row['hour']:02d}:00", row["calls"], "", "", "", ""])
    return out.getvalue()


def run(report: Report, *, day: date | None = None, trigger: str = "schedule") -> ReportRun:
    """Build the report for one period (replacing an earlier build of that period) and send it."""
    start, end = period_for(report, day)
    with transaction.atomic():
        ReportRun.objects.filter(report=report, period_start=start, period_end=end).delete()
        report_run = ReportRun.objects.create(
            report=report, period_start=start, period_end=end, trigger=trigger
        )
    try:
        report_run.numbers = compute(report, start, end)
        report_run.csv = to_csv(report_run.numbers)
        recipients = split_recipients(report.recipients)
        if recipients:
            _send(report, report_run, recipients)
            report_run.emailed_to = ", ".join(recipients)
        report_run.status = "succeeded"
    except Exception as exc:
        report_run.status, report_run.error = "failed", f"{type(exc).__name__}: {exc}"
    report_run.finished_at = timezone.now()
    report_run.save()
    return report_run


def _send(report: Report, report_run: ReportRun, recipients: list[str]) -> None:
    totals = report_run.numbers["totals"]
    first = report_run.period_start.astimezone(ZoneInfo(report.timezone))
    body = (
        f"{report.name}, {report.get_period_display().split(' (')[0].lower()} from {first:%Y-%m-%d}\n\n"
        f"Calls: {totals['calls']}  answered: {totals['answered']}  missed: {totals['missed']}\n"
        f"Total duration: {totals['total_seconds']} s; average answered call: "
        f"{totals['average_answered_seconds']} s\n\nThe full figures are attached as CSV."
    )
    message = EmailMessage(
        subject=f"[Switchboard] {report.name} — {first:%Y-%m-%d}", body=body, to=recipients
    )
    message.attach(f"{report.name}-{first:%Y-%m-%d}.csv", report_run.csv, "text/csv")
    message.send()


def sync_schedule(report: Report, actor: Actor, *, created: bool) -> None:
    """Keep the beat task that builds `report` in step with it; audit the change."""
    with transaction.atomic():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute="0",
            hour=str(report.run_at_hour),
            day_of_week="mon" if report.period == ReportPeriod.WEEKLY else "*",
            day_of_month="*",
            month_of_year="*",
            timezone=report.timezone,
        )
        task = save_periodic_task(
            report.periodic_task,
            name=f"report #{report.pk}",
            task=SCHEDULED_REPORT_TASK,
            kwargs={"report_id": report.pk},
            enabled=report.enabled,
            description=f"Build the report {report.name}",
            crontab=crontab,
        )
        if report.periodic_task_id != task.pk:
            report.periodic_task = task
            report.save(update_fields=["periodic_task"])
        audit.record(
            "report_schedule.add" if created else "report_schedule.change",
            actor,
            report,
            details={"period": report.period, "hour": report.run_at_hour, "enabled": report.enabled},
        )
