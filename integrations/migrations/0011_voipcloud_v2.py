"""Move VoIPcloud integrations with a typed v1 base URL to v2, the API the portal speaks.

VoIPcloud never published v1's answers, and its current integration API is v2 under the same
host; an override without a version path is left alone (the admin typed something deliberate).
"""

import re

from django.db import migrations

V1 = re.compile(r"/v1/?$")  # ".../api/integration/v1/", or any path ending in /v1


def to_v2(url):
    return V1.sub("/v2/", url) if V1.search(url) else None


def forwards(apps, schema_editor):
    Integration = apps.get_model("integrations", "Integration")
    for integration in Integration.objects.filter(vendor="voipcloud").exclude(base_url_override=""):
        moved = to_v2(integration.base_url_override)
        if moved is not None:
            integration.base_url_override = moved
            integration.save(update_fields=["base_url_override"])


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0010_callrecord_outcome_backfill"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
