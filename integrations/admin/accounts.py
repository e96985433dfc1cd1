"""People: Django's user admin plus an audited reset of someone's second factor.

django-otp's own device admins are taken away: they would let an admin read another person's
authenticator key (its QR code) or add a device to their account. Devices are made only by their
owner's enrolment, and removed only by the reset below.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from integrations.services import twofactor
from integrations.services.audit import Actor

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    actions = ["reset_two_factor"]
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "two_factor")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_two_factor=Exists(enrolled))

    @admin.display(description="two-factor", boolean=True, ordering="has_two_factor")
    def two_factor(self, user: User) -> bool:
        return bool(getattr(user, "has_two_factor", False))

    @admin.action(description="Reset two-factor authentication (they enrol again)", permissions=["change"])
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = Actor.from_request(request)
        for user in queryset:
            twofactor.reset(user, actor)
        count = len(queryset)
        self.message_user(
            request,
            f"Reset two-factor authentication of {count} user{'s' if count != 1 else ''}: "
            "they set up a new authenticator at their next login.",
        )
