"""Ids for offline reports: every event and every photo gets a UUID of its own, and an event
keeps what the last request of a phone stored under it.

A UUID column cannot be added unique with a default: the default is computed once, so every
existing row would get the same value. It is added nullable, each existing row is given its
own id, and only then is the column made unique and required (Django's "migrations that add
unique fields"), here in one migration: the rows' update touches no key, so PostgreSQL has no
pending trigger events to refuse the ALTER TABLE that follows.
"""

import uuid

from django.db import migrations, models

BATCH = 1000


def ids_give(apps, schema_editor):
    for name in ("Event", "EventPhoto"):
        model = apps.get_model("campaigns", name)
        rows = list(model.objects.filter(uuid__isnull=True).only("pk").order_by("pk"))
        for row in rows:
            row.uuid = uuid.uuid4()
        model.objects.bulk_update(rows, ["uuid"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0018_job_result_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="uuid",
            field=models.UUIDField(editable=False, null=True, verbose_name="report id"),
        ),
        migrations.AddField(
            model_name="eventphoto",
            name="uuid",
            field=models.UUIDField(editable=False, null=True, verbose_name="photo id"),
        ),
        migrations.RunPython(ids_give, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="event",
            name="uuid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="report id"
            ),
        ),
        migrations.AlterField(
            model_name="eventphoto",
            name="uuid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="photo id"
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="offline_payload_sha256",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="event",
            name="offline_version",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="event",
            name="offline_config_version",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="event",
            name="photos_expected",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.AddField(
            model_name="eventphoto",
            name="sha256",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
    ]
