"""The "Test API request" page, its live preview and status views, and the connectivity batch.

Each view's permission is checked where its URL is declared (`permissions.requires`).
"""

import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse

from integrations.admin.params import parse_id
from integrations.models import Integration, TestRun
from integrations.services import testing, workers
from integrations.services.audit import Actor
from integrations.services.outbound import NotReady
from integrations.vendors.catalogue import Endpoint, Param


def params_form(endpoint: Endpoint, data: Any = None, initial: dict[str, str] | None = None) -> forms.Form:
    """A form with one field per parameter; typing and range checks are the endpoint's own."""
    fields: dict[str, forms.Field] = {}
    for param in endpoint.params:
        fields[param.name] = _field(param)
    form_class = type("ParamsForm", (forms.Form,), fields)
    return form_class(data=data, initial=initial or endpoint.initial(), prefix="p")


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


def render_result(run: TestRun, request: HttpRequest | None = None) -> str:
    context = {"run": run, "waiting_note": workers.waiting_note(run)}
    return render_to_string("integrations/test_result.html", context, request=request)


def test_request_view(site: AdminSite, request: HttpRequest, pk: int) -> HttpResponseBase:
    integration = get_object_or_404(Integration, pk=pk)
    source = request.POST if request.method == "POST" else request.GET
    try:
        endpoint = testing.endpoint_of(integration, source.get("endpoint"))
    except ValidationError:
        messages.warning(
            request,
            f"{integration.vendor_label} has no endpoint {source.get('endpoint')!r} to test: "
            "here is its connectivity test. Pick another from the list.",
        )
        return redirect(request.path)
    if request.method == "POST":
        return _send(site, request, integration, endpoint)
    shown = None
    if "run" in request.GET:
        run_id = parse_id(request.GET["run"])
        shown = TestRun.objects.filter(pk=run_id, integration=integration).first() if run_id else None
        if shown is None:
            messages.warning(request, f"{integration} has no test run {request.GET['run']!r}.")
    # A shown run of this endpoint fills the form with what it sent, ready to send again.
    initial = {**endpoint.initial(), **shown.params} if shown and shown.endpoint == endpoint.key else None
    return _render_page(
        site,
        request,
        integration,
        endpoint,
        params_form(endpoint, initial=initial),
        run=shown,
        values=initial,
    )


def _send(
    site: AdminSite, request: HttpRequest, integration: Integration, endpoint: Endpoint
) -> HttpResponseBase:
    """Start the run; an endpoint with a side effect first shows what it will do (confirm step)."""
    wants_json = request.headers.get("X-Requested-With") == "fetch"
    values = submitted_values(endpoint, request.POST)
    confirmed = request.POST.get("confirm_side_effect") == endpoint.key
    actor = Actor.from_request(request)
    try:
        if endpoint.side_effect and not confirmed and not wants_json:
            _check_before_confirming(integration, endpoint, values, actor)
            return _render_page(
                site, request, integration, endpoint, params_form(endpoint, request.POST), confirm=True
            )
        run = testing.start(integration, endpoint.key, values, actor, confirm_side_effect=confirmed)
    except (ValidationError, PermissionDenied) as exc:
        problems = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        if wants_json:
            return JsonResponse({"errors": problems}, status=400 if isinstance(exc, ValidationError) else 403)
        form = params_form(endpoint, request.POST)
        return _render_page(site, request, integration, endpoint, form, errors=_attach(form, exc))
    if wants_json:
        status_url = reverse("admin:integrations_testrun_status", args=[run.pk])
        return JsonResponse({"run": run.pk, "status_url": status_url, "html": render_result(run, request)})
    return redirect(f"{request.path}?{urlencode({'endpoint': endpoint.key, 'run': run.pk})}")


def _check_before_confirming(
    integration: Integration, endpoint: Endpoint, values: dict[str, str], actor: Actor
) -> None:
    """What `testing.start` would refuse, refused before the confirm step rather than after it."""
    if not testing.may_send(actor, endpoint):
        raise PermissionDenied(
            f"{endpoint.label} changes something at {integration.vendor_label}, and you may not send "
            "such requests (it needs the permission “Can send test requests that change something "
            "at the vendor”)."
        )
    _, errors = endpoint.clean(values)
    if errors:
        raise ValidationError({n: [m] for n, m in testing.labelled_errors(endpoint, errors).items()})


def _attach(form: forms.Form, exc: ValidationError | PermissionDenied) -> list[str]:
    """Put each parameter's error on its field; return the rest, for the list above the form."""
    if isinstance(exc, PermissionDenied):
        return [str(exc)]
    if not hasattr(exc, "error_dict"):
        return exc.messages
    rest: list[str] = []
    for name, problems in exc.message_dict.items():
        if name in form.fields:
            for problem in problems:
                form.add_error(name, problem)
        else:
            rest.extend(problems)
    return rest


def _render_page(
    site: AdminSite,
    request: HttpRequest,
    integration: Integration,
    endpoint: Endpoint,
    form: forms.Form,
    *,
    run: TestRun | None = None,
    errors: list[str] | None = None,
    confirm: bool = False,
    values: dict[str, str] | None = None,
) -> HttpResponse:
    if values is None:
        values = submitted_values(endpoint, request.POST) if request.method == "POST" else endpoint.initial()
    actor = Actor.from_request(request)
    context = {
        **site.each_context(request),
        "opts": Integration._meta,
        "title": f"Test API request: {integration}",
        "integration": integration,
        "endpoints": integration.connector.endpoints,
        "endpoint": endpoint,
        "side_effect_allowed": testing.may_send(actor, endpoint),
        "side_effect_short": _short_effect(endpoint),
        "confirm": confirm,
        "values": [(p.label, values.get(p.name, "")) for p in endpoint.params],
        "form": form,
        "errors": errors or [],
        "preview_html": _preview_html(request, integration, endpoint.key, values),
        "run": run,
        "recent": TestRun.objects.filter(integration=integration)[:10],
        "preview_url": reverse("admin:integrations_integration_test_preview", args=[integration.pk]),
        "status_url": reverse("admin:integrations_testrun_status", args=[run.pk]) if run else "",
    }
    return TemplateResponse(request, "admin/integrations/integration/test_request.html", context)


def _short_effect(endpoint: Endpoint) -> str:
    """ "Places a real call: the extension rings…" → "places a real call", for the confirm button."""
    head = endpoint.side_effect.split(":")[0].split(".")[0].strip()
    return head[:1].lower() + head[1:]


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
    integration = get_object_or_404(Integration, pk=pk)
    try:
        endpoint = testing.endpoint_of(integration, request.GET.get("endpoint"))
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    values = submitted_values(endpoint, request.GET)
    return JsonResponse({"html": _preview_html(request, integration, endpoint.key, values)})


def test_status_view(site: AdminSite, request: HttpRequest, run_id: int) -> JsonResponse:
    run = get_object_or_404(TestRun, pk=run_id)
    return JsonResponse({"status": run.status, "done": run.is_done, "html": render_result(run, request)})


def batch_rows(batch: uuid.UUID) -> list[TestRun]:
    return list(
        TestRun.objects.filter(batch=batch).select_related("integration").order_by("integration__name")
    )


def batch_view(site: AdminSite, request: HttpRequest, batch: uuid.UUID) -> HttpResponse:
    runs = batch_rows(batch)
    if not runs:
        raise Http404("No connectivity check has that id.")
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
    runs = batch_rows(batch)
    if not runs:
        return JsonResponse({"error": "No connectivity check has that id."}, status=404)
    html = render_to_string("integrations/batch_rows.html", {"runs": runs}, request=request)
    return JsonResponse({"done": all(r.is_done for r in runs), "html": html})
