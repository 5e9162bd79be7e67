"""Coverage summaries rebuilt from the events: after a bulk load, or to repair them.

Kept in step otherwise by every change of an event (campaigns/models/coverage.py).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, DateField, Max, Q, Sum
from django.db.models.functions import Coalesce, TruncWeek

from campaigns.models import CoverageSummary, Event
from campaigns.models.coverage import (
    SUMMED,
    channel_column,
    format_column,
    venue_column,
)
from campaigns.models.events import AUDIENCE_COLUMNS, Channel, EventFormat, VenueType

# Rows written per INSERT.
BATCH_SIZE = 2000


def summary_aggregates() -> dict:
    """The figures of a summary row as aggregates over its events, in the database: the
    same rules as ``event_contribution``, written a second time so that each checks the
    other (tests/services/test_coverage_summaries.py)."""
    in_person = Q(channel=Channel.OFFLINE)
    figures = {
        "events": Count("pk"),
        "people_reached": Coalesce(Sum("people_reached"), 0),
        "head_count": Coalesce(Sum("head_count", filter=in_person), 0),
        "online_reach": Coalesce(Sum("online_reach", filter=~in_person), 0),
        "staff": Coalesce(Sum("staff_count"), 0),
        "outlets": Coalesce(Sum("outlets_count"), 0),
        **{channel_column(v): Count("pk", filter=Q(channel=v)) for v in Channel.values},
        **{venue_column(v): Count("pk", filter=Q(venue_type=v)) for v in VenueType.values},
        **{format_column(v): Count("pk", filter=Q(format=v)) for v in EventFormat.values},
        **{column: Coalesce(Sum(column, filter=in_person), 0) for column in AUDIENCE_COLUMNS},
        "last_event": Max("starts_at"),
    }
    assert set(figures) >= set(SUMMED)  # noqa: S101 - a list kept in two places
    return figures


def summaries_computed(event_model, *, campaign_id: int | None = None) -> list[dict]:
    """The summary rows the events make, computed afresh (one grouped query)."""
    events = event_model._base_manager.all()
    if campaign_id is not None:
        events = events.filter(campaign_id=campaign_id)
    return list(
        events.annotate(week=TruncWeek("starts_at", output_field=DateField()))
        .values("campaign_id", "org_unit_id", "county_id", "status", "week")
        .annotate(**summary_aggregates())
        .order_by("campaign_id", "org_unit_id", "county_id", "status", "week")
    )


def summaries_rebuild(event_model, summary_model, *, campaign_id: int | None = None) -> int:
    """Replace the summaries (of one campaign, or all) by those the events make; returns
    the number of rows. For the migration too, which passes its historical models."""
    if connection.vendor == "postgresql":
        # Changes of events wait until the rebuild is done: a change counted neither in the
        # rows read nor in the rows written would be lost.
        table = connection.ops.quote_name(summary_model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    stale = summary_model._base_manager.all()
    if campaign_id is not None:
        stale = stale.filter(campaign_id=campaign_id)
    stale._raw_delete(stale.db)  # no cascades or signals: nothing refers to summary rows
    computed = summaries_computed(event_model, campaign_id=campaign_id)
    rows = [summary_model(**figures) for figures in computed]
    summary_model._base_manager.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


@transaction.atomic
def coverage_summaries_rebuild(*, campaign_id: int | None = None) -> int:
    """Rebuild the coverage summaries from the events, of one campaign or of all; the same
    result however often it runs. Returns the number of summary rows written."""
    return summaries_rebuild(Event, CoverageSummary, campaign_id=campaign_id)
