"""Every admin page a user can reach, found from `admin.site._registry` and the URL patterns.

A page added later is walked without anyone listing it: each ModelAdmin's URL patterns are filled
from the objects of a realistic dataset (`build_dataset`), and a URL argument the walker does not
know how to fill fails the walk, naming the pattern, instead of being skipped in silence.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.auth.models import User
from django.db.models import Model
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from integrations.models import (
    ApiToken,
    Integration,
    PullSchedule,
    Report,
    ReportRun,
    ScheduleKind,
    TestRun,
)
from integrations.registry import VENDORS
from integrations.services import allowlists, credentials, pulls, reports, schedules, testing
from integrations.services.audit import CLI, Actor
from tests.factories import UserFactory, WorkerHeartbeatFactory
from tests.sandbox import VENDOR_KEYS, SandboxFactory

ROLES: dict[str, dict[str, Any]] = {
    "superuser": {"is_superuser": True},
    "integration_admin": {"groups": ["Integration admins"]},
    "support": {"groups": ["Support"]},
    "report_viewer": {"groups": ["Report viewers"]},
}
# Views that change state when posted and are not ours to post to in a walk.
NEVER_POST = {"logout"}
# Site-level pages that need an object of a model with a public URL, which none of ours has.
NOT_WALKED = {"view_on_site": "no model has get_absolute_url"}


@dataclass
class Dataset:
    users: dict[str, User]
    integrations: dict[str, Integration]
    batch: uuid.UUID
    report_run: ReportRun


@dataclass(frozen=True)
class Page:
    url: str
    name: str
    model_admin: ModelAdmin[Any] | None
    obj: Model | None
    callback: Callable[..., Any]
    query: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return self.url + self.query

    @property
    def ours(self) -> bool:
        """A workflow view of the portal's own (it declares its permissions)."""
        return hasattr(self.callback, "required_permissions")


def build_dataset(sandbox: SandboxFactory) -> Dataset:
    """The five sandbox integrations and one of everything the admin shows."""
    users = {role: UserFactory.create(username=role, **kwargs) for role, kwargs in ROLES.items()}
    data_start = (timezone.now() - timedelta(days=2)).isoformat()
    # A day and a half of hourly calls at the PBX: call records, and a report with figures.
    calls: dict[str, Any] = {"data_size": 48, "data_start": data_start, "data_spacing_seconds": 3600}
    boxes = {
        vendor: sandbox(vendor, name=f"sandbox-{vendor}", **(calls if vendor == "voipcloud" else {}))
        for vendor in VENDOR_KEYS
    }
    integrations = {vendor: box.integration for vendor, box in boxes.items()}
    # Some of it done by a person, so pages show who (and whether that is a link a role may follow).
    person = Actor(user=users["superuser"], label="superuser")
    for integration in integrations.values():
        testing.start(integration, None, {}, person if integration.vendor == "vcclive" else CLI, inline=True)
        integration.owner = users["superuser"]
        integration.save(update_fields=["owner"])
    batch = TestRun.new_batch()
    for vendor in ("vcclive", "voipcloud"):
        testing.start(integrations[vendor], None, {}, CLI, via="connectivity", batch=batch, inline=True)
    pulls.start(integrations["voipcloud"], "user_calls", person, inline=True)
    pulls.start(integrations["vcclive"], "projects", CLI, inline=True)

    vcc, pbx, studio = integrations["vcclive"], integrations["voipcloud"], integrations["voipstudio"]
    for schedule in (
        PullSchedule(integration=pbx, resource="user_calls", kind=ScheduleKind.INTERVAL, every_minutes=15),
        PullSchedule(
            integration=vcc,
            resource="cdrs",
            kind=ScheduleKind.CRONTAB,
            cron_minute="*/30",
            cron_hour="8-18",
            cron_day_of_week="mon-fri",
        ),
    ):
        schedule.save()
        schedules.sync(schedule, CLI, created=True)
    allowlists.add_entry(vcc, "198.51.100.9", person, kind="vendor", note="office NAT")
    allowlists.add_entry(vcc, "2001:db8::/32", CLI, kind="inbound")
    token = ApiToken(integration=studio, name="reporting", expires_at=timezone.now() + timedelta(days=90))
    token.set_value("walk-token-0123456789abcdef")
    token.save()
    credentials.save_credentials(vcc, {"password": "rotated-password-0001"}, CLI, note="rotated")
    report = Report.objects.create(name="daily-calls", timezone="UTC", recipients="ops@example.com")
    report.integrations.add(pbx)
    reports.sync_schedule(report, CLI, created=True)
    report_run = reports.run(report, person, trigger="manual")
    WorkerHeartbeatFactory.create()
    return Dataset(users=users, integrations=integrations, batch=batch, report_run=report_run)


def _patterns(resolver_patterns: list[Any]) -> Iterator[URLPattern]:
    for pattern in resolver_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns)
        else:
            yield pattern


def _objects(model_admin: ModelAdmin[Any], per_model: int) -> list[Model]:
    queryset = model_admin.model._default_manager.order_by("pk")
    # Every integration: each has its own test page and vendor form.
    return list(queryset) if model_admin.model is Integration else list(queryset[:per_model])


def _values(name: str, obj: Model | None, dataset: Dataset) -> list[Any] | None:
    """Values for URL argument `name` on `obj`'s pages; None when the walker does not know it."""
    if name in ("object_id", "pk", "id", "run_id"):
        return [obj.pk] if obj is not None else None
    if name == "field" and isinstance(obj, Integration):
        return sorted(obj.connector.sensitive_fields())[:1]
    if name == "batch":
        return [dataset.batch]
    if name == "app_label":
        return sorted({m._meta.app_label for m in admin.site._registry})
    return None


def _queries(name: str, obj: Model | None, dataset: Dataset) -> list[str]:
    """Query-string variants a user reaches by clicking (the vendor chooser, a popup, ?run=)."""
    if name == "integrations_integration_add":
        popup = "_to_field=id&_popup=1"
        vendors = [f"?vendor={key}" for key in VENDORS] + [f"?vendor={key}&{popup}" for key in VENDORS]
        return ["", f"?{popup}", *vendors]
    if name == "integrations_integration_test" and isinstance(obj, Integration):
        run = obj.test_runs.first()
        endpoints = [f"?endpoint={e.key}" for e in obj.connector.endpoints]
        return ["", *(f"?run={run.pk}" for run in [run] if run), *endpoints]
    if name == "integrations_pullrun_progress":
        return [
            "",
            "?"
            + "&".join(
                f"id={pk}" for pk in dataset.integrations["voipcloud"].pull_runs.values_list("pk", flat=True)
            ),
        ]
    return [""]


class UnknownArgument(AssertionError):
    pass


def admin_pages(dataset: Dataset, per_model: int = 3) -> list[Page]:
    """Every named admin URL with each of its argument values, and the variants users click."""
    pages: list[Page] = []
    for pattern in admin.site.get_urls():
        if isinstance(pattern, URLPattern) and pattern.name and pattern.name not in NOT_WALKED:
            pages.extend(_filled(pattern, None, None, dataset))
    for model_admin in admin.site._registry.values():
        objects = _objects(model_admin, per_model)
        for pattern in _patterns(model_admin.get_urls()):
            if not pattern.name:
                continue  # Django's legacy <object_id>/ redirect to the change page
            arguments = _argument_names(pattern)
            targets: list[Model | None] = (
                list(objects) if arguments & {"object_id", "pk", "id", "run_id"} else [None]
            )
            for obj in targets:
                pages.extend(_filled(pattern, model_admin, obj, dataset))
    return pages


def _argument_names(pattern: URLPattern) -> set[str]:
    return set(pattern.pattern.regex.groupindex)  # named groups of path() and re_path() alike


def _filled(
    pattern: URLPattern, model_admin: ModelAdmin[Any] | None, obj: Model | None, dataset: Dataset
) -> list[Page]:
    assert pattern.name
    combos: list[dict[str, Any]] = [{}]
    for name in sorted(_argument_names(pattern)):
        values = _values(name, obj, dataset)
        if values is None:
            raise UnknownArgument(
                f"the walk cannot fill <{name}> of {pattern.name!r}: teach tests/admin_walk.py"
            )
        combos = [{**combo, name: value} for combo in combos for value in values]
    applies = getattr(pattern.callback, "applies_to", None)
    if applies is not None and obj is not None and not applies(obj):
        return []  # a page this object does not have (e.g. webhooks of a vendor that sends none)
    pages = []
    for kwargs in combos:
        url = reverse(f"admin:{pattern.name}", kwargs=kwargs)
        for query in _queries(pattern.name, obj, dataset):
            pages.append(Page(url, pattern.name, model_admin, obj, pattern.callback, query))
    return pages


def may_open(page: Page, user: User) -> bool | None:
    """Whether `user` may open `page`, from the ModelAdmin's own checks; None = not judged here."""
    if page.ours:
        return user.has_perms(getattr(page.callback, "required_permissions", ()))
    model_admin = page.model_admin
    if model_admin is None:
        return None
    request = RequestFactory().get(page.address)
    request.user = user
    name = page.name
    if name.endswith("_add"):
        return model_admin.has_add_permission(request)
    if name.endswith("_delete"):
        return model_admin.has_delete_permission(request, page.obj)
    if name.endswith("_password_change"):
        return model_admin.has_change_permission(request, page.obj)
    return model_admin.has_view_or_change_permission(request, page.obj)
