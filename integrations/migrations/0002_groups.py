"""The three groups of people, with their permissions (DESIGN.md, "People and permissions")."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT_PERMISSIONS = [
    "integrations.view_integration",
    "integrations.run_test",
    "integrations.view_allowlistentry",
    "integrations.view_apitoken",
    "integrations.view_workerheartbeat",
]
REPORT_VIEWER_PERMISSIONS: list[str] = []  # the reports app adds its view permissions


def _permissions(apps, names):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so the groups get them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admins, _ = Group.objects.get_or_create(name="Integration admins")
    admins.permissions.set(
        Permission.objects.filter(content_type__app_label__in=["integrations", "django_celery_beat"])
    )
    support, _ = Group.objects.get_or_create(name="Support")
    support.permissions.set(_permissions(apps, SUPPORT_PERMISSIONS))
    viewers, _ = Group.objects.get_or_create(name="Report viewers")
    viewers.permissions.set(_permissions(apps, REPORT_VIEWER_PERMISSIONS))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Integration admins", "Support", "Report viewers"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
