"""Webhooks in the admin: the URL and refusals on the integration page, "Send test event", events."""

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import AdminSite
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from integrations.admin.permissions import requires
from integrations.models import AllowlistKind, Integration, RefusalReason, WebhookEvent
from integrations.services import webhooks
from integrations.services.audit import Actor
from integrations.services.clients import request_address


def panel_html(integration: Integration) -> SafeString:
    """The webhook URL (with a copy button), how to paste it into the PBX, and what was refused."""
    endpoint = webhooks.endpoint_for(integration)
    if endpoint is None:
        return mark_safe("")
    active = integration.active_credentials
    secret_field = integration.connector.webhook_code.secret_field  # type: ignore[union-attr]
    context = {
        "integration": integration,
        "endpoint": endpoint,
        "url": webhooks.webhook_url(integration),
        "secret_hint": active.secret_hints.get(secret_field) if active else None,
        "inbound": integration.allowlist.filter(kind=AllowlistKind.INBOUND).count(),
        "events_url": reverse("admin:integrations_webhookevent_changelist")
        + f"?integration__id__exact={integration.pk}",
    }
    # Our own template, autoescaped: safe to mark.
    return mark_safe(render_to_string("integrations/webhook_panel.html", context))  # noqa: S308


class WebhookAdminMixin:
    """For IntegrationAdmin: a "Webhook" fieldset and the "Send test event" page."""

    admin_site: AdminSite

    def webhook_fieldsets(self, obj: Integration | None) -> list[Any]:
        if obj is None or obj.connector.webhook_code is None:
            return []
        return [("Webhook (the PBX calls the portal)", {"fields": ["webhook_panel"]})]

    @admin.display(description="webhook")
    def webhook_panel(self, obj: Integration) -> SafeString:
        return panel_html(obj)

    def webhook_urls(self) -> list[URLPattern]:
        site = self.admin_site
        view = requires(webhooks.TEST_PERMISSION)(lambda request, pk: test_event_view(site, request, pk))
        # Only vendors that send webhooks have the page (others get a 404); the admin walk asks this.
        view.applies_to = receives_webhooks  # type: ignore[attr-defined]
        return [
            path(
                "<int:pk>/webhook-test/", site.admin_view(view), name="integrations_integration_webhook_test"
            )
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        integration = Integration.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if (
            integration is not None
            and integration.connector.webhook_code is not None
            and request.user.has_perm(webhooks.TEST_PERMISSION)
        ):
            extra_context = {
                **(extra_context or {}),
                "webhook_test_url": reverse(
                    "admin:integrations_integration_webhook_test", args=[integration.pk]
                ),
            }
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]


def receives_webhooks(integration: Integration) -> bool:
    return integration.connector.webhook_code is not None


def test_event_view(site: AdminSite, request: HttpRequest, pk: int) -> HttpResponseBase:
    """GET: what the test does; POST: send it and show the answer the PBX would have had."""
    integration = get_object_or_404(Integration, pk=pk)
    if not receives_webhooks(integration):
        raise Http404(f"{integration.vendor_label} sends no webhooks.")
    address = request_address(request)
    result = None
    if request.method == "POST":
        try:
            result = webhooks.send_test_event(integration, Actor.from_request(request), address)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    context = {
        **site.each_context(request),
        "opts": Integration._meta,
        "title": f"Send test event: {integration}",
        "integration": integration,
        "address": address,
        "url": webhooks.webhook_url(integration),
        "result": result,
        "address_refused": result is not None
        and result.event is not None
        and result.event.reason == RefusalReason.ADDRESS.label,
        "panel": panel_html(integration),
    }
    return TemplateResponse(request, "admin/integrations/integration/webhook_test.html", context)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """Every delivery received, as received. Read-only: events are the record of what was sent."""

    list_display = ["received_at", "integration", "kind", "call_id", "outcome", "source_address", "test"]
    list_filter = ["outcome", "test", "kind", "integration"]
    search_fields = ["call_id", "kind", "integration__name"]
    list_select_related = ["integration"]
    date_hierarchy = "received_at"
    fields = (
        "integration",
        "received_at",
        "kind",
        "call_id",
        "outcome",
        "reason",
        "source_address",
        "test",
        "call_record",
        "pretty_body",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="body")
    def pretty_body(self, event: WebhookEvent) -> SafeString | str:
        if event.body is None:
            return "Not kept (only accepted events keep their body)."
        return format_html("<pre>{}</pre>", json.dumps(event.body, indent=2, ensure_ascii=False))
