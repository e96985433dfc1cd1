"""Portal API tokens in the admin: issue one (its value shown on that page, once), list, revoke."""

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from integrations.models import PortalToken, Scope
from integrations.services import portal_tokens
from integrations.services.audit import Actor


class IssueTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. 'CRM sync'.")
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        help_text="The token acts as this user and can never do more than the user may.",
    )
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple)
    expires_on = forms.DateField(
        required=False,
        help_text="The token stops working at the start of this day (the portal's time zone). "
        "Blank: it never expires.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    allowed_ips = forms.CharField(
        label="Allowed addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40, "placeholder": "203.0.113.10\n2001:db8::/32"}),
        help_text="Addresses or CIDR networks it may be used from, one per line. Blank: any address.",
    )

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        return timezone.make_aware(datetime.combine(day, time.min)) if day else None

    def networks(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data.get("allowed_ips", "").splitlines() if line.strip()
        ]


@admin.register(PortalToken)
class PortalTokenAdmin(admin.ModelAdmin):
    """Tokens are issued through the form below and never edited; revoking keeps the record."""

    list_display = ["name", "prefix", "owner", "scope_list", "status", "expires_at", "last_used_at"]
    list_filter = ["owner"]
    search_fields = ["name", "key"]
    list_select_related = ["owner"]
    actions = ["revoke_selected"]
    fields = (
        "name",
        "prefix",
        "owner",
        "scope_list",
        "allowed_ips",
        "status",
        "created_at",
        "created_by",
        "expires_at",
        "revoked_at",
        "revoked_by",
        "last_used_at",
        "last_used_address",
        "last_used_user_agent",
    )
    readonly_fields = fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # nothing about a token changes but its revocation (its own button)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the record of who held what stays

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(portal_tokens.REVOKE_PERMISSION)

    @admin.display(description="scopes")
    def scope_list(self, token: PortalToken) -> str:
        return ", ".join(token.scopes)

    @admin.action(description="Revoke the selected tokens", permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[PortalToken]) -> None:
        actor = Actor.from_request(request)
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            portal_tokens.revoke(token, actor)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} token{'s' if revoked != 1 else ''}.")

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/revoke/",
                self.admin_site.admin_view(require_POST(self.revoke_view)),
                name="integrations_portaltoken_revoke",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        default_expiry = (timezone.localdate() + timedelta(days=90)).isoformat()
        initial = {"owner": request.user.pk, "expires_on": default_expiry, "scopes": [Scope.CALLS_READ]}
        form = IssueTokenForm(request.POST or None, initial=initial)
        issued = None
        if request.method == "POST" and form.is_valid():
            try:
                issued = portal_tokens.create(
                    name=form.cleaned_data["name"],
                    owner=form.cleaned_data["owner"],
                    scopes=form.cleaned_data["scopes"],
                    actor=Actor.from_request(request),
                    expires_at=form.expires_at(),
                    allowed_ips=form.networks(),
                )
            except (ValidationError, PermissionDenied) as exc:
                problems = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                for problem in problems:
                    form.add_error(None, problem)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Issue a portal API token" if issued is None else "Portal API token issued",
            "form": form,
            "issued": issued,
            "api_base": request.build_absolute_uri("/api/v1/"),
        }
        # admin_view marks the answer never_cache (no-store): the value is kept by nobody.
        return TemplateResponse(request, "admin/integrations/portaltoken/issue.html", context)

    def revoke_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        token = get_object_or_404(PortalToken, pk=pk)
        try:
            portal_tokens.revoke(token, Actor.from_request(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Revoked {token}: it is refused from now on.")
        return HttpResponseRedirect(reverse("admin:integrations_portaltoken_change", args=[pk]))
