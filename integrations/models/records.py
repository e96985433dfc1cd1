from django.db import models

from integrations.vendors.resources import OUTCOMES


class CallRecord(models.Model):
    """A call pulled from a vendor, normalised across vendors; the vendor's row kept in `raw`."""

    # No index of its own: the unique (integration, vendor id) and (integration, start) indexes lead
    # with it, and every index costs each of a pull's inserts (docs/performance.md).
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="call_records", db_index=False
    )
    resource = models.CharField(max_length=32, help_text="The pullable resource it came from.")
    vendor_call_id = models.CharField(max_length=128)
    direction = models.CharField(max_length=16, default="unknown")
    caller = models.CharField(max_length=128, blank=True)
    callee = models.CharField(max_length=128, blank=True)
    agent = models.CharField("user / agent", max_length=128, blank=True)
    queue = models.CharField("queue or group", max_length=128, blank=True)
    started_at = models.DateTimeField()  # indexed with the integration (Meta.indexes)
    duration_seconds = models.PositiveIntegerField(default=0)
    disposition = models.CharField(
        max_length=64, blank=True, help_text="How the call ended, in the vendor's own words."
    )
    outcome = models.CharField(
        max_length=16,
        choices=list(OUTCOMES.items()),
        default="unknown",
        help_text="How the call ended, in one vocabulary for every vendor (the disposition mapped).",
    )
    answered = models.BooleanField(
        null=True, help_text="Whether someone took the call (empty: unknown); agrees with the outcome."
    )
    raw = models.JSONField()
    first_seen_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "vendor_call_id"], name="call_record_unique")
        ]
        # Lists, reports and the API select by integration and time; an outcome (six values) narrows
        # that range too little to pay for an index every insert maintains.
        indexes = [models.Index(fields=["integration", "started_at"])]

    def __str__(self) -> str:
        return f"{self.integration} {self.vendor_call_id}"


class RawRecord(models.Model):
    """A non-call row pulled from a vendor (projects, debtors, ...), kept as the vendor sent it."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="raw_records"
    )
    resource = models.CharField(max_length=32)
    vendor_id = models.CharField(max_length=128)
    record_time = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField()
    first_seen_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["integration", "resource", "vendor_id"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "resource", "vendor_id"], name="raw_record_unique")
        ]

    def __str__(self) -> str:
        return f"{self.integration} {self.resource} {self.vendor_id}"
