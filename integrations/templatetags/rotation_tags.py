"""`{% rotation_warnings %}` (a person must act on a credential) and `{% rotation_links obj %}`."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from integrations.models import Integration
from integrations.services import credentials
from integrations.services.rotation import renewal

register = template.Library()


@register.simple_tag(takes_context=True)
def rotation_warnings(context: dict[str, Any]) -> SafeString | str:
    request = context.get("request")
    if request is None or not request.user.has_perm("integrations.view_integration"):
        return ""
    found = renewal.warnings()
    if not found:
        return ""
    items = format_html_join(
        "",
        '<li class="warning"><a href="{}">{}</a>: {}</li>',
        (
            (
                reverse("admin:integrations_integration_rotation", args=[w.integration_id]),
                w.integration,
                w.text,
            )
            for w in found
        ),
    )
    return format_html('<ul class="messagelist rotation-warnings">{}</ul>', items)


@register.simple_tag(takes_context=True)
def rotation_links(context: dict[str, Any], integration: Integration | None) -> SafeString | str:
    """The change form's object tools: the wizard, and Rollback when there is something to restore."""
    request = context.get("request")
    if integration is None or integration.pk is None or request is None:
        return ""
    user = request.user
    links = []
    if user.has_perm("integrations.view_rotation") or user.has_perm(credentials.ROTATE_PERMISSION):
        url = reverse("admin:integrations_integration_rotation", args=[integration.pk])
        links.append(
            format_html('<li><a href="{}" class="rotate-credentials">Rotate credentials</a></li>', url)
        )
    if user.has_perm(credentials.ROTATE_PERMISSION) and credentials.rollback_target(integration) is not None:
        url = reverse("admin:integrations_integration_rollback", args=[integration.pk])
        links.append(format_html('<li><a href="{}" class="rollback-credentials">Roll back</a></li>', url))
    return format_html_join("", "{}", ((link,) for link in links))
