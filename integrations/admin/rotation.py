"""The "Rotate credentials" wizard, the rollback confirmation and the encryption key ring page.

Admins (the rotate_credentials permission) act; Support sees the steps and the history, never a
value. Every action is a POST that runs one service call and redirects back (no page holds a
secret: secret inputs are write-only and never rendered back).
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.admin import AdminSite, display
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from integrations.admin.permissions import requires
from integrations.admin.testing import render_result
from integrations.models import (
    ApiToken,
    CredentialVersion,
    Integration,
    Rotation,
    RotationStep,
    StepOutcome,
    TestRun,
)
from integrations.services import credentials, keys, rotation
from integrations.services.audit import Actor
from integrations.services.rotation import renewal, two_keys
from integrations.vendors.rotation import STAGED_STEPS, RotationPlan, Workflow

VIEW_PERMISSION = "integrations.view_rotation"
# The button that does each step that needs no typed value.
BUTTONS = {
    "verify": "Verify again",
    "promote": "Promote it",
    "switch": "Switch to it",
    "mint": "Mint a new API token",
    "renew": "Renew the session",
    "revoke": "Revoke the old token",
}
START_BUTTONS = {
    Workflow.MINT: "Mint, verify and switch to a new API token",
    Workflow.SESSION: "Renew the session",
}
TEMPLATES = "admin/integrations/integration/"


def can_rotate(request: HttpRequest) -> bool:
    return request.user.has_perm(credentials.ROTATE_PERMISSION)


@dataclass
class StepView:
    key: str
    label: str
    help: str
    status: str  # done, current, failed, waiting, pending
    records: list[RotationStep] = field(default_factory=list)
    results: list[SafeString] = field(default_factory=list)


@dataclass
class RoundView:
    title: str
    steps: list[StepView]


def _rounds(integration: Integration, plan: RotationPlan, shown: Rotation | None) -> list[RoundView]:
    """The vendor's steps in order, each with what this rotation recorded for it."""
    records = list(RotationStep.objects.filter(rotation=shown).select_related("test_run")) if shown else []
    workflow = Workflow(shown.workflow) if shown else plan.workflow
    if workflow is Workflow.TWO_KEYS:
        first = (
            int(shown.context["first_slot"]) if shown else two_keys.other(two_keys.active_slot(integration))
        )
        slots, steps = [first, two_keys.other(first)], plan.steps
    elif workflow is Workflow.STAGED:
        slots, steps = [0], STAGED_STEPS
    else:
        slots, steps = [0], plan.steps
    views = []
    for number, slot in enumerate(slots, start=1):
        items = []
        for step in steps:
            mine = [r for r in records if r.step == step.key and r.round == number]
            other = two_keys.other(slot) if slot else ""
            text = step.help.format(slot=slot, other=other, token="{token}")  # noqa: S106 (kept literal)
            label = step.label.replace("the key not in use", f"key {slot}") if slot else step.label
            results = [SafeString(render_result(r.test_run)) for r in mine[-1:] if r.test_run is not None]
            items.append(
                StepView(step.key, label, text, _status(shown, number, step.key, mine), mine, results)
            )
        views.append(RoundView(f"Secret key {slot}" if slot else "", items))
    return views


def _status(shown: Rotation | None, number: int, key: str, mine: list[RotationStep]) -> str:
    if shown is not None and shown.is_open and shown.round == number and shown.step == key:
        if mine and mine[-1].outcome == StepOutcome.WAITING:
            return "waiting"
        return "current"
    if not mine:
        return "pending"
    last = mine[-1]
    return {StepOutcome.FAILED: "failed", StepOutcome.WAITING: "waiting"}.get(
        StepOutcome(last.outcome), "done"
    )


def _typed_fields(integration: Integration) -> list[tuple[str, str]]:
    """Secrets a person may stage here (name, label); ipSCAPE's keys go through their own wizard."""
    connector = integration.connector
    plan = connector.rotation
    names = plan.staged_fields or tuple(f.name for f in connector.credential_fields if f.secret)
    return [(n, f.label) for n in names if n not in plan.key_slots and (f := connector.field(n))]


def _typed_values(request: HttpRequest, integration: Integration) -> dict[str, str]:
    typed = {name: request.POST.get(f"new_{name}", "") for name, _ in _typed_fields(integration)}
    return {name: value for name, value in typed.items() if value != ""}


def _in_use_note(integration: Integration, current: Rotation | None) -> str:
    """What still runs on the credential about to go away (empty when nothing does)."""
    if current is None:
        return ""
    if current.workflow == Workflow.TWO_KEYS and current.step == "paste":
        slot = int(current.context["slot"])
        busy = two_keys.slot_in_use(integration, slot)
        if busy:
            return f"Wait before rotating key {slot}: {busy.describe()} still use it. Reload to check again."
        return f"Nothing uses key {slot} now: it is safe to rotate it in the workspace."
    if current.workflow == Workflow.MINT and current.step == "revoke" and current.replaced is not None:
        busy = rotation.in_flight(integration, [current.replaced])
        if busy:
            return f"{busy.describe()} still use the old token: it is revoked once they finish."
        return "Nothing uses the old token any more: it can be revoked."
    return ""


def rotation_view(site: AdminSite, request: HttpRequest, pk: int) -> HttpResponseBase:
    integration = get_object_or_404(Integration, pk=pk)
    if request.method == "POST":
        if not can_rotate(request):
            raise PermissionDenied
        _act(request, integration)
        return HttpResponseRedirect(request.path)
    plan = integration.connector.rotation
    current = rotation.open_rotation(integration)
    history = list(Rotation.objects.filter(integration=integration)[:20])
    chosen = request.GET.get("rotation", "")
    shown = next((r for r in history if str(r.pk) == chosen), None) or current
    shown = shown or next(iter(history), None)
    run_id = request.GET.get("test", "")
    test_run = (
        TestRun.objects.filter(pk=run_id, integration=integration).first() if run_id.isdigit() else None
    )
    context = {
        **site.each_context(request),
        "opts": Integration._meta,
        "title": f"Rotate credentials: {integration}",
        "integration": integration,
        "plan": plan,
        "where": plan.where.format(slot=shown.context.get("slot", "") if shown else ""),
        "current": current,
        "shown": shown,
        "rounds": _rounds(integration, plan, shown),
        "history": history,
        "can_rotate": can_rotate(request),
        "typed_fields": _typed_fields(integration),
        # Two keys: `where` names the key's place; the typed secrets (the API token) live elsewhere.
        "typed_where": "" if "{slot}" in plan.where else plan.where,
        "in_use_note": _in_use_note(integration, current),
        "paste_slot": current.context.get("slot") if current and current.step == "paste" else None,
        "versions": CredentialVersion.objects.filter(integration=integration).select_related("created_by"),
        "tokens": ApiToken.objects.filter(integration=integration).order_by("-issued_at")[:10],
        "rollback_target": credentials.rollback_target(integration),
        "warnings": renewal.integration_warnings(integration),
        "test_run_html": SafeString(render_result(test_run, request)) if test_run else "",
        "keyring_url": reverse("admin:integrations_integration_keyring"),
        "start_button": START_BUTTONS.get(plan.workflow, ""),
        "step_button": BUTTONS.get(current.step, "") if current else "",
        "unused_slot": two_keys.other(two_keys.active_slot(integration))
        if plan.workflow is Workflow.TWO_KEYS and integration.active_credentials
        else None,
    }
    return TemplateResponse(request, TEMPLATES + "rotation.html", context)


def _act(request: HttpRequest, integration: Integration) -> None:
    """One POSTed action; every refusal becomes a message on the page, never an error page."""
    actor = Actor.from_request(request)
    action = request.POST.get("action", "")
    try:
        if action == "start":
            typed = _typed_values(request, integration)
            started = rotation.start(integration, actor, typed)
            if started.workflow != Workflow.TWO_KEYS:
                rotation.run_step(started, actor, typed)
        elif action in ("step", "abandon"):
            current = rotation.open_rotation(integration)
            if current is None or str(current.pk) != request.POST.get("rotation"):
                raise ValidationError("That rotation is no longer in progress: here is where things are now.")
            if action == "abandon":
                rotation.abandon(current, actor)
            else:
                inputs = _typed_values(request, integration)
                if request.POST.get("value"):
                    inputs = {"value": request.POST["value"]}
                rotation.run_step(current, actor, inputs)
        elif action == "confirm":
            retired = credentials.confirm(integration, actor)
            messages.success(request, f"Confirmed: {retired} previous version(s) retired.")
        else:
            raise ValidationError("Unknown action.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except rotation.RotationBusy as exc:
        messages.warning(request, str(exc))


def rollback_view(site: AdminSite, request: HttpRequest, pk: int) -> HttpResponseBase:
    integration = get_object_or_404(Integration, pk=pk)
    page = reverse("admin:integrations_integration_rotation", args=[integration.pk])
    if request.method == "POST":
        try:
            restored, run = rotation.rollback(integration, Actor.from_request(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(page)
        messages.success(request, f"Rolled back: version {restored.version} is active again.")
        return HttpResponseRedirect(f"{page}?test={run.pk}" if run else page)
    context = {
        **site.each_context(request),
        "opts": Integration._meta,
        "title": f"Roll back the credentials of {integration}?",
        "integration": integration,
        "active": integration.active_credentials,
        "target": credentials.rollback_target(integration),
        "current": rotation.open_rotation(integration),
        "rotation_url": page,
    }
    return TemplateResponse(request, TEMPLATES + "rotation_rollback.html", context)


def keyring_view(site: AdminSite, request: HttpRequest) -> HttpResponse:
    context = {
        **site.each_context(request),
        "opts": Integration._meta,
        "title": "The portal's encryption keys",
        "state": keys.ring_state(),
        "canary": keys.verify_canary().value,
    }
    return TemplateResponse(request, TEMPLATES + "rotation_keyring.html", context)


def urls(site: AdminSite) -> list[URLPattern]:
    """Registered by IntegrationAdmin.get_urls (wrapped by admin_view: login, CSRF, never cached)."""
    wrap = site.admin_view
    # Declared with `requires`, so the walk of every admin page knows who may open each one.
    view_history = requires(VIEW_PERMISSION)
    rotate = requires(credentials.ROTATE_PERMISSION)
    return [
        path(
            "<int:pk>/rotation/",
            wrap(view_history(lambda request, pk: rotation_view(site, request, pk))),
            name="integrations_integration_rotation",
        ),
        path(
            "<int:pk>/rollback/",
            wrap(rotate(lambda request, pk: rollback_view(site, request, pk))),
            name="integrations_integration_rollback",
        ),
        path(
            "keyring/",
            wrap(rotate(lambda request: keyring_view(site, request))),
            name="integrations_integration_keyring",
        ),
    ]


@display(description="attention")
def credential_badge(integration: Integration) -> SafeString | str:
    """The list's badge: a person must act on this integration's credentials."""
    found = renewal.integration_warnings(integration)
    if not found:
        return ""
    return format_html(
        '<span class="diagnosis bad credential-warning" title="{}">act</span>', " ".join(found)
    )
