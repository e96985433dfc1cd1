"""People shown as their user names rather than as links.

Django links a read-only user field to that user's admin page, which only those who manage users
may open: a Support agent, an integration admin or a Report viewer following it got a 403 (the
admin walk's link check).
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser


def username(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else "—"


class RequestedByMixin:
    """For admins of runs with a `requested_by` user: show it with `requested_by_name`."""

    @admin.display(description="requested by", ordering="requested_by__username")
    def requested_by_name(self, obj: Any) -> str:
        return username(obj.requested_by)
