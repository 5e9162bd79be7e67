from django.db import migrations, models
from django.db.models import F, Q


def jobs_in_flight_count_as_sent_and_alive(apps, schema_editor):
    # Jobs queued or running while this is deployed were handed to the broker by the code
    # before it, and a running one's last progress stands in for its heartbeat: neither is
    # sent again, nor taken over from a worker still busy with it, at once.
    Job = apps.get_model("campaigns", "Job")
    unfinished = Job.objects.filter(status__in=["queued", "running"])
    unfinished.update(sent_at=F("created_at"))
    unfinished.filter(status="running").update(heartbeat_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0011_input_bounds"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent at"),
        ),
        migrations.AddField(
            model_name="job",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="heartbeat at"),
        ),
        migrations.AddField(
            model_name="job",
            name="task_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="task"),
        ),
        migrations.AddField(
            model_name="job",
            name="idempotency_key",
            field=models.CharField(blank=True, max_length=64, verbose_name="idempotency key"),
        ),
        migrations.AddConstraint(
            model_name="job",
            constraint=models.UniqueConstraint(
                condition=~Q(idempotency_key=""),
                fields=("owner", "kind", "idempotency_key"),
                name="job_idempotency_key_once",
            ),
        ),
        migrations.RunPython(jobs_in_flight_count_as_sent_and_alive, migrations.RunPython.noop),
    ]
