from datetime import date, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, validate_email
from django.db import models

from integrations.models.integrations import validate_timezone


def validate_recipients(value: str) -> None:
    for address in split_recipients(value):
        validate_email(address)


def split_recipients(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


class ReportPeriod(models.TextChoices):
    DAILY = "daily", "Daily (the previous day)"
    WEEKLY = "weekly", "Weekly (the previous Monday to Sunday)"


class Report(models.Model):
    """A call report over pulled call records, built on a schedule by Celery beat."""

    name = models.CharField(max_length=100, unique=True, help_text="Used by `manage.py reports run NAME`.")
    period = models.CharField(max_length=16, choices=ReportPeriod.choices, default=ReportPeriod.DAILY)
    integrations = models.ManyToManyField(
        "integrations.Integration", blank=True, help_text="Leave empty for every integration."
    )
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="Days, weeks and busiest hours are counted in this time zone (e.g. Europe/Budapest).",
    )
    run_at_hour = models.PositiveSmallIntegerField(
        default=6,
        validators=[MaxValueValidator(23)],
        help_text="Hour of the day, 0 to 23 (in the report's time zone), the report is built.",
    )
    recipients = models.TextField(
        blank=True,
        validators=[validate_recipients],
        help_text="E-mail addresses, comma-separated (optional).",
    )
    enabled = models.BooleanField(default=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", null=True, blank=True, editable=False, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["name"]
        permissions = [("build_report", "Can build a report now (and send its e-mail)")]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        """The report's time zone; a clear error for a name stored before it was validated."""
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                f"report {self.name!r}: {self.timezone!r} is not a known time zone (e.g. Europe/Budapest)"
            ) from None

    @property
    def is_weekly(self) -> bool:
        return self.period == ReportPeriod.WEEKLY


class ReportRun(models.Model):
    """One build of a report over one period: its numbers, a CSV, and whether it was e-mailed."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="runs")
    period_start = models.DateTimeField(help_text="Midnight of the period's first day, in the report's zone.")
    period_end = models.DateTimeField(help_text="Midnight after the period's last day, in the report's zone.")
    status = models.CharField(max_length=16, default="running")
    trigger = models.CharField(max_length=16, default="schedule")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    numbers = models.JSONField(default=dict, blank=True)
    csv = models.TextField(blank=True)
    emailed_to = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-period_start", "-id"]

    def __str__(self) -> str:
        return f"{self.report} {self.period_label}"

    # The period is stored as aware datetimes (UTC in the database); people read it as the days
    # of the report's own time zone, so every label below converts first.
    @property
    def first_day(self) -> date:
        return self.period_start.astimezone(self.report.zone).date()

    @property
    def last_day(self) -> date:
        return self.period_end.astimezone(self.report.zone).date() - timedelta(days=1)

    @property
    def period_label(self) -> str:
        """`2026-11-30` for a day, `2026-11-23 to 2026-11-29` for a week."""
        first, last = self.first_day, self.last_day
        return first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"

    @property
    def period_words(self) -> str:
        """`Monday 30 November 2026`; a week: `Monday 23 - Sunday 29 November 2026` (an en dash)."""
        first, last = self.first_day, self.last_day
        if first == last:
            return f"{first:%A} {first.day} {first:%B %Y}"
        head = f"{first:%A} {first.day}" + ("" if first.month == last.month else f" {first:%B}")
        if first.year != last.year:
            head += f" {first.year}"
        return f"{head} \N{EN DASH} {last:%A} {last.day} {last:%B %Y}"

    @property
    def file_name(self) -> str:
        """`daily-ops-2026-11-30.csv`, `weekly-ops-2026-11-23-to-2026-11-29.csv`."""
        return f"{self.report.name}-{self.period_label.replace(' ', '-')}.csv"
