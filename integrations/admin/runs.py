from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import URLPattern, path
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from integrations.admin import testing as views
from integrations.admin.people import RequestedByMixin
from integrations.admin.permissions import requires
from integrations.models import TestRun

VIEW_PERMISSION = "integrations.view_testrun"


@admin.register(TestRun)
class TestRunAdmin(RequestedByMixin, admin.ModelAdmin):
    """Every test request, filterable; each one's page shows the whole result. Read-only."""

    list_display = [
        "created_at",
        "integration",
        "endpoint_label",
        "outcome",
        "status_code",
        "latency_ms",
        "requested_by_name",
        "requested_via",
    ]
    list_filter = ["diagnosis", "status", "integration__vendor", "integration", "requested_via", "created_at"]
    search_fields = ["integration__name", "endpoint", "diagnosis_title"]
    list_select_related = ["integration", "requested_by"]
    date_hierarchy = "created_at"
    fields = ("integration", "endpoint_label", "requested_by_name", "requested_via", "created_at", "result")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="diagnosis", ordering="diagnosis")
    def outcome(self, run: TestRun) -> SafeString:
        if not run.is_done:
            return format_html('<span class="diagnosis pending">{}</span>', run.get_status_display())
        code = run.diagnosis or "failed"
        return format_html(
            '<span class="diagnosis {}" title="{}">{}</span>',
            "ok" if run.ok else "bad",
            run.diagnosis_title,
            code,
        )

    @admin.display(description="result")
    def result(self, run: TestRun) -> SafeString:
        # Our own template, autoescaped: safe to mark.
        return mark_safe(views.render_result(run))  # noqa: S308

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        site = self.admin_site
        may_see = requires(VIEW_PERMISSION)
        may_poll = requires(VIEW_PERMISSION, json=True)
        return [
            path(
                "<int:run_id>/status/",
                wrap(may_poll(lambda request, run_id: views.test_status_view(site, request, run_id))),
                name="integrations_testrun_status",
            ),
            path(
                "batch/<uuid:batch>/",
                wrap(may_see(lambda request, batch: views.batch_view(site, request, batch))),
                name="integrations_testrun_batch",
            ),
            path(
                "batch/<uuid:batch>/status/",
                wrap(may_poll(lambda request, batch: views.batch_status_view(site, request, batch))),
                name="integrations_testrun_batch_status",
            ),
            *super().get_urls(),
        ]
