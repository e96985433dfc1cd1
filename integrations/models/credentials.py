from typing import Any

from django.conf import settings
from django.db import models

from integrations.fields import EncryptedJSONField


class CredentialState(models.TextChoices):
    ACTIVE = "active", "Active"
    STAGED = "staged", "Staged (being rotated in)"
    # Kept, but no rollback is offered yet: the label promises nothing the portal cannot do.
    PREVIOUS = "previous", "Previous"
    RETIRED = "retired", "Retired"


def mask(secret: str) -> str:
    """At most the last 4 characters, and none at all of a short secret."""
    if len(secret) >= 16:
        return "••••" + secret[-4:]
    return "••••"


class CredentialVersion(models.Model):
    """One version of an integration's credentials: public fields in clear, secrets encrypted.

    Public fields are versioned with the secrets so that a rollback restores exactly what worked
    (e.g. ipSCAPE's active key number, or VoIPstudio's switch from login to API token).
    """

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="credential_versions"
    )
    version = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=CredentialState.choices, db_index=True)
    public_values = models.JSONField(default=dict, blank=True, help_text="Non-secret fields.")
    secret_values = EncryptedJSONField(help_text="Secret fields, Fernet-encrypted as one value.")
    secret_hints = models.JSONField(
        default=dict, blank=True, help_text="Masked form of each secret (last 4 characters at most)."
    )
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("issued", auto_now_add=True, help_text="When this version was made.")
    activated_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="When the vendor stops accepting it, where known."
    )
    last_used_at = models.DateTimeField(
        null=True, blank=True, help_text="Last request sent with it (updated at most once a minute)."
    )
    last_verified_at = models.DateTimeField(
        null=True, blank=True, help_text="Last live test request it passed."
    )
    secret_set_at = models.JSONField(
        default=dict,
        blank=True,
        help_text="When each secret got the value it has here (ISO dates; no values): its age.",
    )
    api_token = models.ForeignKey(
        "integrations.ApiToken",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The vendor-issued token this version carries, if the portal minted it.",
    )

    class Meta:
        ordering = ["integration", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "version"], name="credential_version_unique"),
            models.UniqueConstraint(
                fields=["integration"],
                condition=models.Q(state="active"),
                name="one_active_credential_version",
            ),
            models.UniqueConstraint(
                fields=["integration"],
                condition=models.Q(state="staged"),
                name="one_staged_credential_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.integration} v{self.version} ({self.state})"

    def set_secrets(self, secrets: dict[str, str]) -> None:
        self.secret_values = secrets
        self.secret_hints = {name: mask(value) for name, value in secrets.items()}

    def secret(self, name: str) -> str:
        """Decrypts: call only where the secret is about to be used or deliberately revealed."""
        values: dict[str, Any] = self.secret_values or {}
        return str(values.get(name, ""))
