"""Call reports over pulled call records: building a run, its e-mail, and the beat schedule."""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule

from integrations.models import Report, ReportRun
from integrations.models.reports import split_recipients
from integrations.services import audit
from integrations.services.audit import Actor
from integrations.services.report_csv import to_csv
from integrations.services.report_numbers import Period, compute
from integrations.services.report_text import figures_context, headline
from integrations.services.schedules import save_periodic_task

SCHEDULED_REPORT_TASK = "integrations.tasks.scheduled_report"
BUILD_PERMISSION = "integrations.build_report"


def period_for(report: Report, day: date | None = None) -> Period:
    """The report's period: the day (or Monday to Sunday week) of `day`, else the last full one.

    Midnight to midnight in the report's own time zone, so a day is 23 or 25 hours long when the
    clocks change in it.
    """
    zone = report.zone
    today = timezone.now().astimezone(zone).date()
    if report.is_weekly:
        anchor = day or today - timedelta(days=7)
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=7)
    else:
        first = day or today - timedelta(days=1)
        last = first + timedelta(days=1)
    return datetime.combine(first, time(), zone), datetime.combine(last, time(), zone)


def previous_period(report: Report, period: Period) -> Period:
    """The day or week just before `period` (a DST change makes it an hour longer or shorter)."""
    return period_for(report, period[0].astimezone(report.zone).date() - timedelta(days=1))


def run(
    report: Report,
    actor: Actor,
    *,
    day: date | None = None,
    trigger: str = "schedule",
    mail_connection: BaseEmailBackend | None = None,
) -> ReportRun:
    """Build the report for one period (replacing an earlier build of that period) and send it.

    `mail_connection` lets a caller choose where a printing e-mail backend prints (the CLI keeps
    its stdout for JSON); the configured EMAIL_BACKEND is used either way.
    """
    if not actor.has_perm(BUILD_PERMISSION):
        raise PermissionDenied("You may not build reports.")
    period = period_for(report, day)
    with transaction.atomic():
        ReportRun.objects.filter(report=report, period_start=period[0], period_end=period[1]).delete()
        report_run = ReportRun.objects.create(
            report=report,
            period_start=period[0],
            period_end=period[1],
            trigger=trigger,
            requested_by=actor.user,
        )
        audit.record(
            "report.build", actor, report, details={"period": report_run.period_label, "trigger": trigger}
        )
    try:
        report_run.numbers = compute(report, period, previous_period(report, period))
        report_run.csv = to_csv(report_run.numbers)
        recipients = split_recipients(report.recipients)
        if recipients:
            _send(report_run, recipients, mail_connection)
            report_run.emailed_to = ", ".join(recipients)
        report_run.status = "succeeded"
    except Exception as exc:
        report_run.status, report_run.error = "failed", f"{type(exc).__name__}: {exc}"
    report_run.finished_at = timezone.now()
    report_run.save()
    return report_run


def _send(report_run: ReportRun, recipients: list[str], connection: BaseEmailBackend | None) -> None:
    numbers = report_run.numbers
    body = render_to_string("integrations/report_email.txt", figures_context(report_run))
    message = EmailMessage(
        subject=f"[Switchboard] {report_run.report.name}, {report_run.period_words}: {headline(numbers)}",
        body=body,
        to=recipients,
        connection=connection,
    )
    message.attach(report_run.file_name, report_run.csv, "text/csv")
    message.send()


def sync_schedule(report: Report, actor: Actor, *, created: bool) -> None:
    """Keep the beat task that builds `report` in step with it; audit the change."""
    # Forms validate first; this keeps any other caller from scheduling a task that cannot fire.
    report.clean_fields()
    with transaction.atomic():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute="0",
            hour=str(report.run_at_hour),
            day_of_week="mon" if report.is_weekly else "*",
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


def delete_report(report: Report, actor: Actor) -> None:
    """Delete a report with its runs and its beat task (left behind, it would build nothing forever)."""
    if not actor.has_perm("integrations.delete_report"):
        raise PermissionDenied("You may not delete reports.")
    with transaction.atomic():
        audit.record(
            "report.delete",
            actor,
            report,
            details={"name": report.name, "period": report.period, "runs": report.runs.count()},
        )
        if report.periodic_task is not None:
            report.periodic_task.delete()
        report.delete()
