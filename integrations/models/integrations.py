import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from integrations.registry import get_connector, vendor_choices
from integrations.vendors.base import Connector

if TYPE_CHECKING:
    from integrations.models.credentials import CredentialVersion


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Australia/Sydney).")


class Integration(models.Model):
    """One account at one vendor. Its credentials live in versions (see CredentialVersion)."""

    vendor = models.CharField(
        max_length=32, choices=vendor_choices, help_text="Which vendor API this integration talks to."
    )
    name = models.CharField(max_length=100, unique=True, help_text="A unique name, used by the CLI.")
    base_url_override = models.URLField(
        "base URL override",
        blank=True,
        help_text="Leave blank to use the vendor's address built from the account fields. "
        "An address typed here counts as approved for outbound requests.",
    )
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="The vendor account's time zone: naive vendor timestamps are read in it.",
    )
    enabled = models.BooleanField(default=True, help_text="Disabled integrations run no schedules.")
    notes = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_integrations",
        help_text="Who to ask about this integration.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("run_test", "Can run test requests and connectivity checks"),
            ("reveal_secret", "Can reveal a stored secret"),
            ("run_side_effect_test", "Can send test requests that change something at the vendor"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def connector(self) -> type[Connector]:
        return get_connector(self.vendor)

    @property
    def vendor_label(self) -> str:
        return self.connector.label

    @property
    def active_credentials(self) -> "CredentialVersion | None":
        from integrations.models.credentials import CredentialState

        return self.credential_versions.filter(state=CredentialState.ACTIVE).first()

    @property
    def public_values(self) -> dict[str, str]:
        active = self.active_credentials
        return dict(active.public_values) if active else {}

    @property
    def base_url(self) -> str:
        if self.base_url_override:
            return self.base_url_override
        return self.connector.default_base_url(self.public_values) or ""
