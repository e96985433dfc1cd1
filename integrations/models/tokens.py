from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from integrations.fields import EncryptedTextField
from integrations.models.credentials import mask


class TokenKind(models.TextChoices):
    API = "api", "API token"
    ACCESS = "access", "Session access token"
    REFRESH = "refresh", "Session refresh token"


class ApiToken(models.Model):
    """A token a vendor issued to us (e.g. a VoIPstudio API key): value encrypted, shown masked."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="The name the token has at the vendor.")
    kind = models.CharField(max_length=16, choices=TokenKind.choices, default=TokenKind.API)
    vendor_id = models.CharField(max_length=64, blank=True, help_text="The vendor's own id of the token.")
    value = EncryptedTextField()
    value_hint = models.CharField("token", max_length=16, blank=True, editable=False)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Blank: never expires.")
    idle_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="An idle expiry: every request moves expires_at this far ahead (VoIPstudio).",
    )
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="Updated at most once a minute.")
    last_verified_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    renew_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="The last renewal that failed: a person must look."
    )
    renew_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["integration", "-issued_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} {self.value_hint}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.issued_at and self.expires_at and self.expires_at <= self.issued_at:
            errors["expires_at"] = "A token expires after it was issued: give a later expiry (or none)."
        if self.issued_at and self.revoked_at and self.revoked_at < self.issued_at:
            errors["revoked_at"] = "A token cannot be revoked before it was issued."
        if errors:
            raise ValidationError(errors)

    def set_value(self, value: str) -> None:
        self.value = value
        self.value_hint = mask(value)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
