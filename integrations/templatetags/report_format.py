"""Template filters of the report page and e-mail: the same words as `services.report_text`."""

from typing import Any

from django import template

from integrations.services import report_text

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    return report_text.duration(seconds)


@register.filter
def answered_rate(row: dict[str, Any]) -> str:
    return report_text.percent(report_text.answered_rate(row))


@register.filter
def label(row: dict[str, Any]) -> str:
    return report_text.label(row)


@register.filter
def thousands(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"
