"""Reports: editable definitions (their beat schedule kept in step) and read-only runs with charts."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from integrations.models import Report, ReportRun
from integrations.services import reports
from integrations.services.audit import Actor
from integrations.services.report_charts import charts


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["name", "period", "run_at_hour", "timezone", "enabled", "last_run"]
    list_filter = ["period", "enabled"]
    filter_horizontal = ["integrations"]
    actions = ["run_now"]

    @admin.display(description="last run")
    def last_run(self, report: Report) -> SafeString | str:
        run = report.runs.order_by("-created_at").first()
        if run is None:
            return "never"
        url = reverse("admin:integrations_reportrun_change", args=[run.pk])
        return format_html('<a href="{}">{} ({})</a>', url, f"{run.period_start:%Y-%m-%d}", run.status)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        reports.sync_schedule(form.instance, Actor.from_request(request), created=not change)

    @admin.action(description="Build now (the last full period)")
    def run_now(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        for report in queryset:
            run = reports.run(report, trigger="manual")
            self.message_user(request, f"{report}: {run.status}")


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["period_start", "report", "status", "calls", "emailed_to", "download"]
    list_filter = ["report", "status"]
    fields = ("report", "period_start", "period_end", "status", "trigger", "emailed_to", "error", "figures")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="calls")
    def calls(self, run: ReportRun) -> int | str:
        return run.numbers.get("totals", {}).get("calls", "—")

    @admin.display(description="CSV")
    def download(self, run: ReportRun) -> SafeString:
        return format_html('<a href="{}">CSV</a>', reverse("admin:integrations_reportrun_csv", args=[run.pk]))

    @admin.display(description="figures")
    def figures(self, run: ReportRun) -> SafeString:
        if not run.numbers:
            return mark_safe("—")
        html = render_to_string("integrations/report_figures.html", {"run": run, "numbers": run.numbers})
        # The template autoescapes; pygal builds its SVG with an XML library, which escapes labels.
        return mark_safe(html + "".join(charts(run.numbers)))  # noqa: S308

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<int:pk>/csv/", self.admin_site.admin_view(self.csv_view), name="integrations_reportrun_csv"
        )
        return [download, *super().get_urls()]

    def csv_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        run = get_object_or_404(ReportRun, pk=pk)
        response = HttpResponse(run.csv, content_type="text/csv")
        response["Content-Disposition"] = (
            f'attachment; filename="{run.report.name}-{run.period_start:%Y-%m-%d}.csv"'
        )
        return response
