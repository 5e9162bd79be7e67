"""A job may end "refused": its work was checked and nothing was saved (an import with
problems), shown apart from one that succeeded, with its first problems kept for its page."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0014_event_reported_by"),
    ]

    operations = [
        migrations.AlterField(
            model_name="job",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "queued"),
                    ("running", "running"),
                    ("succeeded", "succeeded"),
                    ("refused", "checked: nothing saved"),
                    ("failed", "failed"),
                ],
                default="queued",
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="job",
            name="problems",
            field=models.JSONField(blank=True, default=list, verbose_name="problems"),
        ),
        migrations.AddField(
            model_name="job",
            name="problem_count",
            field=models.PositiveIntegerField(default=0, verbose_name="number of problems"),
        ),
    ]
