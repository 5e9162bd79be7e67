"""One head count per in-person event; its audience groups become "of whom" figures.

Until now people reached was the sum of the groups, which counts a herder woman twice. An
in-person event reported before this migration has no head count of its own, so it gets the
old sum, marked as derived: the event page says so until someone confirms or corrects it.
The sum is at least every group, so the new rule (each group at most the head count) holds
for every such event; a sum beyond one event's bound is cut to the bound, still above each
group. Online events keep their reach.
"""

from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.functions import Least

# bounds.PEOPLE when this migration was written.
PEOPLE = 100_000


def head_counts_from_old_sums(apps, schema_editor):
    Event = apps.get_model("campaigns", "Event")
    Event.objects.filter(channel="offline", people_reached__isnull=False).update(
        head_count=Least(F("people_reached"), Value(PEOPLE)),
        people_reached=Least(F("people_reached"), Value(PEOPLE)),
        head_count_derived=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0015_job_refused"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="event",
            name="event_figures_in_bounds",
        ),
        migrations.AddField(
            model_name="event",
            name="head_count",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Everyone who came. One person may count in several groups below.",
                null=True,
                verbose_name="head count",
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="head_count_derived",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="head count derived from the groups"
            ),
        ),
        migrations.RunPython(head_counts_from_old_sums, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("head_count__gte", 0),
                    ("head_count__lte", 100000),
                    ("staff_count__gte", 0),
                    ("staff_count__lte", 100000),
                    ("outlets_count__gte", 0),
                    ("outlets_count__lte", 100000),
                    ("visitors_received__gte", 0),
                    ("visitors_received__lte", 100000),
                    ("matters_raised__gte", 0),
                    ("matters_raised__lte", 100000),
                    ("matters_resolved__gte", 0),
                    ("matters_resolved__lte", 100000),
                    ("matters_referred__gte", 0),
                    ("matters_referred__lte", 100000),
                    ("audience_elderly__gte", 0),
                    ("audience_elderly__lte", 100000),
                    ("audience_youth__gte", 0),
                    ("audience_youth__lte", 100000),
                    ("audience_women__gte", 0),
                    ("audience_women__lte", 100000),
                    ("audience_ethnic_minority__gte", 0),
                    ("audience_ethnic_minority__lte", 100000),
                    ("audience_farmers_herders__gte", 0),
                    ("audience_farmers_herders__lte", 100000),
                    ("audience_new_urban_residents__gte", 0),
                    ("audience_new_urban_residents__lte", 100000),
                    ("audience_migrant_workers__gte", 0),
                    ("audience_migrant_workers__lte", 100000),
                    ("audience_disabled__gte", 0),
                    ("audience_disabled__lte", 100000),
                    ("audience_foreigners__gte", 0),
                    ("audience_foreigners__lte", 100000),
                    ("audience_enterprise_staff__gte", 0),
                    ("audience_enterprise_staff__lte", 100000),
                    ("audience_other__gte", 0),
                    ("audience_other__lte", 100000),
                    ("online_reach__gte", 0),
                    ("online_reach__lte", 1000000000),
                    ("people_reached__gte", 0),
                    ("people_reached__lte", 1000000000),
                ),
                name="event_figures_in_bounds",
                violation_error_message="A figure of this event is beyond any event's.",
            ),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("channel", "offline"), _negated=True),
                    models.Q(
                        models.Q(
                            ("audience_elderly__isnull", True),
                            models.Q(
                                ("audience_elderly__lte", models.F("head_count")),
                                ("head_count__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        models.Q(
                            ("audience_youth__isnull", True),
                            models.Q(
                                ("audience_youth__lte", models.F("head_count")),
                                ("head_count__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        models.Q(
                            ("audience_women__isnull", True),
                            models.Q(
                                ("audience_women__lte", models.F("head_count")),
                                ("head_count__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        models.Q(
                            ("audience_ethnic_minority__isnull", True),
                            models.Q(
                                ("audience_ethnic_minority__lte", models.F("head_count")),
                                ("head_count__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        models.Q(
                            ("audience_farmers_herders__isnull", True),
                            models.Q(
                                ("audience_farmers_herders__lte", models.F("head_count")),
                                ("head_count__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        models.Q(
                            ("audience_new_urban_residents__isnull", True),
                            models.Q(
                                ("audience_new_urban_residents__lte", models.F("head_count")),
                                ("head_count__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        models.Q(
                            ("audience_migrant_workers__isnull", True),
                            models.Q(
                                ("audience_migrant_workers__lte", models.F("head_count")),
                                ("head_count__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        models.Q(
                            ("audience_disabled__isnull", True),
                            models.Q(
                                ("audience_disabled__lte", models.F("head_count")),
                                ("head_count__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        models.Q(
                            ("audience_foreigners__isnull", True),
                            models.Q(
                                ("audience_foreigners__lte", models.F("head_count")),
                                ("head_count__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        models.Q(
                            ("audience_enterprise_staff__isnull", True),
                            models.Q(
                                ("audience_enterprise_staff__lte", models.F("head_count")),
                                ("head_count__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        models.Q(
                            ("audience_other__isnull", True),
                            models.Q(
                                ("audience_other__lte", models.F("head_count")),
                                ("head_count__isnull", False),
                            ),
                            _connector="OR",
                        ),
                    ),
                    _connector="OR",
                ),
                name="event_groups_within_head_count",
                violation_error_message="A group is part of the head count: it cannot be larger than the head count, and needs one.",
            ),
        ),
    ]
