"""The Integration admin: account fields, write-only credentials, allowlists, tokens, reveal."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from integrations.admin import testing as test_views
from integrations.admin.forms import CREDENTIAL_PREFIX, IntegrationForm, integration_form_for
from integrations.admin.pulls import PullScheduleInline, recent_pulls_table
from integrations.models import (
    AllowlistEntry,
    ApiToken,
    CredentialVersion,
    Integration,
    PullSchedule,
    TestRun,
)
from integrations.registry import VENDORS, get_connector, vendor_choices
from integrations.services import audit, credentials, pulls, schedules, testing
from integrations.services.audit import Actor


class AllowlistEntryInline(admin.TabularInline):
    model = AllowlistEntry
    fields = ["kind", "cidr", "note", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    extra = 0


class ApiTokenForm(ModelForm):
    new_value = forms.CharField(
        label="Token value",
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Leave blank to keep the stored token.",
    )

    class Meta:
        model = ApiToken
        fields = ["name", "new_value", "issued_at", "expires_at", "revoked_at"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.instance.pk and not cleaned.get("new_value") and not cleaned.get("DELETE"):
            self.add_error("new_value", "Enter the token value.")
        return cleaned


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    form = ApiTokenForm
    fields = ["name", "value_hint", "new_value", "issued_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = ["value_hint", "last_used_at"]
    extra = 0


class CredentialVersionInline(admin.TabularInline):
    model = CredentialVersion
    fields = ("version", "state", "masked_secrets", "note", "created_by", "created_at", "activated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "credential history"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="secrets")
    def masked_secrets(self, version: CredentialVersion) -> str:
        return format_html_join(", ", "{} {}", sorted(version.secret_hints.items())) or "—"


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "vendor_label",
        "enabled",
        "last_test",
        "effective_base_url",
        "credentials",
        "allowlist_size",
    ]
    actions = ["test_connectivity", "pull_now"]
    list_filter = ["vendor", "enabled"]
    search_fields = ["name", "notes"]
    inlines = [CredentialVersionInline, AllowlistEntryInline, ApiTokenInline, PullScheduleInline]
    form = IntegrationForm

    class Media:
        js = ["integrations/reveal.js", "integrations/test_request.js", "integrations/pulls.js"]
        css = {"all": ["integrations/admin.css"]}

    # --- list -----------------------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Integration]:
        latest = TestRun.objects.filter(integration=OuterRef("pk")).order_by("-created_at", "-id")
        return (
            super()
            .get_queryset(request)
            .annotate(
                allowlist_count=Count("allowlist", distinct=True),
                last_test_diagnosis=Subquery(latest.values("diagnosis")[:1]),
                last_test_title=Subquery(latest.values("diagnosis_title")[:1]),
                last_test_at=Subquery(latest.values("created_at")[:1]),
            )
        )

    @admin.display(description="last test", ordering="last_test_at")
    def last_test(self, obj: Integration) -> SafeString | str:
        at = getattr(obj, "last_test_at", None)
        if at is None:
            return "never"
        code = getattr(obj, "last_test_diagnosis", "") or "pending"
        css = "ok" if code == "ok" else ("pending" if code == "pending" else "bad")
        return format_html(
            '<span class="diagnosis {}" title="{}">{}</span> <span class="age">{} ago</span>',
            css,
            getattr(obj, "last_test_title", ""),
            code,
            timesince(at, timezone.now()).split(",")[0],
        )

    def has_pull_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(pulls.PULL_PERMISSION)

    @admin.action(description="Pull now (every resource)", permissions=["pull"])
    def pull_now(self, request: HttpRequest, queryset: QuerySet[Integration]) -> HttpResponseBase:
        """Queue a pull of each resource of each selected integration on the `bulk` queue."""
        actor = Actor.from_request(request)
        count = 0
        for integration in queryset:
            for resource in integration.connector.resources:
                pulls.start(integration, resource.key, actor, trigger="manual")
                count += 1
        self.message_user(request, f"Queued {count} pulls; their progress shows below.")
        return HttpResponseRedirect(reverse("admin:integrations_pullrun_changelist"))

    def has_run_test_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(testing.RUN_PERMISSION)

    @admin.action(description="Test connectivity", permissions=["run_test"])
    def test_connectivity(self, request: HttpRequest, queryset: QuerySet[Integration]) -> HttpResponseBase:
        """Queue each integration's cheap test; the worker runs them in parallel."""
        batch = TestRun.new_batch()
        actor = Actor.from_request(request)
        for integration in queryset:
            testing.start(integration, None, {}, actor, via="connectivity", batch=batch)
        return HttpResponseRedirect(reverse("admin:integrations_testrun_batch", args=[batch]))

    @admin.display(description="vendor", ordering="vendor")
    def vendor_label(self, obj: Integration) -> str:
        return obj.vendor_label

    @admin.display(description="base URL")
    def effective_base_url(self, obj: Integration) -> str:
        return obj.base_url or "—"

    @admin.display(description="credentials")
    def credentials(self, obj: Integration) -> str:
        active = obj.active_credentials
        return f"v{active.version}" if active else "none"

    @admin.display(description="allowlist", ordering="allowlist_count")
    def allowlist_size(self, obj: Integration) -> int:
        return getattr(obj, "allowlist_count", 0)

    # --- form -----------------------------------------------------------------------------------
    def can_edit_credentials(self, request: HttpRequest) -> bool:
        return Actor.from_request(request).has_perm(credentials.EDIT_PERMISSION)

    def _connector_key(self, request: HttpRequest, obj: Integration | None) -> str:
        return obj.vendor if obj else request.GET.get("vendor", "")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        key = self._connector_key(request, obj)
        account: list[str] = []
        if key in VENDORS:
            if self.can_edit_credentials(request) and self.has_change_permission(request, obj):
                account = [CREDENTIAL_PREFIX + f.name for f in get_connector(key).credential_fields]
            else:
                account = ["account_summary"]
        return [
            (None, {"fields": ["name", "vendor", "enabled", "owner", "timezone", "notes"]}),
            ("Vendor account", {"fields": account}),
            ("Address", {"fields": ["base_url_override", "effective_base_url"]}),
            *([("Pulls", {"fields": ["recent_pulls"]})] if obj is not None else []),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["effective_base_url", "account_summary", "recent_pulls"]

    @admin.display(description="recent pulls")
    def recent_pulls(self, obj: Integration) -> SafeString:
        return recent_pulls_table(obj.pk)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        key = self._connector_key(request, obj)
        if key in VENDORS:
            reveal_url = ""
            if obj is not None and request.user.has_perm(credentials.REVEAL_PERMISSION):
                reveal_url = reverse("admin:integrations_integration_reveal", args=[obj.pk, "FIELD"])
            kwargs["form"] = integration_form_for(
                get_connector(key), obj, reveal_url, self.can_edit_credentials(request)
            )
        form = super().get_form(request, obj, change=change, **kwargs)
        if "vendor" in form.base_fields:
            # Chosen on the vendor page (or when added): a disabled field takes its initial value.
            form.base_fields["vendor"].initial = key
            form.base_fields["vendor"].disabled = True
            form.base_fields["vendor"].help_text = "Chosen when the integration was added."
        return form

    @admin.display(description="account")
    def account_summary(self, obj: Integration) -> str:
        active = obj.active_credentials
        if active is None:
            return "No credentials stored."
        public = ", ".join(f"{k}: {v}" for k, v in sorted(active.public_values.items()))
        return f"Version {active.version}. {public}. Secrets are hidden."

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if request.GET.get("vendor") not in VENDORS:
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Add integration: choose the vendor",
                "vendors": [
                    (key, label, get_connector(key).__doc__ or "") for key, label in vendor_choices()
                ],
            }
            return TemplateResponse(request, "admin/integrations/integration/choose_vendor.html", context)
        return super().add_view(request, form_url, extra_context)

    # --- hardening: error reports never show what was typed (add and change go through here) ---
    @method_decorator(sensitive_post_parameters())
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("owner", str(request.user.pk))
        return initial

    # --- saving (the admin wraps all of this in one transaction) --------------------------------
    def save_model(self, request: HttpRequest, obj: Integration, form: Any, change: bool) -> None:
        actor = Actor.from_request(request)
        changed = [name for name in form.changed_data if not name.startswith(CREDENTIAL_PREFIX)]
        super().save_model(request, obj, form, change)
        if not change or changed:
            audit.record(
                "integration.change" if change else "integration.create",
                actor,
                obj,
                integration=obj,
                details={"fields_changed": changed} if change else {"vendor": obj.vendor},
            )
        if isinstance(form, IntegrationForm) and form.credential_names:
            credentials.save_credentials(obj, form.credential_changes(), actor, note="edited in the admin")

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool) -> None:
        actor = Actor.from_request(request)
        integration = form.instance
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            if isinstance(deleted, PullSchedule):
                schedules.remove(deleted, actor)
                continue
            audit.record(
                f"{_AUDIT_NAMES[type(deleted)]}.remove",
                actor,
                deleted,
                integration=integration,
                details=_public_details(deleted),
            )
            deleted.delete()
        for instance in instances:
            inline_form = next(f for f in formset.forms if f.instance is instance)
            is_new = instance.pk is None
            if isinstance(instance, AllowlistEntry) and is_new:
                instance.created_by = request.user  # type: ignore[assignment]
            if isinstance(instance, ApiToken) and inline_form.cleaned_data.get("new_value"):
                instance.set_value(inline_form.cleaned_data["new_value"])
            instance.save()
            if isinstance(instance, PullSchedule):
                schedules.sync(instance, actor, created=is_new)
                continue
            fields = [n for n in inline_form.changed_data if n != "new_value"]
            if "new_value" in inline_form.changed_data:
                fields.append("value")
            audit.record(
                f"{_AUDIT_NAMES[type(instance)]}.{'add' if is_new else 'change'}",
                actor,
                instance,
                integration=integration,
                details={"fields_changed": sorted(fields), **_public_details(instance)},
            )
        formset.save_m2m()

    # --- reveal ---------------------------------------------------------------------------------
    def get_urls(self) -> list[URLPattern]:
        wrap, site = self.admin_site.admin_view, self.admin_site
        return [
            path(
                "<int:pk>/reveal/<str:field>/",
                wrap(require_POST(self.reveal_view)),
                name="integrations_integration_reveal",
            ),
            path(
                "<int:pk>/test/",
                wrap(lambda request, pk: test_views.test_request_view(site, request, pk)),
                name="integrations_integration_test",
            ),
            path(
                "<int:pk>/test/preview/",
                wrap(lambda request, pk: test_views.test_preview_view(site, request, pk)),
                name="integrations_integration_test_preview",
            ),
            *super().get_urls(),
        ]

    @method_decorator(sensitive_post_parameters())  # hardening: see changeform_view
    def reveal_view(self, request: HttpRequest, pk: int, field: str) -> HttpResponseBase:
        integration = get_object_or_404(Integration, pk=pk)
        try:
            with transaction.atomic():
                value = credentials.reveal(integration, field, Actor.from_request(request))
        except PermissionDenied:
            return JsonResponse({"error": "You may not reveal secrets."}, status=403)
        except ValidationError as exc:
            return JsonResponse({"error": " ".join(exc.messages)}, status=400)
        # admin_view marks the response never_cache (no-store): the value is not kept anywhere.
        return JsonResponse({"field": field, "value": value})


_AUDIT_NAMES: dict[type, str] = {AllowlistEntry: "allowlist", ApiToken: "token"}


def _public_details(instance: Any) -> dict[str, str]:
    if isinstance(instance, AllowlistEntry):
        return {"cidr": instance.cidr, "kind": instance.kind, "note": instance.note}
    if isinstance(instance, ApiToken):
        return {"name": instance.name}
    return {}
