from typing import Any

from django.conf import settings
from django.db import models

from integrations.addresses import network_contains, normalize_network, validate_network


class AllowlistKind(models.TextChoices):
    INBOUND = "inbound", "Allowed to call us (webhooks)"
    VENDOR = "vendor", "Registered at the vendor (our egress address)"


class AllowlistEntry(models.Model):
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="allowlist"
    )
    kind = models.CharField(
        max_length=16,
        choices=AllowlistKind.choices,
        default=AllowlistKind.INBOUND,
        help_text="Inbound: may call the portal for this integration. "
        "Vendor: an address of ours registered in the vendor's own allowlist.",
    )
    cidr = models.CharField(
        "address or network",
        max_length=49,
        validators=[validate_network],
        help_text="IPv4/IPv6 address or CIDR network, e.g. 203.0.113.0/24 or 2001:db8::/32.",
    )
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["integration", "kind", "cidr"]
        verbose_name = "allowlist entry"
        verbose_name_plural = "allowlist entries"
        constraints = [
            models.UniqueConstraint(fields=["integration", "kind", "cidr"], name="allowlist_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.cidr} ({self.get_kind_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.cidr = normalize_network(self.cidr)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.cidr = normalize_network(self.cidr)

    def contains(self, address: str) -> bool:
        return network_contains(self.cidr, address)
