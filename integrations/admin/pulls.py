"""Pull runs (with live progress), pull schedules on the integration page, and pulled records."""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from integrations.admin.params import parse_id
from integrations.admin.people import RequestedByMixin
from integrations.admin.permissions import requires
from integrations.models import CallRecord, PullRun, PullSchedule, PullStatus, RawRecord
from integrations.services import records
from integrations.vendors.base import UnknownResource
from integrations.vendors.resources import DIRECTIONS


def progress_bar(run: PullRun) -> SafeString:
    percent = run.progress_percent
    label = "queued" if run.status == PullStatus.QUEUED else f"{run.rows_seen} rows, {run.pages} pages"
    if run.is_done:
        return format_html(
            '<span class="pull-status {}">{}</span> {}', run.status, run.get_status_display(), label
        )
    if percent is None:
        return format_html('<progress class="pull-progress" data-run="{}"></progress> {}', run.pk, label)
    return format_html(
        '<progress class="pull-progress" data-run="{}" value="{}" max="100"></progress> {}% · {}',
        run.pk,
        percent,
        percent,
        label,
    )


EVERYTHING = timedelta(days=3650)
"""A first pull reaching back this far (VCC Live, Collect!: a century) reads as "everything"."""


def window_text(run: PullRun) -> str:
    """The window a run reads, in words: a first pull's 100-year reach is "everything"."""
    if run.window_start is None or run.window_end is None:
        return "not started"
    end = f"{timezone.localtime(run.window_end):%d %b %Y %H:%M}"
    if run.since_override is None and run.watermark_before is None:
        try:
            reach = run.integration.connector.resource(run.resource).initial_window
        except UnknownResource:
            reach = run.window_end - run.window_start
        if reach >= EVERYTHING:
            return f"everything (first pull), up to {end}"
        return f"the last {reach.days} days (first pull), up to {end}"
    return f"{timezone.localtime(run.window_start):%d %b %Y %H:%M} to {end}"


@admin.register(PullRun)
class PullRunAdmin(RequestedByMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "integration",
        "resource",
        "progress",
        "window",
        "created",
        "updated",
        "trigger",
        "took",
    ]
    list_filter = ["status", "integration__vendor", "integration", "resource", "trigger", "created_at"]
    search_fields = ["integration__name", "resource", "message"]
    list_select_related = ["integration"]
    date_hierarchy = "created_at"
    # The window in words instead of its two raw ends (a first pull starts a century ago).
    readonly_fields = (
        *(
            "requested_by_name" if f.name == "requested_by" else f.name
            for f in PullRun._meta.fields
            if f.name not in ("id", "window_start", "window_end")
        ),
        "window",
        "progress",
    )
    fields = readonly_fields

    class Media:
        js = ["integrations/pulls.js"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="progress")
    def progress(self, run: PullRun) -> SafeString:
        return progress_bar(run)

    @admin.display(description="window")
    def window(self, run: PullRun) -> str:
        return window_text(run)

    @admin.display(description="took")
    def took(self, run: PullRun) -> str:
        if run.started_at and run.finished_at:
            return f"{(run.finished_at - run.started_at).total_seconds():.1f} s"
        return "—"

    def get_urls(self) -> list[URLPattern]:
        view = requires("integrations.view_pullrun", json=True)(self.progress_view)
        status = path("progress/", self.admin_site.admin_view(view), name="integrations_pullrun_progress")
        return [status, *super().get_urls()]

    def progress_view(self, request: HttpRequest) -> JsonResponse:
        """Progress of the runs a page shows, for its progress bars (polled while any runs)."""
        ids = [i for i in map(parse_id, request.GET.getlist("id")) if i is not None][:100]
        runs = PullRun.objects.filter(pk__in=ids)
        return JsonResponse(
            {str(run.pk): {"done": run.is_done, "html": str(progress_bar(run))} for run in runs}
        )


class PullScheduleForm(forms.ModelForm):
    class Meta:
        model = PullSchedule
        fields = [
            "resource",
            "kind",
            "every_minutes",
            "cron_minute",
            "cron_hour",
            "cron_day_of_week",
            "enabled",
        ]


class PullScheduleInline(admin.TabularInline):
    model = PullSchedule
    form = PullScheduleForm
    extra = 0
    verbose_name_plural = "pull schedules (run by Celery beat)"

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            # A choice of this vendor's resources instead of a free text box.
            choices = [(r.key, f"{r.label} ({r.key})") for r in obj.connector.resources]
            formset.form.base_fields["resource"] = forms.ChoiceField(choices=choices)
        return formset


def recent_pulls_table(integration_pk: int) -> SafeString:
    runs = PullRun.objects.filter(integration_id=integration_pk).select_related("integration")[:10]
    if not runs:
        return format_html("{}", "No pulls yet.")
    rows = format_html_join(
        "",
        "<tr><td><a href='{}'>{}</a></td>" + "<td>{}</td>" * 6 + "</tr>",
        (
            (
                reverse("admin:integrations_pullrun_change", args=[run.pk]),
                f"{timezone.localtime(run.created_at):%Y-%m-%d %H:%M:%S}",
                run.resource,
                progress_bar(run),
                window_text(run),
                run.created,
                run.updated,
                run.message,
            )
            for run in runs
        ),
    )
    history = reverse("admin:integrations_pullrun_changelist") + f"?integration__id__exact={integration_pk}"
    return format_html(
        "<table class='recent-pulls'><thead><tr><th>When</th><th>Resource</th><th>Progress</th>"
        "<th>Window</th><th>Created</th><th>Updated</th><th>Message</th></tr></thead><tbody>{}</tbody></table>"
        "<p><a href='{}'>Whole history</a></p>",
        rows,
        history,
    )


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DirectionFilter(admin.SimpleListFilter):
    """The directions of the shared vocabulary, without asking the table which it holds.

    (Django's filter for a field without choices runs SELECT DISTINCT over every call record:
    0.13 s at 400,000 rows, on every page of the list.)
    """

    title = "direction"
    parameter_name = "direction"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(direction, direction) for direction in DIRECTIONS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[CallRecord]) -> QuerySet[CallRecord]:
        return queryset.filter(direction=self.value()) if self.value() else queryset


@admin.register(CallRecord)
class CallRecordAdmin(ReadOnly):
    list_display = [
        "started_at",
        "integration",
        "direction",
        "parties",
        "agent",
        "queue",
        "duration",
        "how_it_ended",
    ]
    # No date hierarchy: its drill-down asks SQLite for the distinct months of every call record
    # through a Python function, 1.2-1.7 s of each page at 400,000 rows (docs/performance.md). The
    # started_at filter (today, past 7 days, this month, this year) asks nothing.
    list_filter = ["integration", "resource", DirectionFilter, "outcome", "answered", "started_at"]
    search_fields = ["vendor_call_id", "caller", "callee", "agent", "queue"]
    list_select_related = ["integration"]

    def delete_model(self, request: HttpRequest, obj: CallRecord) -> None:
        records.delete_calls(CallRecord.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CallRecord]) -> None:
        records.delete_calls(queryset)

    @admin.display(description="from → to", ordering="caller")
    def parties(self, call: CallRecord) -> SafeString:
        # One column for both numbers: two E.164 columns alone took a sixth of a 1366 px screen.
        return format_html('{} <span class="call-to">→ {}</span>', call.caller or "—", call.callee or "—")

    @admin.display(description="duration", ordering="duration_seconds")
    def duration(self, call: CallRecord) -> str:
        minutes, seconds = divmod(call.duration_seconds, 60)
        return f"{minutes}:{seconds:02d}"

    @admin.display(description="outcome", ordering="outcome")
    def how_it_ended(self, call: CallRecord) -> SafeString:
        # The shared vocabulary first (its meaning on hover); the vendor's own word beneath it.
        shown = format_html('<span title="{}">{}</span>', call.get_outcome_display(), call.outcome)
        if not call.disposition or call.disposition.lower() == call.outcome:
            return shown
        return format_html(
            '{}<span class="vendor-word" title="the vendor\'s own disposition">{}</span>',
            shown,
            call.disposition,
        )


@admin.register(RawRecord)
class RawRecordAdmin(ReadOnly):
    list_display = ["integration", "resource", "vendor_id", "record_time", "updated_at"]
    list_filter = ["integration", "resource"]
    search_fields = ["vendor_id"]
    list_select_related = ["integration"]
