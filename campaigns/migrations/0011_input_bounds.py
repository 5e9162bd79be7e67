"""The limits of campaigns/bounds.py, held by the database too.

Written out here rather than imported: a migration must keep meaning what it meant when it
was written, whatever bounds.py says later.

Adding a constraint checks the rows already stored. A database holding a value beyond these
limits (an event of year 1, 2,147,483,648 copies) refuses the migration with the
constraint's name; fix or remove that row, then migrate again.
"""

import datetime

from django.db import migrations, models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

EARLIEST_MOMENT = datetime.datetime(1999, 12, 31, 10, 0, tzinfo=datetime.timezone.utc)
LATEST_MOMENT = datetime.datetime(2101, 1, 1, 14, 0, tzinfo=datetime.timezone.utc)
EARLIEST_DAY = datetime.date(2000, 1, 1)
LATEST_DAY = datetime.date(2100, 12, 31)
PEOPLE = 100_000
REACH = 1_000_000_000
COPIES = 100_000
NOTE = 2_000
LONG_TEXT = 10_000
AUDIENCE = [
    "audience_elderly",
    "audience_youth",
    "audience_women",
    "audience_ethnic_minority",
    "audience_farmers_herders",
    "audience_new_urban_residents",
    "audience_migrant_workers",
    "audience_disabled",
    "audience_foreigners",
    "audience_enterprise_staff",
    "audience_other",
]


def counts(low, high, *fields):
    return [pair for name in fields for pair in ((f"{name}__gte", low), (f"{name}__lte", high))]


def moments(*fields):
    return [
        pair
        for name in fields
        for pair in ((f"{name}__gte", EARLIEST_MOMENT), (f"{name}__lt", LATEST_MOMENT))
    ]


def days(*fields):
    return [
        pair
        for name in fields
        for pair in ((f"{name}__gte", EARLIEST_DAY), (f"{name}__lte", LATEST_DAY))
    ]


def lengths(length, *fields):
    return [LessThanOrEqual(Length(name), length) for name in fields]


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0010_sign_ins"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="event",
            constraint=models.CheckConstraint(
                condition=models.Q(*moments("starts_at", "ends_at")),
                name="event_moments_in_bounds",
                violation_error_message=(
                    "Give a date and time from 2000-01-01 to 2100-12-31, with an offset of at "
                    "most ±14:00."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    *counts(
                        0,
                        PEOPLE,
                        "staff_count",
                        "outlets_count",
                        "visitors_received",
                        "matters_raised",
                        "matters_resolved",
                        "matters_referred",
                        *AUDIENCE,
                    ),
                    *counts(0, REACH, "online_reach", "people_reached"),
                ),
                name="event_figures_in_bounds",
                violation_error_message="A figure of this event is beyond any event's.",
            ),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    *lengths(LONG_TEXT, "summary"), *lengths(NOTE, "review_note", "cancel_reason")
                ),
                name="event_texts_in_bounds",
                violation_error_message="A text of this event is too long.",
            ),
        ),
        migrations.AddConstraint(
            model_name="audiencecount",
            constraint=models.CheckConstraint(
                condition=models.Q(*counts(0, PEOPLE, "count")),
                name="audience_count_in_bounds",
                violation_error_message="A count of this event is beyond any event's.",
            ),
        ),
        migrations.AddConstraint(
            model_name="campaign",
            constraint=models.CheckConstraint(
                condition=models.Q(*days("starts_on", "ends_on")),
                name="campaign_days_in_bounds",
                violation_error_message="Give a date from 2000-01-01 to 2100-12-31.",
            ),
        ),
        migrations.AddConstraint(
            model_name="campaigntarget",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    *counts(0, 1_000_000, "events"),
                    *counts(0, REACH, "people_reached"),
                    *counts(0, 10_000, "counties_covered", "special_area_counties_covered"),
                ),
                name="target_figures_in_bounds",
                violation_error_message="A target is beyond what any unit could reach.",
            ),
        ),
        migrations.AddConstraint(
            model_name="partner",
            constraint=models.CheckConstraint(
                condition=models.Q(*lengths(LONG_TEXT, "notes")),
                name="partner_notes_in_bounds",
                violation_error_message="The notes are too long.",
            ),
        ),
        migrations.AddConstraint(
            model_name="partneragreement",
            constraint=models.CheckConstraint(
                condition=models.Q(*days("starts_on", "ends_on")),
                name="agreement_days_in_bounds",
                violation_error_message="Give a date from 2000-01-01 to 2100-12-31.",
            ),
        ),
        migrations.AddConstraint(
            model_name="partnerservice",
            constraint=models.CheckConstraint(
                condition=models.Q(*counts(0, PEOPLE, "people_served", "screened", "referred")),
                name="service_figures_in_bounds",
                violation_error_message="A figure of this service is beyond any event's.",
            ),
        ),
        migrations.AddConstraint(
            model_name="blockcomment",
            constraint=models.CheckConstraint(
                condition=models.Q(*lengths(NOTE, "text")),
                name="comment_text_in_bounds",
                violation_error_message="The comment is too long.",
            ),
        ),
        migrations.AddConstraint(
            model_name="printrun",
            constraint=models.CheckConstraint(
                condition=models.Q(*counts(1, COPIES, "copies"), *lengths(NOTE, "delivery_note")),
                name="print_run_order_in_bounds",
                violation_error_message="The copies or the delivery note are beyond any order.",
            ),
        ),
        migrations.AddConstraint(
            model_name="materialuse",
            constraint=models.CheckConstraint(
                condition=models.Q(*counts(1, COPIES, "copies")),
                name="material_use_copies_in_bounds",
                violation_error_message="More copies than any print run holds.",
            ),
        ),
    ]
