"""Cursor pagination: stable while new rows arrive (a CRM syncing calls never skips or repeats one)."""

from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 1000


class CallsNewestFirst(NewestFirst):
    ordering = ("-started_at", "-id")


class RunsNewestFirst(NewestFirst):
    ordering = ("-created_at", "-id")
