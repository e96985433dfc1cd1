"""The "Test API request" page, its live preview and status views, and the connectivity batch."""

import uuid
from typing import Any

from django import forms
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse

from integrations.models import Integration, TestRun
from integrations.services import testing, workers
from integrations.services.audit import Actor
from integrations.services.outbound import NotReady
from integrations.vendors.catalogue import Endpoint, Param


def params_form(endpoint: Endpoint, data: Any = None) -> forms.Form:
    """A form with one field per parameter; typing and range checks are the endpoint's own."""
    fields: dict[str, forms.Field] = {}
    for param in endpoint.params:
        fields[param.name] = _field(param)
    form_class = type("ParamsForm", (forms.Form,), fields)
    return form_class(data=data, initial=endpoint.initial(), prefix="p")


def _field(param: Param) -> forms.Field:
    options: dict[str, Any] = {"label": param.label, "required": False, "help_text": param.help_text}
    if param.kind == "choice":
        blank = [] if param.initial() else [("", "—")]
        return forms.ChoiceField(choices=blank + [(c, c) for c in param.choices], **options)
    widget: forms.Widget = forms.TextInput(attrs={"placeholder": _placeholder(param)})
    if param.kind == "json":
        widget = forms.Textarea(attrs={"rows": 3, "cols": 70, "placeholder": _placeholder(param)})
    return forms.CharField(widget=widget, strip=True, **options)


def _placeholder(param: Param) -> str:
    return {
        "date": "YYYY-MM-DD",
        "datetime": "YYYY-MM-DD HH:MM:SS",
        "e164": "+61291234567",
        "int": "number",
        "csv": "201,202",
        "json": "[...]",
    }.get(param.kind, "")


def submitted_values(endpoint: Endpoint, data: Any) -> dict[str, str]:
    return {p.name: str(data.get(f"p-{p.name}", "")) for p in endpoint.params}


def _require_run_permission(request: HttpRequest) -> None:
    if not request.user.has_perm(testing.RUN_PERMISSION):
        raise PermissionDenied


def render_result(run: TestRun, request: HttpRequest | None = None) -> str:
    context = {"run": run, "waiting_note": workers.waiting_note(run)}
    return render_to_string("integrations/test_result.html", context, request=request)


def test_request_view(site: AdminSite, request: HttpRequest, pk: int) -> HttpResponseBase:
    _require_run_permission(request)
    integration = get_object_or_404(Integration, pk=pk)
    source = request.POST if request.method == "POST" else request.GET
    try:
        endpoint = testing.endpoint_of(integration, source.get("endpoint"))
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    wants_json = request.headers.get("X-Requested-With") == "fetch"
    if request.method == "POST":
        values = submitted_values(endpoint, request.POST)
        try:
            run = testing.start(integration, endpoint.key, values, Actor.from_request(request))
        except ValidationError as exc:
            if wants_json:
                return JsonResponse({"errors": exc.messages}, status=400)
            form = params_form(endpoint, request.POST)
            return _render_page(site, request, integration, endpoint, form, errors=exc.messages)
        status_url = reverse("admin:integrations_testrun_status", args=[run.pk])
        if wants_json:
            return JsonResponse(
                {"run": run.pk, "status_url": status_url, "html": render_result(run, request)}
            )
        return redirect(f"{request.path}?endpoint={endpoint.key}&run={run.pk}")
    run_id = request.GET.get("run")
    shown = TestRun.objects.filter(pk=run_id, integration=integration).first() if run_id else None
    return _render_page(site, request, integration, endpoint, params_form(endpoint), run=shown)


def _render_page(
    site: AdminSite,
    request: HttpRequest,
    integration: Integration,
    endpoint: Endpoint,
    form: forms.Form,
    *,
    run: TestRun | None = None,
    errors: list[str] | None = None,
) -> HttpResponse:
    values = submitted_values(endpoint, request.POST) if request.method == "POST" else endpoint.initial()
    context = {
        **site.each_context(request),
        "opts": Integration._meta,
        "title": f"Test API request: {integration}",
        "integration": integration,
        "endpoints": integration.connector.endpoints,
        "endpoint": endpoint,
        "form": form,
        "errors": errors or [],
        "preview_html": _preview_html(request, integration, endpoint.key, values),
        "run": run,
        "recent": TestRun.objects.filter(integration=integration)[:10],
        "preview_url": reverse("admin:integrations_integration_test_preview", args=[integration.pk]),
    }
    return TemplateResponse(request, "admin/integrations/integration/test_request.html", context)


def _preview_html(
    request: HttpRequest, integration: Integration, endpoint_key: str, values: dict[str, str]
) -> str:
    try:
        preview = testing.preview(integration, endpoint_key, values)
        problem = ""
    except NotReady as exc:
        preview, problem = None, str(exc)
    return render_to_string(
        "integrations/request_preview.html", {"preview": preview, "problem": problem}, request=request
    )


def test_preview_view(site: AdminSite, request: HttpRequest, pk: int) -> JsonResponse:
    _require_run_permission(request)
    integration = get_object_or_404(Integration, pk=pk)
    try:
        endpoint = testing.endpoint_of(integration, request.GET.get("endpoint"))
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    values = submitted_values(endpoint, request.GET)
    return JsonResponse({"html": _preview_html(request, integration, endpoint.key, values)})


def test_status_view(site: AdminSite, request: HttpRequest, run_id: int) -> JsonResponse:
    if not request.user.has_perm("integrations.view_testrun"):
        raise PermissionDenied
    run = get_object_or_404(TestRun, pk=run_id)
    return JsonResponse({"status": run.status, "done": run.is_done, "html": render_result(run, request)})


def batch_rows(batch: uuid.UUID) -> list[TestRun]:
    return list(
        TestRun.objects.filter(batch=batch).select_related("integration").order_by("integration__name")
    )


def batch_view(site: AdminSite, request: HttpRequest, batch: uuid.UUID) -> HttpResponse:
    if not request.user.has_perm("integrations.view_testrun"):
        raise PermissionDenied
    runs = batch_rows(batch)
    context = {
        **site.each_context(request),
        "opts": TestRun._meta,
        "title": "Connectivity check",
        "runs": runs,
        "status_url": reverse("admin:integrations_testrun_batch_status", args=[batch]),
        "done": all(r.is_done for r in runs),
    }
    return TemplateResponse(request, "admin/integrations/testrun/batch.html", context)


def batch_status_view(site: AdminSite, request: HttpRequest, batch: uuid.UUID) -> JsonResponse:
    if not request.user.has_perm("integrations.view_testrun"):
        raise PermissionDenied
    runs = batch_rows(batch)
    html = render_to_string("integrations/batch_rows.html", {"runs": runs}, request=request)
    return JsonResponse({"done": all(r.is_done for r in runs), "html": html})
