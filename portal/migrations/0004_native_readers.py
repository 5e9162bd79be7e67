"""Native readers of Tibetan: a per-user mark set by administrators on the members page."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_staff_only_superusers"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="is_native_reader",
            field=models.BooleanField(
                default=False,
                help_text="Only a native reader of Tibetan clears Tibetan text for print and display.",
                verbose_name="native reader of Tibetan",
            ),
        ),
    ]
