from django.core.exceptions import ValidationError
from django.db import models
from django_celery_beat.validators import day_of_week_validator, hour_validator, minute_validator


class ScheduleKind(models.TextChoices):
    INTERVAL = "interval", "Every N minutes"
    CRONTAB = "crontab", "At set times (crontab)"


class PullSchedule(models.Model):
    """When a resource is pulled. Run by Celery beat's database scheduler (a PeriodicTask per row)."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="pull_schedules"
    )
    resource = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=ScheduleKind.choices, default=ScheduleKind.INTERVAL)
    every_minutes = models.PositiveIntegerField(null=True, blank=True, help_text="For 'every N minutes'.")
    # django-celery-beat's own validators: what beat would refuse (minute 99, day "funday") is a
    # form error here, before a PeriodicTask exists.
    cron_minute = models.CharField(
        "minute",
        max_length=64,
        default="0",
        validators=[minute_validator],
        help_text="crontab minute (0-59), e.g. 0 or */15",
    )
    cron_hour = models.CharField(
        "hour",
        max_length=64,
        default="*",
        validators=[hour_validator],
        help_text="crontab hour (0-23), e.g. 2 or 8-18",
    )
    cron_day_of_week = models.CharField(
        "day of week",
        max_length=64,
        default="*",
        validators=[day_of_week_validator],
        help_text="e.g. * or mon-fri (0 or sun = Sunday)",
    )
    enabled = models.BooleanField(default=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", null=True, blank=True, editable=False, on_delete=models.SET_NULL
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "resource"], name="pull_schedule_unique")
        ]

    def __str__(self) -> str:
        return f"pull {self.integration} {self.resource} {self.describe()}"

    def clean(self) -> None:
        if self.kind == ScheduleKind.INTERVAL and not self.every_minutes:
            raise ValidationError({"every_minutes": "Say how many minutes apart the pulls run."})
        if self.integration_id and self.resource:
            keys = [r.key for r in self.integration.connector.resources]
            if self.resource not in keys:
                raise ValidationError(
                    {"resource": f"{self.integration.vendor_label} offers: {', '.join(keys)}"}
                )

    def describe(self) -> str:
        if self.kind == ScheduleKind.INTERVAL:
            return f"every {self.every_minutes} min"
        return f"at {self.cron_minute} {self.cron_hour} * * {self.cron_day_of_week}"
