"""The "Are you sure?" page of an integration delete: its history counted, not listed.

Django's page loads and lists every object a delete takes with it. An integration's call records,
raw records, webhook events, test runs and pull runs number in the hundred thousands after a few
months: at 20,000 call records the page was 2 MB of HTML and took 2 s, and it grows with every
pull. Those are shown as one line each with their count; everything else (credential versions,
allowlist entries, schedules, rotations…) is listed as Django lists it, with its links and its
delete permissions checked.

The history goes with the integration on the permission to delete integrations alone: webhook
events, for one, may not be deleted one by one (they are the record of what the PBX sent), and
Django's check made every integration that had received one impossible to delete.
"""

from collections import Counter
from typing import Any, cast

from django.contrib.admin import AdminSite
from django.contrib.admin.utils import NestedObjects, quote
from django.db import models, router
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from integrations.models import CallRecord, Integration, PullRun, RawRecord, TestRun, WebhookEvent

COUNTED = (CallRecord, RawRecord, WebhookEvent, TestRun, PullRun)


class _CountingCollector(NestedObjects):
    """Collects as the admin does, but only counts the rows of the COUNTED models."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counted: Counter[type[models.Model]] = Counter()

    def related_objects(self, related_model: Any, related_fields: Any, objs: Any) -> Any:
        rows = super().related_objects(related_model, related_fields, objs)
        if related_model not in COUNTED:
            return rows
        # Counted once, by their integration: a test run is reached from its credential version too.
        if any(field.remote_field.model is Integration for field in related_fields):
            self.counted[related_model] += rows.count()
        return rows.none()


def deleted_objects(
    objs: Any, request: HttpRequest, admin_site: AdminSite
) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
    """What `ModelAdmin.get_deleted_objects` returns (django.contrib.admin.utils), the COUNTED
    models as a line with their count each."""
    objs = list(objs)
    if not objs:
        return [], {}, set(), []
    collector = _CountingCollector(using=router.db_for_write(type(objs[0])), origin=objs)
    collector.collect(objs)
    perms_needed: set[str] = set()

    def may_delete(model: type[models.Model], obj: models.Model | None = None) -> None:
        model_admin = admin_site._registry.get(model)
        if model_admin is not None and not model_admin.has_delete_permission(request, obj):
            perms_needed.add(str(model._meta.verbose_name))

    def listed(obj: models.Model) -> Any:
        may_delete(type(obj), obj)
        return _listing(obj, admin_site)

    to_delete = collector.nested(listed)
    # Keyed by model class, whatever django-stubs says.
    model_count = {
        str(cast(type[models.Model], model)._meta.verbose_name_plural): len(instances)
        for model, instances in collector.model_objs.items()
    }
    for model, count in collector.counted.items():
        if count:
            plural = str(model._meta.verbose_name_plural)
            to_delete.append(f"{capfirst(plural)}: {count:,}")
            model_count[plural] = model_count.get(plural, 0) + count
    protected = [_listing(obj, admin_site) for obj in collector.protected]
    return to_delete, model_count, perms_needed, protected


def _listing(obj: models.Model, admin_site: AdminSite) -> Any:
    """One object as Django's page lists it: with a link to its change page where it has one."""
    opts = obj._meta
    label = capfirst(opts.verbose_name)
    if admin_site.is_registered(type(obj)):
        try:
            url = reverse(
                f"{admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=(quote(obj.pk),)
            )
        except NoReverseMatch:
            return f"{label}: {obj}"
        return format_html('{}: <a href="{}">{}</a>', label, url, obj)
    return f"{label}: {obj}"
