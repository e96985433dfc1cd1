from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from integrations.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit rows are append-only, nobody edits or deletes them here."""

    list_display = ["at", "actor_label", "action", "target_repr", "integration", "source_ip"]
    list_filter = ["action", "actor_label"]
    search_fields = ["target_repr", "actor_label", "action"]
    date_hierarchy = "at"
    list_select_related = ["integration"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
