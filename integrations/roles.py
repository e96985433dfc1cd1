"""The three groups of people and their permissions (DESIGN.md, "People and permissions").

Kept in step after every `migrate` (post_migrate), so a model added later gives its permissions
to the right groups without a data migration of its own.
"""

from typing import Any

from django.contrib.auth.models import Group, Permission

INTEGRATION_ADMINS = "Integration admins"
SUPPORT = "Support"
REPORT_VIEWERS = "Report viewers"

# Whole apps for the admins; exact permissions for the others.
ADMIN_APPS = ("integrations", "django_celery_beat", "axes")  # axes: see and lift login lockouts
# Sending a test request that changes something at the vendor (VoIPcloud's "Call a number"
# places a real call): Integration admins only. Support runs every other test, but not these.
SIDE_EFFECT_TEST_PERMISSION = "integrations.run_side_effect_test"
ADMIN_PERMISSIONS = (SIDE_EFFECT_TEST_PERMISSION,)
SUPPORT_PERMISSIONS = (
    "integrations.view_integration",
    "integrations.run_test",
    "integrations.view_allowlistentry",
    "integrations.view_apitoken",
    "integrations.view_workerheartbeat",
    "integrations.view_testrun",
    "integrations.view_pullrun",
    "integrations.view_rotation",
    "integrations.view_webhookevent",
)
REPORT_VIEWER_PERMISSIONS = ("integrations.view_report", "integrations.view_reportrun")


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    found: list[Permission] = []
    for name in names:
        app_label, codename = name.split(".")
        found.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    return found


def sync_groups(**signal_kwargs: Any) -> None:
    """Create the groups if missing and grant what they should have (never revokes extras)."""
    admins, _ = Group.objects.get_or_create(name=INTEGRATION_ADMINS)
    admins.permissions.add(*Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
    admins.permissions.add(*_permissions(ADMIN_PERMISSIONS))
    support, _ = Group.objects.get_or_create(name=SUPPORT)
    support.permissions.add(*_permissions(SUPPORT_PERMISSIONS))
    viewers, _ = Group.objects.get_or_create(name=REPORT_VIEWERS)
    viewers.permissions.add(*_permissions(REPORT_VIEWER_PERMISSIONS))
