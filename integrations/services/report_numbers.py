"""The numbers of a call report: aggregate queries in the report's time zone, names for vendor ids.

Everything is counted by the database (GROUP BY), never by a Python loop over the calls, so a
report over any number of call records costs the same dozen queries.
"""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, TruncDate

from integrations.models import CallRecord, Integration, RawRecord, Report
from integrations.registry import UnknownVendor, get_connector

Period = tuple[datetime, datetime]
FORMAT = 2
"""Bumped when the shape of `ReportRun.numbers` changes: pages draw only the shape they know."""
MEASURES = ("calls", "answered", "missed", "total_seconds", "average_answered_seconds")


def _measures() -> dict[str, Any]:
    return {
        "calls": Count("id"),
        # (Named apart from the `answered` field, which an aggregate may not shadow.)
        "answered_calls": Count("id", filter=Q(answered=True)),
        "missed_calls": Count("id", filter=Q(answered=False)),
        "total_seconds": Sum("duration_seconds"),
        "average_answered_seconds": Avg("duration_seconds", filter=Q(answered=True)),
    }


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    row["answered"], row["missed"] = row.pop("answered_calls"), row.pop("missed_calls")
    row["total_seconds"] = row["total_seconds"] or 0
    average = row["average_answered_seconds"]
    row["average_answered_seconds"] = round(average, 1) if average is not None else None
    return row


def _empty() -> dict[str, Any]:
    return {"calls": 0, "answered": 0, "missed": 0, "total_seconds": 0, "average_answered_seconds": None}


def _calls(scope: list[int] | None, period: Period) -> QuerySet[CallRecord]:
    calls = CallRecord.objects.filter(started_at__gte=period[0], started_at__lt=period[1])
    return calls if scope is None else calls.filter(integration_id__in=scope)


def _totals(calls: QuerySet[CallRecord]) -> dict[str, Any]:
    return _clean(dict(calls.aggregate(**_measures())))


def _per_hour(calls: QuerySet[CallRecord], zone: ZoneInfo) -> list[dict[str, Any]]:
    rows = calls.annotate(hour=ExtractHour("started_at", tzinfo=zone)).values("hour").annotate(**_measures())
    found = {row.pop("hour"): _clean(row) for row in rows}
    return [{"hour": hour, **found.get(hour, _empty())} for hour in range(24)]


def _per_day(calls: QuerySet[CallRecord], zone: ZoneInfo, period: Period) -> list[dict[str, Any]]:
    rows = calls.annotate(day=TruncDate("started_at", tzinfo=zone)).values("day").annotate(**_measures())
    found = {row.pop("day"): _clean(row) for row in rows}
    first, end = period[0].astimezone(zone).date(), period[1].astimezone(zone).date()
    days = [first + timedelta(days=n) for n in range((end - first).days)]
    return [{"day": day.isoformat(), **found.get(day, _empty())} for day in days]


def _per_integration(calls: QuerySet[CallRecord], integrations: dict[int, Any]) -> list[dict[str, Any]]:
    rows = calls.values("integration_id").annotate(**_measures()).order_by("-calls", "integration_id")
    return [
        {"key": integrations[row["integration_id"]]["name"], **{m: row[m] for m in MEASURES}}
        for row in map(_clean, rows)
    ]


def _per_vendor_id(
    calls: QuerySet[CallRecord], field: str, integrations: dict[int, Any]
) -> list[dict[str, Any]]:
    """Rows per (integration, value of `field`): two vendors' "2" are two different queues."""
    rows = [
        _clean(row)
        for row in calls.exclude(**{field: ""})
        .values("integration_id", field)
        .annotate(**_measures())
        .order_by("-calls", "integration_id", field)
    ]
    names = _names(field, {row["integration_id"] for row in rows}, integrations)
    return [
        {
            "integration": integrations[row["integration_id"]]["name"],
            "key": row[field],
            "name": names.get((row["integration_id"], row[field])),
            **{m: row[m] for m in MEASURES},
        }
        for row in rows
    ]


def _names(field: str, integration_ids: set[int], integrations: dict[int, Any]) -> dict[tuple[int, str], str]:
    """Display names of the ids in `field`, from where each vendor's connector says they live.

    One query per distinct (resource, name field) source, reading that directory of the
    integrations concerned: its size is the number of users or queues, not the number of calls.
    """
    sources: dict[tuple[str, str], list[int]] = {}
    for integration_id in integration_ids:
        try:
            connector = get_connector(integrations[integration_id]["vendor"])
        except UnknownVendor:
            continue  # a vendor no longer registered: its ids stay ids
        source = connector.name_sources.get(field)
        if source is not None:
            sources.setdefault(source, []).append(integration_id)
    names: dict[tuple[int, str], str] = {}
    for (resource, name_field), ids in sources.items():
        directory = RawRecord.objects.filter(integration_id__in=ids, resource=resource).values_list(
            "integration_id", "vendor_id", f"raw__{name_field}"
        )
        for integration_id, vendor_id, name in directory:
            if name not in (None, ""):
                names[(integration_id, vendor_id)] = str(name)
    return names


def compute(report: Report, period: Period, previous: Period) -> dict[str, Any]:
    """Every number of the report, as plain JSON-able data (ids kept beside the names)."""
    zone = report.zone
    scope = list(report.integrations.values_list("pk", flat=True)) or None
    integrations = {
        row["id"]: row
        for row in (Integration.objects.filter(pk__in=scope) if scope else Integration.objects.all()).values(
            "id", "name", "vendor"
        )
    }
    calls, before = _calls(scope, period), _calls(scope, previous)
    numbers: dict[str, Any] = {
        "format": FORMAT,
        "period": [period[0].isoformat(), period[1].isoformat()],
        "kind": report.period,
        "timezone": report.timezone,
        "totals": _totals(calls),
        "per_integration": _per_integration(calls, integrations),
        "per_queue": _per_vendor_id(calls, "queue", integrations),
        "per_user": _per_vendor_id(calls, "agent", integrations),
        "busiest_hours": _per_hour(calls, zone),
        "previous": {"period": [previous[0].isoformat(), previous[1].isoformat()], "totals": _totals(before)},
    }
    if report.is_weekly:
        numbers["per_day"] = _per_day(calls, zone, period)
        numbers["previous"]["per_day"] = _per_day(before, zone, previous)
    else:
        numbers["previous"]["busiest_hours"] = _per_hour(before, zone)
    return numbers
