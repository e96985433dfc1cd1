from django.conf import settings
from django.db import models


class PullStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    INCOMPLETE = "incomplete", "Incomplete (fetched less than the vendor holds)"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (another run was in progress)"


class PullRun(models.Model):
    """One pull of one resource: its window, progress, counts, and what went wrong if anything."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="pull_runs"
    )
    resource = models.CharField(max_length=32)
    status = models.CharField(
        max_length=16, choices=PullStatus.choices, default=PullStatus.QUEUED, db_index=True
    )
    trigger = models.CharField(max_length=16, default="manual", help_text="schedule, manual (admin) or cli")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    since_override = models.DateTimeField(null=True, blank=True, help_text="Asked-for start of the window.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life (every page).")
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the process running it")
    credential_version = models.ForeignKey(
        "integrations.CredentialVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The credentials its requests use: a rotation waits for it before revoking them.",
    )
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    rows_seen = models.PositiveIntegerField(default=0)
    expected_total = models.PositiveIntegerField(null=True, blank=True, help_text="As the vendor announced.")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    watermark_before = models.DateTimeField(null=True, blank=True)
    watermark_after = models.DateTimeField(null=True, blank=True)
    diagnosis = models.CharField(max_length=32, blank=True)
    message = models.TextField(blank=True, help_text="Why it failed or was skipped, in plain words.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["integration", "resource", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.integration} {self.resource} #{self.pk} {self.status}"

    @property
    def is_done(self) -> bool:
        return self.status in (
            PullStatus.SUCCEEDED,
            PullStatus.INCOMPLETE,
            PullStatus.FAILED,
            PullStatus.SKIPPED,
        )

    @property
    def progress_percent(self) -> int | None:
        if self.status == PullStatus.SUCCEEDED:
            return 100
        if not self.expected_total:
            return None
        return min(99, int(100 * self.rows_seen / self.expected_total))


class PullState(models.Model):
    """Per integration and resource: the watermark, and which run holds the one-at-a-time lock."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="pull_states"
    )
    resource = models.CharField(max_length=32)
    watermark = models.DateTimeField(
        null=True, blank=True, help_text="Newest record time stored; the next pull starts before it."
    )
    running = models.ForeignKey(PullRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    generation = models.PositiveBigIntegerField(
        default=0, help_text="Counts the claims of the lock: a run writes only under its own (fencing)."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "resource"], name="pull_state_unique")]

    def __str__(self) -> str:
        return f"{self.integration} {self.resource} watermark {self.watermark}"
