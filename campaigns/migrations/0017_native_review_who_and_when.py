"""Native review by native readers: who cleared each block's Tibetan and when, and who
reviewed each region's Tibetan name.

Until now any reviewer could clear native review with one click. Blocks of editions not yet
approved whose Tibetan was cleared that way are flagged again, so that no edition is
approved on a clearance no native reader gave; approved editions keep their state (the
audit log says who cleared them).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def flag_unapproved_clearances_again(apps, schema_editor):
    EditionBlock = apps.get_model("campaigns", "EditionBlock")
    MaterialEdition = apps.get_model("campaigns", "MaterialEdition")
    blocks = EditionBlock.objects.filter(needs_native_review=False).exclude(
        edition__status="approved"
    )
    editions = set(blocks.exclude(text_bo="").values_list("edition_id", flat=True))
    blocks.update(needs_native_review=True)
    MaterialEdition.objects.filter(pk__in=editions).update(needs_native_review=True)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0016_head_count"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="editionblock",
            name="native_reviewed_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="native review cleared at"
            ),
        ),
        migrations.AddField(
            model_name="editionblock",
            name="native_reviewed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="native review cleared by",
            ),
        ),
        migrations.AddField(
            model_name="region",
            name="name_bo_reviewed_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="Tibetan name reviewed at"
            ),
        ),
        migrations.AddField(
            model_name="region",
            name="name_bo_reviewed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="Tibetan name reviewed by",
            ),
        ),
        migrations.RunPython(flag_unapproved_clearances_again, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="editionblock",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("needs_native_review", False),
                    models.Q(
                        ("native_reviewed_at__isnull", True),
                        ("native_reviewed_by__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="block_native_review_cleared_only_when_not_pending",
            ),
        ),
    ]
