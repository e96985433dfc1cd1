"""The second-factor pages: the code at login, enrolment (QR code and key), recovery codes.

Reached after the password: the person is signed in but, until a code is given, every other admin
page sends them here (portal.admin_site). A wrong code counts as a failed login for the
lockout (django-axes), on top of django-otp's per-device throttling.
"""

from collections.abc import Callable
from functools import wraps
from io import BytesIO
from typing import Any

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from integrations.admin.lockout import lockout_response
from integrations.services import twofactor
from integrations.services.audit import Actor

View = Callable[..., HttpResponse]


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label="Code",
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "size": 12}
        ),
    )


def urls(site: admin.AdminSite) -> list[URLPattern]:
    def page(view: Callable[[admin.AdminSite, HttpRequest], HttpResponse]) -> View:
        @wraps(view)
        def signed_in(request: HttpRequest) -> HttpResponse:
            user = request.user
            if not (user.is_active and user.is_staff):
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            return view(site, request)

        return never_cache(csrf_protect(sensitive_post_parameters("otp_token")(signed_in)))

    return [
        path("2fa/", page(status_view), name="twofactor_status"),
        path("2fa/verify/", page(verify_view), name="twofactor_verify"),
        path("2fa/enrol/", page(enrol_view), name="twofactor_enrol"),
        path("2fa/recovery-codes/", page(recovery_codes_view), name="twofactor_recovery_codes"),
    ]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure()):
        return wanted
    return reverse("admin:index")


def _render(
    site: admin.AdminSite, request: HttpRequest, template: str, title: str, **context: Any
) -> TemplateResponse:
    return TemplateResponse(
        request,
        f"admin/twofactor/{template}",
        {
            **site.each_context(request),
            "title": title,
            "next": _next(request),
            "next_name": REDIRECT_FIELD_NAME,
            **context,
        },
    )


def verify_view(site: admin.AdminSite, request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not twofactor.needs_code(user):
        return HttpResponseRedirect(_next(request))
    if not twofactor.is_enrolled(user):
        return HttpResponseRedirect(reverse("admin:twofactor_enrol") + f"?{request.GET.urlencode()}")
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        # Locked while the password step was done: the session must not wait it out here.
        logout(request)
        return lockout_response(request, None, credentials)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = twofactor.verify(user, form.cleaned_data["otp_token"])
        except twofactor.Throttled as exc:
            form.add_error("otp_token", f"Too many wrong codes in a row: {exc}.")
            return _render(site, request, "verify.html", "Two-factor authentication", form=form)
        if device is not None:
            django_otp.login(request, device)
            if device.persistent_id.startswith("otp_static."):
                left = twofactor.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} remain. Generate new ones on the "
                    "two-factor page if you are running short.",
                )
            return HttpResponseRedirect(_next(request))
        # A wrong code is a failed login: the lockout counts it (and may answer with the lockout).
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return lockout_response(request, None, credentials)
        form.add_error("otp_token", "That code is not valid (or was used already). Try the current one.")
    return _render(site, request, "verify.html", "Two-factor authentication", form=form)


def enrol_view(site: admin.AdminSite, request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app. A second device only from a verified session."""
    user = _user(request)
    if twofactor.is_enrolled(user) and not getattr(user, "is_verified", lambda: False)():
        return HttpResponseRedirect(reverse("admin:twofactor_verify") + f"?{request.GET.urlencode()}")
    device = twofactor.pending_app(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolled = twofactor.confirm_app(
                user, device, form.cleaned_data["otp_token"], Actor.from_request(request)
            )
        except twofactor.Throttled as exc:
            form.add_error("otp_token", f"Too many wrong codes in a row: {exc}.")
        else:
            if enrolled is not None:
                django_otp.login(request, enrolled.device)
                codes = enrolled.recovery_codes
                return _render(site, request, "recovery_codes.html", "Your recovery codes", codes=codes)
            form.add_error("otp_token", "That code does not match: check the phone's clock and try again.")
    return _render(
        site,
        request,
        "enrol.html",
        "Set up two-factor authentication",
        form=form,
        qr_svg=_qr_svg(device.config_url),
        secret=twofactor.secret_text(device),
        required=twofactor.is_required(user),
    )


def recovery_codes_view(site: admin.AdminSite, request: HttpRequest) -> HttpResponse:
    """POST: ten new recovery codes, shown once (GET goes to the status page)."""
    user = _user(request)
    if request.method != "POST" or not getattr(user, "is_verified", lambda: False)():
        return HttpResponseRedirect(reverse("admin:twofactor_status"))
    codes = twofactor.new_recovery_codes(user, Actor.from_request(request))
    return _render(site, request, "recovery_codes.html", "Your recovery codes", codes=codes)


def status_view(site: admin.AdminSite, request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if twofactor.needs_code(user):
        return site.second_factor_redirect(request, request.path)  # type: ignore[attr-defined]
    return _render(
        site,
        request,
        "status.html",
        "Two-factor authentication",
        enrolled=twofactor.is_enrolled(user),
        verified=getattr(user, "is_verified", lambda: False)(),
        codes_left=twofactor.recovery_codes_left(user),
        required=twofactor.is_required(user),
    )


def _qr_svg(data: str) -> SafeString:
    """The otpauth:// address as an SVG QR code, drawn here: no script, no image host."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = BytesIO()
    image.save(out)
    svg = out.getvalue().decode("utf-8")
    # An XML declaration is not allowed inside HTML; the rest is an <svg> element of our own making.
    svg = svg.split("?>", 1)[-1] if svg.startswith("<?xml") else svg
    return mark_safe(svg)  # noqa: S308 (generated from the device's own address, no user text)
