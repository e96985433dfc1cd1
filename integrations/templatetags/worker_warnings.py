"""`{% worker_warnings %}`: the admin's notice that background work is not being done."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from integrations.services import workers

register = template.Library()


@register.simple_tag
def worker_warnings() -> SafeString | str:
    found = workers.warnings()
    if not found:
        return ""
    items = format_html_join("", '<li class="warning">{}</li>', ((text,) for text in found))
    return format_html('<ul class="messagelist worker-warnings">{}</ul>', items)
