"""The portal's admin site: Django's, with the second factor as part of "may use the admin".

A password alone signs a person in but, where a code is due (services.twofactor.needs_code), opens
nothing but the second-factor pages: every admin page's permission check fails and sends them
back to the login, which sends them on to the code (or to enrolment, the first time).
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, URLResolver, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from integrations.services import twofactor


class SwitchboardAdminSite(admin.AdminSite):
    site_header = "Switchboard"
    site_title = "Switchboard"
    index_title = "Vendor integrations"

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        # Logging out must work half-way through a login too.
        if request.path == reverse("admin:logout", current_app=self.name):
            return True
        # Asked several times a request (the view's guard, then each_context): look once.
        if not hasattr(request, "_needs_second_factor"):
            request._needs_second_factor = twofactor.needs_code(request.user)  # type: ignore[attr-defined]
        return not request._needs_second_factor  # type: ignore[attr-defined]

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        user = request.user
        if request.method == "GET" and user.is_authenticated and twofactor.needs_code(user):
            return self.second_factor_redirect(request, request.GET.get(REDIRECT_FIELD_NAME, ""))
        response = super().login(request, extra_context)
        # The password was right (LoginView redirects): the code comes next, then `next`.
        if (
            request.method == "POST"
            and isinstance(response, HttpResponseRedirect)
            and request.user.is_authenticated
            and twofactor.needs_code(request.user)
        ):
            return self.second_factor_redirect(request, response.url)
        return response

    def second_factor_redirect(self, request: HttpRequest, after: str) -> HttpResponseRedirect:
        name = "twofactor_verify" if twofactor.is_enrolled(request.user) else "twofactor_enrol"
        target = reverse(f"admin:{name}", current_app=self.name)
        if after and url_has_allowed_host_and_scheme(after, {request.get_host()}, request.is_secure()):
            target += "?" + urlencode({REDIRECT_FIELD_NAME: after})
        return HttpResponseRedirect(target)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        from integrations.admin import twofactor as views

        return [*views.urls(self), *super().get_urls()]
