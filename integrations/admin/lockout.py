"""The login lockout (django-axes): its answer on the login page, its audit, and unlocking."""

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessLogAdmin
from axes.conf import settings  # Django's, with django-axes' defaults filled in
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from axes.signals import user_locked_out
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.db.models import QuerySet
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from integrations.services import logins
from integrations.services.audit import Actor


def lockout_message(minutes: int) -> str:
    return (
        f"Too many failed attempts; try again in {minutes} minute{'s' if minutes != 1 else ''} "
        "or ask an admin to unlock."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The login page again, saying why and for how long (AXES_LOCKOUT_CALLABLE)."""
    username = get_client_username(request, credentials) or ""
    minutes = logins.minutes_left(logins.lockout_attempt(username, getattr(request, "axes_ip_address", None)))
    context = {
        **admin.site.each_context(request),
        "title": "Log in",
        "app_path": request.get_full_path(),
        "form": AdminAuthenticationForm(request, initial={"username": username}),
        "lockout_message": lockout_message(minutes),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    response = TemplateResponse(request, "admin/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
    return response.render()


@receiver(user_locked_out, dispatch_uid="switchboard-audit-lockout")
def audit_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **_: Any
) -> None:
    # django-axes signals every refused attempt of a lockout; only the failure that began it
    # carries the count it reached.
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    logins.record_lockout(username, ip_address)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """Failed logins per user name and address; deleting a row (Unlock) lifts its lockout."""

    actions = ["unlock"]

    @admin.action(description="Unlock (forget these failed attempts)", permissions=["delete"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        count = logins.unlock(queryset, Actor.from_request(request))
        self.message_user(request, f"Unlocked {count} user name and address pair{'s' if count != 1 else ''}.")

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        logins.unlock([obj], Actor.from_request(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        logins.unlock(queryset, Actor.from_request(request))


@admin.register(AccessLog)
class LoginLogAdmin(AccessLogAdmin):
    """Successful logins: who, from where, when, and when they logged out."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
