"""The Integration admin: account fields, write-only credentials, allowlists, tokens, reveal."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
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

from integrations.admin import rotation as rotation_views
from integrations.admin import testing as test_views
from integrations.admin.deletion import deleted_objects
from integrations.admin.forms import (
    CREDENTIAL_PREFIX,
    AllowlistEntryForm,
    AllowlistFormSet,
    IntegrationForm,
    integration_form_for,
    needed_fields,
)
from integrations.admin.people import username
from integrations.admin.permissions import requires
from integrations.admin.pulls import PullScheduleInline, recent_pulls_table
from integrations.admin.webhooks import WebhookAdminMixin
from integrations.models import (
    AllowlistEntry,
    ApiToken,
    CredentialState,
    CredentialVersion,
    Integration,
    PullSchedule,
    TestRun,
)
from integrations.registry import VENDORS, get_connector, vendor_choices
from integrations.services import audit, credentials, pulls, schedules, testing
from integrations.services.audit import Actor
from integrations.services.integrations import delete_integration
from integrations.services.rotation import renewal


class AllowlistEntryInline(admin.TabularInline):
    model = AllowlistEntry
    form = AllowlistEntryForm
    formset = AllowlistFormSet
    fields = ["kind", "cidr", "note", "created_by_name", "created_at"]
    readonly_fields = ["created_by_name", "created_at"]
    extra = 0

    @admin.display(description="created by")
    def created_by_name(self, obj: AllowlistEntry) -> str:
        return username(obj.created_by)


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
    # Paired columns (who and when; used and verified), so the history fits a 1366 px screen.
    fields = ("version", "state", "masked_secrets", "note", "made", "activated_at", "use", "expires_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "credential history"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CredentialVersion]:
        return super().get_queryset(request).select_related("created_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="secrets")
    def masked_secrets(self, version: CredentialVersion) -> str:
        return format_html_join(", ", "{} {}", sorted(version.secret_hints.items())) or "—"

    @admin.display(description="made by, when")
    def made(self, version: CredentialVersion) -> SafeString:
        who = version.created_by.get_username() if version.created_by else "cli / system"
        return format_html("{}<br>{}", who, _when(version.created_at))

    @admin.display(description="last used / last verified")
    def use(self, version: CredentialVersion) -> SafeString:
        # When each version last served a request, and last passed a live test.
        return format_html("{}<br>{}", _when(version.last_used_at), _when(version.last_verified_at))


@admin.register(Integration)
class IntegrationAdmin(WebhookAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "vendor_label",
        "enabled",
        "last_test",
        "effective_base_url",
        "credentials",
        rotation_views.credential_badge,
        "allowlist_size",
    ]
    list_display_links = ["name"]
    actions = ["test_connectivity", "pull_now"]
    list_filter = ["vendor", "enabled"]
    search_fields = ["name", "notes"]
    inlines = [CredentialVersionInline, AllowlistEntryInline, ApiTokenInline, PullScheduleInline]
    form = IntegrationForm

    class Media:
        js = ["integrations/reveal.js", "integrations/test_request.js", "integrations/pulls.js"]

    # --- list -----------------------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Integration]:
        latest = TestRun.objects.filter(integration=OuterRef("pk")).order_by("-created_at", "-id")
        active = CredentialVersion.objects.filter(integration=OuterRef("pk"), state=CredentialState.ACTIVE)
        return renewal.prefetch_for_warnings(
            super()
            .get_queryset(request)
            .annotate(
                allowlist_count=Count("allowlist", distinct=True),
                last_test_diagnosis=Subquery(latest.values("diagnosis")[:1]),
                last_test_title=Subquery(latest.values("diagnosis_title")[:1]),
                last_test_at=Subquery(latest.values("created_at")[:1]),
                credentials_version=Subquery(active.values("version")[:1]),
                credentials_since=Subquery(active.values("activated_at")[:1]),
                # The account fields the default base URL is built from, fetched with the list.
                credentials_public=Subquery(active.values("public_values")[:1]),
            )
        )

    @admin.display(description="last test", ordering="last_test_at")
    def last_test(self, obj: Integration) -> SafeString | str:
        at = getattr(obj, "last_test_at", None)
        if at is None:
            return "never"
        code = getattr(obj, "last_test_diagnosis", "") or "pending"
        css = "ok" if code == "ok" else ("pending" if code == "pending" else "bad")
        now = timezone.now()
        age = "just now" if (now - at).total_seconds() < 60 else f"{timesince(at, now).split(',')[0]} ago"
        return format_html(
            '<span class="diagnosis {}" title="{}">{}</span> <span class="age">{}</span>',
            css,
            getattr(obj, "last_test_title", ""),
            code,
            age,
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
        if obj.vendor not in VENDORS:
            return "—"
        if obj.pk is None:
            # The add page: nothing stored yet, so say how the address will be made.
            pattern = obj.connector.base_url_pattern
            if not pattern:
                return f"{obj.connector.label} has no default address: give a base URL override."
            return f"Built from the account fields: {pattern} (unless an override is given)."
        if hasattr(obj, "credentials_public"):  # the list: no query per row
            public = obj.credentials_public or {}
            return obj.base_url_override or obj.connector.default_base_url(public) or "—"
        return obj.base_url or "—"

    @admin.display(description="credentials in use", ordering="credentials_since")
    def credentials(self, obj: Integration) -> SafeString | str:
        version = getattr(obj, "credentials_version", None)
        if version is None:
            return "none stored"
        since = getattr(obj, "credentials_since", None)
        when = f"{timezone.localtime(since):%d %b %Y}" if since else "—"
        return format_html(
            '<span title="{}">version {}, since {}</span>',
            "The credential version requests use now; each change of a credential makes a new version "
            "(see the integration's credential history).",
            version,
            when,
        )

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
        # Who may not change it reads the owner's name (a read-only user field would be a link).
        owner = "owner" if self.has_change_permission(request, obj) else "owner_name"
        return [
            (None, {"fields": ["name", "vendor", "enabled", owner, "timezone", "notes"]}),
            ("Vendor account", {"fields": account}),
            ("Address", {"fields": ["base_url_override", "effective_base_url"]}),
            *([("Pulls", {"fields": ["recent_pulls"]})] if obj is not None else []),
            *self.webhook_fieldsets(obj),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["effective_base_url", "account_summary", "recent_pulls", "webhook_panel", "owner_name"]

    @admin.display(description="owner")
    def owner_name(self, obj: Integration) -> str:
        return username(obj.owner)

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
        labels = {f.name: f.label for f in obj.connector.credential_fields}
        public = ", ".join(f"{labels.get(k, k)}: {v}" for k, v in sorted(active.public_values.items()))
        return f"Version {active.version}. {public}. Secrets are hidden."

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if request.GET.get("vendor") not in VENDORS:
            return self.choose_vendor_view(request)
        return super().add_view(request, form_url, extra_context)

    def choose_vendor_view(self, request: HttpRequest) -> HttpResponse:
        """The first step of Add: one card per vendor. Keeps the popup's query (the "+" of a form)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        is_popup = IS_POPUP_VAR in request.GET
        vendors = []
        for key, label in vendor_choices():
            connector = get_connector(key)
            query = request.GET.copy()
            query["vendor"] = key
            address = (
                f"Address: {connector.base_url_pattern}"
                if connector.base_url_pattern
                else "No default address: you give the API's base URL."
            )
            vendors.append(
                {
                    "key": key,
                    "label": label,
                    "needs": needed_fields(connector),
                    "address": address,
                    "url": f"?{query.urlencode()}",
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Add integration: choose the vendor",
            "vendors": vendors,
            "is_popup": is_popup,
            "is_nav_sidebar_enabled": not is_popup and self.admin_site.enable_nav_sidebar,
        }
        return TemplateResponse(request, "admin/integrations/integration/choose_vendor.html", context)

    # --- deleting (audited, with the beat tasks of its schedules) ----------------------------------
    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        return deleted_objects(objs, request, self.admin_site)

    def delete_model(self, request: HttpRequest, obj: Integration) -> None:
        delete_integration(obj, Actor.from_request(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        actor = Actor.from_request(request)
        with transaction.atomic():
            for integration in queryset:
                delete_integration(integration, actor)

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
        may_test = requires("integrations.view_integration", testing.RUN_PERMISSION)
        may_preview = requires("integrations.view_integration", testing.RUN_PERMISSION, json=True)
        return [
            path(
                "<int:pk>/reveal/<str:field>/",
                wrap(requires(credentials.REVEAL_PERMISSION, json=True)(require_POST(self.reveal_view))),
                name="integrations_integration_reveal",
            ),
            path(
                "<int:pk>/test/",
                wrap(may_test(lambda request, pk: test_views.test_request_view(site, request, pk))),
                name="integrations_integration_test",
            ),
            path(
                "<int:pk>/test/preview/",
                wrap(may_preview(lambda request, pk: test_views.test_preview_view(site, request, pk))),
                name="integrations_integration_test_preview",
            ),
            *rotation_views.urls(site),
            *self.webhook_urls(),
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


def _when(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else "—"


_AUDIT_NAMES: dict[type, str] = {AllowlistEntry: "allowlist", ApiToken: "token"}


def _public_details(instance: Any) -> dict[str, str]:
    if isinstance(instance, AllowlistEntry):
        return {"cidr": instance.cidr, "kind": instance.kind, "note": instance.note}
    if isinstance(instance, ApiToken):
        return {"name": instance.name}
    return {}
