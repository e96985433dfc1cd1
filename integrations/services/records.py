"""Storing pulled rows: an idempotent upsert keyed by the vendor's id, in two steps.

`prepare_page` maps a page's rows (vendor ids, times, normalised calls) and touches no database,
so a pull runs it in a thread of its own; `store_prepared` writes one page in the caller's
transaction. Splitting them lets the mapping of the next page overlap the database work of this
one (SQLite releases the GIL while it writes; see docs/performance.md).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

import orjson
from django.conf import settings
from django.db import connections, transaction
from django.db.models import Field, QuerySet
from django.utils import timezone

from integrations.models import CallRecord, Integration, RawRecord, WebhookEvent
from integrations.vendors.base import Connector
from integrations.vendors.resources import CALLS, Call, Page, Resource

# The normalised call's attributes, stored as columns of the same names.
CALL_ATTRIBUTES = (
    "direction",
    "caller",
    "callee",
    "agent",
    "queue",
    "started_at",
    "duration_seconds",
    "disposition",
    "outcome",
    "answered",
)
CALL_FIELDS = (*CALL_ATTRIBUTES, "raw", "resource")
# The order of `PreparedCall.insert`, after the three values every row of a page shares.
ROW_COLUMNS = ("vendor_call_id", *CALL_FIELDS)
INSERT_COLUMNS = ("integration", "first_seen_at", "updated_at", *ROW_COLUMNS)
SQLITE_ROWS = 500


@dataclass
class PreparedCall:
    call: Call
    raw: dict[str, Any]
    insert: tuple[Any, ...]
    """Its INSERT parameters in ROW_COLUMNS order, adapted for the database, built while mapping."""


@dataclass
class PreparedPage:
    calls: dict[str, PreparedCall]
    """CALLS: vendor id → the call to store (a repeated id within a page: the last one wins)."""
    records: dict[str, dict[str, Any]]
    """RAW: vendor id → the values to store."""
    newest: datetime | None
    received: int
    total: int | None


def prepare_page(connector: type[Connector], resource: Resource, page: Page, tz: tzinfo) -> PreparedPage:
    if resource.kind != CALLS:
        records: dict[str, dict[str, Any]] = {}
        newest: datetime | None = None
        for row in page.rows:
            when = connector.row_time(resource, row, tz)
            records[connector.row_id(resource, row)] = {"raw": row, "record_time": when}
            if when is not None and (newest is None or when > newest):
                newest = when
        return PreparedPage({}, records, newest, len(page.rows), page.total)
    adapt_time = time_adapter()
    calls: dict[str, PreparedCall] = {}
    newest = None
    for row in page.rows:
        # A call's watermark time is its start (every connector's to_call reads the same field as
        # its row_time), so the row is read once. Everything the INSERT needs is built here, in
        # the mapping thread, so the writing thread only writes (docs/performance.md).
        call = connector.to_call(resource, row, tz)
        when = call.started_at
        insert = (
            call.vendor_call_id,
            call.direction,
            call.caller,
            call.callee,
            call.agent,
            call.queue,
            adapt_time(when),
            call.duration_seconds,
            call.disposition,
            call.outcome,
            call.answered,
            orjson.dumps(row).decode(),
            resource.key,
        )
        calls[call.vendor_call_id] = PreparedCall(call, row, insert)
        if newest is None or when > newest:
            newest = when
    return PreparedPage(calls, {}, newest, len(page.rows), page.total)


def time_adapter() -> Callable[[datetime], Any]:
    """How the database takes an aware datetime, as fast as a function can say it.

    On SQLite with time zones on and the connection in UTC (the defaults), Django stores naive UTC
    text; its own adapter reads two settings per call, which on a 200,000-row pull was a third of
    the mapping thread's time (docs/performance.md). Elsewhere, the backend's adapter. Either only
    formats the value, with no query, so it is safe in the mapping thread.
    """
    db = connections[CallRecord.objects.db]
    if db.vendor == "sqlite" and settings.USE_TZ and db.timezone_name == "UTC":
        return lambda value: str(value.astimezone(UTC).replace(tzinfo=None))
    return db.ops.adapt_datetimefield_value


def store_prepared(integration: Integration, resource: Resource, page: PreparedPage) -> tuple[int, int]:
    """Upsert one prepared page; returns (created, updated). Call inside a transaction."""
    if resource.kind == CALLS:
        return _upsert_calls(integration, resource, page.calls)
    return _upsert_raw(integration, resource, page.records)


def _upsert_calls(
    integration: Integration, resource: Resource, calls: Mapping[str, PreparedCall]
) -> tuple[int, int]:
    now = timezone.now()
    created = _insert_new_calls(integration.pk, calls, now)
    if created == len(calls):
        return created, 0  # every row was new (a first pull's pages): nothing to compare
    changed: list[CallRecord] = []
    for record in CallRecord.objects.filter(integration=integration, vendor_call_id__in=list(calls)):
        prepared = calls[record.vendor_call_id]
        if record.raw != prepared.raw and record.resource == resource.key:
            # (A call another resource stored first stays with it: a VoIPcloud queue call is also
            # a user call, and the two must not overwrite each other on every pull.)
            for name in CALL_ATTRIBUTES:
                setattr(record, name, getattr(prepared.call, name))
            record.raw, record.resource = prepared.raw, resource.key
            record.updated_at = now  # bulk_update skips auto_now
            changed.append(record)
    CallRecord.objects.bulk_update(changed, [*CALL_FIELDS, "updated_at"], batch_size=500)
    return created, len(changed)


def _insert_new_calls(integration_id: int, calls: Mapping[str, PreparedCall], now: datetime) -> int:
    """Insert the calls not stored yet; returns how many were new.

    Building and compiling a model instance per row is most of what bulk_create costs, and a pull
    of 200,000 calls paid for it 200,000 times (docs/performance.md). ON CONFLICT DO NOTHING
    (SQLite and PostgreSQL alike) leaves stored calls to the comparison that follows.
    """
    if not calls:
        return 0
    db = connections[CallRecord.objects.db]
    ops = db.ops
    columns = ", ".join(ops.quote_name(_column(name)) for name in INSERT_COLUMNS)
    table = ops.quote_name(CallRecord._meta.db_table)
    stamped = ops.adapt_datetimefield_value(now)
    shared = (integration_id, stamped, stamped)
    rows = [shared + prepared.insert for prepared in calls.values()]
    if db.vendor == "sqlite":
        return _insert_sqlite(db, f"INSERT INTO {table} ({columns}) VALUES", rows)
    # The raw row arrives as JSON text; PostgreSQL's jsonb wants it cast.
    marks = ", ".join("%s::jsonb" if name == "raw" else "%s" for name in INSERT_COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
    with db.cursor() as cursor:
        cursor.executemany(sql, rows)
        return max(cursor.rowcount, 0)


def _insert_sqlite(db: Any, insert: str, rows: list[tuple[Any, ...]]) -> int:
    """Many rows a statement, on the DB-API cursor, in the caller's transaction.

    sqlite3 releases the GIL around each statement it steps: one statement a row (executemany) let
    the mapping thread take the GIL 5,000 times a page, and each time the writer waited a switch
    interval to get it back. One statement per SQLITE_ROWS rows (8,000 parameters, under SQLite's
    32,766) writes a page in ten steps; the DB-API cursor also skips Django's rewriting of every
    placeholder (docs/performance.md).
    """
    db.ensure_connection()
    row = "(" + ", ".join("?" * len(INSERT_COLUMNS)) + ")"
    cursor = db.connection.cursor()
    inserted = 0
    try:
        for start in range(0, len(rows), SQLITE_ROWS):
            part = rows[start : start + SQLITE_ROWS]
            values = ", ".join([row] * len(part))
            cursor.execute(f"{insert} {values} ON CONFLICT DO NOTHING", [v for r in part for v in r])
            inserted += max(cursor.rowcount, 0)
    finally:
        cursor.close()
    return inserted


def _column(name: str) -> str:
    field = CallRecord._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column


def _upsert_raw(
    integration: Integration, resource: Resource, rows: Mapping[str, dict[str, Any]]
) -> tuple[int, int]:
    existing = {
        record.vendor_id: record
        for record in RawRecord.objects.filter(
            integration=integration, resource=resource.key, vendor_id__in=list(rows)
        )
    }
    new: list[RawRecord] = []
    changed: list[RawRecord] = []
    now = timezone.now()
    for vendor_id, values in rows.items():
        record = existing.get(vendor_id)
        if record is None:
            new.append(
                RawRecord(integration=integration, resource=resource.key, vendor_id=vendor_id, **values)
            )
        elif record.raw != values["raw"]:
            record.raw, record.record_time, record.updated_at = values["raw"], values["record_time"], now
            changed.append(record)
    RawRecord.objects.bulk_create(new, batch_size=1000)
    RawRecord.objects.bulk_update(changed, ["raw", "record_time", "updated_at"], batch_size=500)
    return len(new), len(changed)


def delete_calls(calls: "QuerySet[CallRecord]") -> None:
    """Delete call records; the webhook events that created or updated them stay, unlinked.

    The database holds that link without an ON DELETE (`WebhookEvent.call_record`, so that an
    integration's delete is one statement per table): it is cleared here first.
    """
    with transaction.atomic():
        WebhookEvent.objects.filter(call_record__in=calls).update(call_record=None)
        calls.delete()
