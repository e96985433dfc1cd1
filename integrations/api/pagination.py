"""Cursor pagination: stable while new rows arrive (a CRM syncing calls never skips or repeats one)."""

from datetime import UTC

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request


class NewestFirst(CursorPagination):
    """Ordered by a time, newest first; the cursor's position is that time."""

    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 1000

    def decode_cursor(self, request: Request) -> Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        # A cursor is the client's text: its time must parse, and reaches the database in UTC
        # (PostgreSQL refuses offsets beyond 15:59), or the cursor is not one of ours.
        try:
            moment = parse_datetime(str(cursor.position))
            if moment is None or moment.tzinfo is None:
                raise ValueError(cursor.position)
            position = moment.astimezone(UTC).isoformat()
        except (ValueError, OverflowError):
            raise NotFound(self.invalid_cursor_message) from None
        # (The stubs type a position as an int; DRF's are the ordering field's value as text.)
        return Cursor(offset=cursor.offset, reverse=cursor.reverse, position=position)  # type: ignore[arg-type]


class CallsNewestFirst(NewestFirst):
    ordering = ("-started_at", "-id")


class RunsNewestFirst(NewestFirst):
    ordering = ("-created_at", "-id")
