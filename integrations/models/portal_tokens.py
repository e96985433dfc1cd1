"""Tokens the portal issues to other systems (CRMs, ERPs) for its read API.

Not to be confused with `ApiToken`, a token a vendor issued to us. The value is shown once; only
its HMAC-SHA256 digest (keyed by PORTAL_TOKEN_PEPPER) is stored, beside a public key that names it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from integrations.addresses import network_contains

# A token reads `sbt_<key>_<secret>`: the prefix lets secret scanners and people recognise one.
TOKEN_PREFIX = "sbt_"  # noqa: S105 (a prefix, not a token)


class Scope(models.TextChoices):
    CALLS_READ = "calls:read", "Read call records"
    REPORTS_READ = "reports:read", "Read report runs and their CSVs"
    TESTS_RUN = "tests:run", "Run test requests (safe endpoints) and read their runs"
    TESTS_SIDE_EFFECTS = "tests:side-effects", "Also run endpoints with a side effect (e.g. place a call)"


class PortalToken(models.Model):
    name = models.CharField(max_length=100, help_text="What uses it, e.g. 'CRM sync'.")
    key = models.CharField(
        max_length=16, unique=True, editable=False, help_text="The public part of the token, shown in lists."
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="portal_tokens",
        help_text="The token acts as this user: it can never do what the user may not.",
    )
    scopes = models.JSONField(default=list, help_text="What the token may do (see docs/api.md).")
    allowed_ips = models.JSONField(
        default=list, blank=True, help_text="Addresses or CIDR networks it may be used from; empty: any."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Blank: never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="Updated at most once a minute.")
    last_used_address = models.GenericIPAddressField(null=True, blank=True)
    last_used_user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "portal API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def prefix(self) -> str:
        """How the token starts: enough to recognise it, useless to use."""
        return f"{TOKEN_PREFIX}{self.key}_…"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "active"

    def allows_address(self, address: str) -> bool:
        return not self.allowed_ips or any(network_contains(net, address) for net in self.allowed_ips)
