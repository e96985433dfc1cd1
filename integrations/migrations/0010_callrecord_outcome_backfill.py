"""Give the calls pulled before outcomes existed the outcome their `answered` already said."""

from django.db import migrations


def backfill(apps, schema_editor):
    CallRecord = apps.get_model("integrations", "CallRecord")
    # Finer outcomes (busy, failed, voicemail) come with the next pull of each call, which maps the
    # vendor's disposition afresh; until then answered/missed is what is known.
    CallRecord.objects.filter(answered=True).update(outcome="answered")
    CallRecord.objects.filter(answered=False).update(outcome="missed")
    CallRecord.objects.filter(answered__isnull=True).update(outcome="unknown")


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0009_callrecord_outcome"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
