"""Query filters of the call list, documented in the schema by drf-spectacular."""

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms

from integrations.models import CallRecord
from integrations.vendors.resources import DIRECTIONS, OUTCOMES


class SafeDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time, given to the database in UTC: PostgreSQL takes no offset beyond 15:59,
    and a time too near the end of the calendar to convert is a 400, not a server error."""

    def to_python(self, value: Any) -> datetime | None:
        result: datetime | None = super().to_python(value)
        if result is None or result.tzinfo is None:
            return result
        try:
            return result.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("is out of range") from None


class SafeDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = SafeDateTimeField


class CallRecordFilter(django_filters.FilterSet):
    integration = django_filters.CharFilter(
        field_name="integration__name", help_text="An integration's name."
    )
    since = SafeDateTimeFilter(
        field_name="started_at", lookup_expr="gte", help_text="Calls started at or after (ISO 8601)."
    )
    until = SafeDateTimeFilter(field_name="started_at", lookup_expr="lt", help_text="Calls started before.")
    direction = django_filters.ChoiceFilter(choices=[(d, d) for d in DIRECTIONS])
    agent = django_filters.CharFilter(help_text="The user or agent, exactly as stored.")
    queue = django_filters.CharFilter(help_text="The queue or group, exactly as stored.")
    answered = django_filters.BooleanFilter()
    outcome = django_filters.ChoiceFilter(choices=list(OUTCOMES.items()))

    class Meta:
        model = CallRecord
        fields = ["integration", "since", "until", "direction", "agent", "queue", "answered", "outcome"]
