"""A handout block's text bounded in each language, so that comparing two editions stays
quick (campaigns/models/materials.py: BLOCK_TEXT_LENGTH).

Written out here rather than imported, like 0011. A database holding a longer block refuses
the constraint with its name; shorten that block, then migrate again.
"""

import django.core.validators
from django.db import migrations, models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

BLOCK_TEXT = 5_000


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0012_job_heartbeat"),
    ]

    operations = [
        migrations.AlterField(
            model_name="editionblock",
            name="text_zh",
            field=models.TextField(
                blank=True,
                validators=[django.core.validators.MaxLengthValidator(BLOCK_TEXT)],
                verbose_name="Chinese text",
            ),
        ),
        migrations.AlterField(
            model_name="editionblock",
            name="text_bo",
            field=models.TextField(
                blank=True,
                validators=[django.core.validators.MaxLengthValidator(BLOCK_TEXT)],
                verbose_name="Tibetan text",
            ),
        ),
        migrations.AddConstraint(
            model_name="editionblock",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    LessThanOrEqual(Length("text_zh"), BLOCK_TEXT),
                    LessThanOrEqual(Length("text_bo"), BLOCK_TEXT),
                ),
                name="block_text_length",
            ),
        ),
    ]
