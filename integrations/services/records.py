"""Storing pulled rows: an idempotent upsert keyed by the vendor's id, in two steps.

`prepare_page` maps a page's rows (vendor ids, times, normalised calls) and touches no database,
so a pull runs it in a thread of its own; `store_prepared` writes one page in the caller's
transaction. Splitting them lets the mapping of the next page overlap the database work of this
one (SQLite releases the GIL while it writes; see docs/performance.md).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from itertools import chain
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
# The order of `PreparedPage.calls`' values, after the three values every row of a page shares.
ROW_COLUMNS = ("vendor_call_id", *CALL_FIELDS)
INSERT_COLUMNS = ("integration", "first_seen_at", "updated_at", *ROW_COLUMNS)
SQLITE_ROWS = 500


@dataclass
class PreparedPage:
    calls: dict[str, tuple[Any, ...]]
    """CALLS: vendor id → its INSERT parameters in ROW_COLUMNS order, adapted for the database
    (a repeated id within a page: the last one wins)."""
    raws: dict[str, dict[str, Any]]
    """CALLS: vendor id → the row as the vendor sent it."""
    records: dict[str, dict[str, Any]]
    """RAW: vendor id → the values to store."""
    newest: datetime | None
    received: int
    total: int | None
    to_call: Callable[[dict[str, Any]], Call]
    """The row's call again, for the few rows of a later pull that changed since they were stored."""


def prepare_page(connector: type[Connector], resource: Resource, page: Page, tz: tzinfo) -> PreparedPage:
    def to_call(row: dict[str, Any]) -> Call:
        return connector.to_call(resource, row, tz)

    if resource.kind != CALLS:
        records: dict[str, dict[str, Any]] = {}
        newest: datetime | None = None
        for row in page.rows:
            when = connector.row_time(resource, row, tz)
            records[connector.row_id(resource, row)] = {"raw": row, "record_time": when}
            if when is not None and (newest is None or when > newest):
                newest = when
        return PreparedPage({}, {}, records, newest, len(page.rows), page.total, to_call)
    adapt_time = time_adapter()
    calls: dict[str, tuple[Any, ...]] = {}
    raws: dict[str, dict[str, Any]] = {}
    newest = None
    key = resource.key
    for row in page.rows:
        # A call's watermark time is its start (every connector's to_call reads the same field as
        # its row_time), so the row is read once. Everything the INSERT needs is built here, in
        # the mapping thread, so the writing thread only writes. Only plain tuples and the
        # vendor's own dicts outlive this loop: the garbage collector stops tracking both, so a
        # page waiting in the pipeline adds nothing to its full passes (docs/performance.md).
        call = to_call(row)
        when = call.started_at
        vendor_id = call.vendor_call_id
        calls[vendor_id] = (
            vendor_id,
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
            key,
        )
        raws[vendor_id] = row
        if newest is None or when > newest:
            newest = when
    return PreparedPage(calls, raws, {}, newest, len(page.rows), page.total, to_call)


def time_adapter() -> Callable[[datetime], Any]:
    """How the database takes an aware datetime, as fast as a function can say it.

    On SQLite with time zones on and the connection in UTC (the defaults), Django stores naive UTC
    text, `str()` of the naive value; its own adapter reads two settings per call, which on a
    200,000-row pull was a third of the mapping thread's time (docs/performance.md). Here the
    aware UTC value's isoformat without its "+00:00", the same text for a third less. Elsewhere,
    the backend's adapter. Either only formats the value, with no query, so it is safe in the
    mapping thread.
    """
    db = connections[CallRecord.objects.db]
    if db.vendor == "sqlite" and settings.USE_TZ and db.timezone_name == "UTC":
        return lambda value: value.astimezone(UTC).isoformat(" ")[:-6]
    return db.ops.adapt_datetimefield_value


def store_prepared(integration: Integration, resource: Resource, page: PreparedPage) -> tuple[int, int]:
    """Upsert one prepared page; returns (created, updated). Call inside a transaction."""
    if resource.kind == CALLS:
        return _upsert_calls(integration, resource, page)
    return _upsert_raw(integration, resource, page.records)


def _upsert_calls(integration: Integration, resource: Resource, page: PreparedPage) -> tuple[int, int]:
    now = timezone.now()
    created = _insert_new_calls(integration.pk, page.calls, now)
    if created == len(page.calls):
        return created, 0  # every row was new (a first pull's pages): nothing to compare
    changed: list[CallRecord] = []
    for record in CallRecord.objects.filter(integration=integration, vendor_call_id__in=list(page.calls)):
        raw = page.raws[record.vendor_call_id]
        if record.raw != raw and record.resource == resource.key:
            # (A call another resource stored first stays with it: a VoIPcloud queue call is also
            # a user call, and the two must not overwrite each other on every pull.)
            call = page.to_call(raw)
            for name in CALL_ATTRIBUTES:
                setattr(record, name, getattr(call, name))
            record.raw, record.resource = raw, resource.key
            record.updated_at = now  # bulk_update skips auto_now
            changed.append(record)
    CallRecord.objects.bulk_update(changed, [*CALL_FIELDS, "updated_at"], batch_size=500)
    return created, len(changed)


def _insert_new_calls(integration_id: int, calls: Mapping[str, tuple[Any, ...]], now: datetime) -> int:
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
    if db.vendor == "sqlite":
        return _insert_sqlite(db, f"INSERT INTO {table} ({columns}) VALUES", integration_id, stamped, calls)
    rows = [(integration_id, stamped, stamped, *insert) for insert in calls.values()]
    # The raw row arrives as JSON text; PostgreSQL's jsonb wants it cast.
    marks = ", ".join("%s::jsonb" if name == "raw" else "%s" for name in INSERT_COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
    with db.cursor() as cursor:
        cursor.executemany(sql, rows)
        return max(cursor.rowcount, 0)


def _insert_sqlite(
    db: Any, insert: str, integration_id: int, stamped: Any, calls: Mapping[str, tuple[Any, ...]]
) -> int:
    """Many rows a statement, on the DB-API cursor, in the caller's transaction.

    sqlite3 releases the GIL around each statement it steps: one statement a row (executemany) let
    the mapping thread take the GIL 5,000 times a page, and each time the writer waited a switch
    interval to get it back. One statement per SQLITE_ROWS rows (6,502 parameters, under SQLite's
    32,766) writes a page in ten steps; the DB-API cursor also skips Django's rewriting of every
    placeholder. The values every row shares are bound once (?1, ?2) and the prepared tuples are
    bound as they are, so the writer only chains them (docs/performance.md).
    """
    db.ensure_connection()
    rows = list(calls.values())
    cursor = db.connection.cursor()
    inserted = 0
    try:
        for start in range(0, len(rows), SQLITE_ROWS):
            part = rows[start : start + SQLITE_ROWS]
            params: list[Any] = [integration_id, stamped]
            params.extend(chain.from_iterable(part))
            cursor.execute(f"{insert} {_sqlite_values(len(part))} ON CONFLICT DO NOTHING", params)
            inserted += max(cursor.rowcount, 0)
    finally:
        cursor.close()
    return inserted


@lru_cache(maxsize=4)  # a full statement and the last part of recent pages
def _sqlite_values(rows: int) -> str:
    """The VALUES of `rows` rows: the shared integration and time (?1, ?2), then each row's own."""
    width = len(ROW_COLUMNS)
    own = (", ".join(f"?{3 + row * width + i}" for i in range(width)) for row in range(rows))
    return ", ".join(f"(?1, ?2, ?2, {values})" for values in own)


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
