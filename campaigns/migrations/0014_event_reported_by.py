"""Who sent an event's report for review, so that returning it reaches that person.

Reports sent before this migration take their reporter from the audit log: the actor of the
latest "submitted" entry of the event. Reports without one (imported, seeded) keep none and
are returned to their unit's organizers.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast


def reporters_from_audit_log(apps, schema_editor):
    Event = apps.get_model("campaigns", "Event")
    AuditEntry = apps.get_model("campaigns", "AuditEntry")
    latest_submitter = (
        AuditEntry.objects.filter(
            object_type="campaigns.event",
            object_id=Cast(OuterRef("pk"), CharField()),
            action="campaigns.event.submitted",
            actor__isnull=False,
        )
        .order_by("-created_at", "-pk")
        .values("actor")[:1]
    )
    Event.objects.filter(reported_at__isnull=False).update(reported_by=Subquery(latest_submitter))


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0013_frozen_reports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="reported_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="reported by",
            ),
        ),
        migrations.RunPython(reporters_from_audit_log, migrations.RunPython.noop, elidable=True),
    ]
