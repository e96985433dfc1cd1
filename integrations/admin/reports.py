"""Reports: editable definitions (their beat schedule kept in step) and read-only runs with charts."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe

from integrations.admin.people import RequestedByMixin
from integrations.models import Report, ReportRun
from integrations.services import reports
from integrations.services.audit import Actor
from integrations.services.report_charts import charts
from integrations.services.report_numbers import FORMAT
from integrations.services.report_text import figures_context


def _run_link(run: ReportRun) -> SafeString:
    url = reverse("admin:integrations_reportrun_change", args=[run.pk])
    return format_html('<a href="{}">{}</a> ({})', url, run.period_label, run.status)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["name", "period", "run_at_hour", "timezone", "enabled", "last_run"]
    list_filter = ["period", "enabled"]
    filter_horizontal = ["integrations"]
    actions = ["run_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        # The last run's link, fetched with the list: one query, however many reports.
        last = ReportRun.objects.filter(report=OuterRef("pk")).order_by("-created_at", "-id")
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_run_id=Subquery(last.values("pk")[:1]),
                last_run_start=Subquery(last.values("period_start")[:1]),
                last_run_end=Subquery(last.values("period_end")[:1]),
                last_run_status=Subquery(last.values("status")[:1]),
            )
        )

    @admin.display(description="last run")
    def last_run(self, report: Report) -> SafeString | str:
        pk = getattr(report, "last_run_id", None)
        if pk is None:
            return "never"
        run = ReportRun(
            pk=pk,
            report=report,
            period_start=getattr(report, "last_run_start"),  # noqa: B009 (annotations mypy cannot see)
            period_end=getattr(report, "last_run_end"),  # noqa: B009
            status=getattr(report, "last_run_status"),  # noqa: B009
        )
        return _run_link(run)

    def delete_model(self, request: HttpRequest, obj: Report) -> None:
        reports.delete_report(obj, Actor.from_request(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        actor = Actor.from_request(request)
        with transaction.atomic():
            for report in queryset:
                reports.delete_report(report, actor)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        reports.sync_schedule(form.instance, Actor.from_request(request), created=not change)

    def has_build_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(reports.BUILD_PERMISSION)

    @admin.action(description="Build now (the last full period) and send it", permissions=["build"])
    def run_now(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        actor = Actor.from_request(request)
        for report in queryset:
            try:
                run = reports.run(report, actor, trigger="manual")
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{report}: {exc}", messages.ERROR)
                continue
            level = messages.SUCCESS if run.status == "succeeded" else messages.ERROR
            self.message_user(request, format_html("{}: {}", report, _run_link(run)), level)


@admin.register(ReportRun)
class ReportRunAdmin(RequestedByMixin, admin.ModelAdmin):
    list_display = ["period", "report", "status", "calls", "answered", "emailed_to", "download"]
    list_filter = ["report", "status", "trigger"]
    list_select_related = ["report"]
    fields = (
        "report",
        "period",
        "status",
        "trigger",
        "requested_by_name",
        "created_at",
        "finished_at",
        "emailed_to",
        "error",
        "download",
    )
    readonly_fields = fields
    change_form_template = "integrations/reportrun_change_form.html"

    class Media:
        css = {"all": ["integrations/reports.css"]}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="period", ordering="period_start")
    def period(self, run: ReportRun) -> str:
        return f"{run.period_words} ({run.report.timezone})"

    @admin.display(description="calls")
    def calls(self, run: ReportRun) -> str:
        calls = run.numbers.get("totals", {}).get("calls")
        return "—" if calls is None else f"{calls:,}"

    @admin.display(description="answered")
    def answered(self, run: ReportRun) -> str:
        totals = run.numbers.get("totals", {})
        return f"{100 * totals['answered'] / totals['calls']:.0f}%" if totals.get("calls") else "—"

    @admin.display(description="CSV")
    def download(self, run: ReportRun) -> SafeString:
        url = reverse("admin:integrations_reportrun_csv", args=[run.pk])
        return format_html('<a href="{}">{}</a>', url, run.file_name)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: ReportRun | None = None,
    ) -> HttpResponse:
        if obj is not None and obj.numbers.get("format") == FORMAT:
            context.update(figures_context(obj))
            # pygal builds its SVG with an XML library, which escapes every label and title.
            context["charts"] = [mark_safe(svg) for svg in charts(obj.numbers)]  # noqa: S308
            context["csv_url"] = reverse("admin:integrations_reportrun_csv", args=[obj.pk])
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if obj is None or not isinstance(response, TemplateResponse):
            return response
        # Every time on the page (built at, finished at) in the report's own zone, like its period.
        with timezone.override(obj.report.zone):
            return response.render()

    def get_urls(self) -> list[URLPattern]:
        download = path(
            "<int:pk>/csv/", self.admin_site.admin_view(self.csv_view), name="integrations_reportrun_csv"
        )
        return [download, *super().get_urls()]

    def csv_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        run = get_object_or_404(ReportRun.objects.select_related("report"), pk=pk)
        response = HttpResponse(run.csv, content_type="text/csv")
        # Quoted (or RFC 5987-encoded) by Django: a report's name is free text.
        response["Content-Disposition"] = content_disposition_header(True, run.file_name) or "attachment"
        return response
