import uuid

from django.conf import settings
from django.db import models

from integrations.vendors.diagnosis import Code


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed (portal error)"


class TestRun(models.Model):
    """One test API request: who asked, what was sent (redacted), what came back, what it means."""

    __test__ = False  # not a pytest test class, whatever its name says

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="test_runs"
    )
    endpoint = models.CharField(max_length=64, help_text="Key of the endpoint in the vendor's catalogue.")
    endpoint_label = models.CharField(max_length=120, blank=True)
    params = models.JSONField(default=dict, blank=True, help_text="Parameters as typed (never secrets).")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_via = models.CharField(max_length=16, default="admin", help_text="admin, cli or connectivity")
    batch = models.UUIDField(null=True, blank=True, db_index=True, help_text="Runs started together.")
    credential_version = models.ForeignKey(
        "integrations.CredentialVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The credentials it was sent with (a rotation tests a staged version).",
    )
    session_token = models.ForeignKey(
        "integrations.ApiToken",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A vendor-issued session token it was sent with (a renewal's verification).",
    )
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.CharField(
        max_length=200, blank=True, help_text="While it runs: which attempt, and what it waits for."
    )
    request_method = models.CharField(max_length=8, blank=True)
    request_url = models.TextField(blank=True, help_text="Redacted.")
    request_headers = models.JSONField(default=dict, blank=True, help_text="Redacted.")
    request_body = models.TextField(blank=True, help_text="Redacted.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True, help_text="The final request alone.")
    total_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Including log-in and retries.")
    attempts = models.PositiveSmallIntegerField(default=0)
    response_headers = models.JSONField(default=dict, blank=True, help_text="Redacted.")
    response_excerpt = models.TextField(blank=True, help_text="Redacted, pretty-printed, truncated.")
    response_truncated = models.BooleanField(default=False)
    diagnosis = models.CharField(
        max_length=32, choices=[(c.value, c.value) for c in Code], blank=True, db_index=True
    )
    diagnosis_title = models.CharField(max_length=200, blank=True)
    diagnosis_detail = models.TextField(blank=True)
    next_steps = models.JSONField(default=list, blank=True)
    vendor_message = models.TextField(blank=True, help_text="The vendor's own error words (redacted).")
    observed = models.TextField(
        blank=True, help_text="What the portal itself saw, e.g. a time-out or a name that does not resolve."
    )
    facts = models.JSONField(default=list, blank=True, help_text="Pairs shown beside the diagnosis.")
    error = models.TextField(blank=True, help_text="A portal-side failure (not the vendor's answer).")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["integration", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.integration} {self.endpoint} {self.diagnosis or self.status}"

    @property
    def ok(self) -> bool:
        return self.diagnosis == Code.OK

    @property
    def is_done(self) -> bool:
        return self.status in (RunStatus.FINISHED, RunStatus.FAILED)

    @staticmethod
    def new_batch() -> uuid.UUID:
        return uuid.uuid4()
