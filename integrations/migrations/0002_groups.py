"""The three groups of people (DESIGN.md, "People and permissions").

Their permissions are granted by `integrations.roles.sync_groups` after every migrate, once all
permissions exist; that keeps them complete as later models add permissions.
"""

from django.db import migrations

GROUPS = ["Integration admins", "Support", "Report viewers"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
