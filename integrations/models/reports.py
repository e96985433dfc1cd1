from django.core.validators import validate_email
from django.db import models


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
        max_length=64, default="UTC", help_text="Days, weeks and busiest hours are counted in this time zone."
    )
    run_at_hour = models.PositiveSmallIntegerField(
        default=6, help_text="Hour of the day (in the report's time zone) the report is built."
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

    def __str__(self) -> str:
        return self.name


class ReportRun(models.Model):
    """One build of a report over one period: its numbers, a CSV, and whether it was e-mailed."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="runs")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    status = models.CharField(max_length=16, default="running")
    trigger = models.CharField(max_length=16, default="schedule")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    numbers = models.JSONField(default=dict, blank=True)
    csv = models.TextField(blank=True)
    emailed_to = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-period_start", "-id"]

    def __str__(self) -> str:
        return f"{self.report} {self.period_start:%Y-%m-%d}"
