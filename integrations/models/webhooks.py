"""Webhooks a vendor pushes to the portal: one endpoint per integration, and every event received."""

import secrets

from django.db import models


def new_slug() -> str:
    """256 random bits, URL-safe: the webhook URL cannot be guessed or enumerated."""
    return secrets.token_urlsafe(32)


class RefusalReason(models.TextChoices):
    ADDRESS = "address", "address not on the inbound allowlist"
    TOKEN = "token", "wrong or missing X-Pbx-Token"
    NO_SECRET = "no_secret", "no webhook secret stored"


class WebhookEndpoint(models.Model):
    """Where an integration's vendor posts events (`/hooks/<vendor>/<slug>/`), and what it refused."""

    integration = models.OneToOneField(
        "integrations.Integration", on_delete=models.CASCADE, related_name="webhook_endpoint"
    )
    slug = models.CharField(
        max_length=64,
        unique=True,
        default=new_slug,
        editable=False,
        help_text="The random part of the webhook URL (not the integration's id).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_count = models.PositiveIntegerField(
        default=0, help_text="Events accepted (any outcome but refused)."
    )
    last_accepted_at = models.DateTimeField(null=True, blank=True)
    refused_count = models.PositiveIntegerField(default=0, help_text="Requests refused with 401.")
    last_refused_at = models.DateTimeField(null=True, blank=True)
    last_refused_address = models.GenericIPAddressField(null=True, blank=True)
    last_refused_reason = models.CharField(max_length=16, choices=RefusalReason.choices, blank=True)

    class Meta:
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return f"{self.integration} webhook"


class EventOutcome(models.TextChoices):
    STORED = "stored", "Stored (the call record was created or updated)"
    DUPLICATE = "duplicate", "Duplicate (already received; nothing changed)"
    STALE = "stale", "Stale (an earlier stage than the call already stored; kept, not applied)"
    KEPT = "kept", "Kept (not a call state, or a test event; no call record changed)"
    REFUSED = "refused", "Refused (401)"
    INVALID = "invalid", "Invalid (400: not a readable event)"


class WebhookEvent(models.Model):
    """One delivery to a webhook URL, as received. A refused or unreadable delivery keeps no body."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="webhook_events"
    )
    kind = models.CharField("type", max_length=64, blank=True, help_text="The event's `type`.")
    call_id = models.CharField("unique_call_id", max_length=128, blank=True, db_index=True)
    received_at = models.DateTimeField(auto_now_add=True)
    source_address = models.GenericIPAddressField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True, help_text="The JSON body, as sent (accepted events only).")
    body_sha256 = models.CharField(
        max_length=64, blank=True, help_text="Digest of the body in canonical form: finds redeliveries."
    )
    outcome = models.CharField(max_length=16, choices=EventOutcome.choices)
    reason = models.CharField(max_length=200, blank=True, help_text="Why it was refused, invalid or stale.")
    test = models.BooleanField(default=False, help_text="Sent by the admin's 'Send test event' button.")
    # DO_NOTHING (the database still holds the reference) lets an integration's delete, which takes
    # its webhook events too, be one statement per table: SET_NULL made Django load every call
    # record of the integration first, 200,000 rows after a month. A call record deleted on its
    # own goes through `services.records.delete_calls`, which unlinks its events first.
    call_record = models.ForeignKey(
        "integrations.CallRecord", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "webhook event"
        indexes = [
            models.Index(fields=["integration", "-received_at"], name="webhook_event_recent"),
            models.Index(fields=["integration", "body_sha256"], name="webhook_event_body"),
        ]
        permissions = [("send_test_event", "Can send a test webhook event to the portal's own URL")]

    def __str__(self) -> str:
        return f"{self.integration} {self.kind or 'event'} {self.call_id} ({self.outcome})"
