"""The event lists read a page from an index, not by sorting or scanning every event.

At 100,000 events (bench/load.py) the web list, the API's list, the review queue and an
organizer's "to report" panel each took 30-110 ms in PostgreSQL sorting the whole campaign
for 50 rows. On the few rows of a test the planner would rather scan, so scans and sorts
are priced out (SET LOCAL, this test's transaction only): what is left is whether an index
can answer the query at all. (The two other indexes of migration 0023, for a branch's count
and for the "to report" panel, are chosen by the planner only on real numbers of rows: the
load benchmark shows them.)
"""

import datetime as dt

import pytest
from django.db import connection

from campaigns.models import Membership
from campaigns.selectors.events import (
    EventFilters,
    event_list,
    review_queue,
)
from tests import factories as f

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are PostgreSQL's"
)


def _plan(queryset) -> str:
    sql, parameters = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", parameters)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def events(org_tree):
    campaign = f.CampaignFactory()
    start = dt.datetime(2025, 3, 10, 9, tzinfo=dt.UTC)
    for day, status in enumerate(["planned", "returned", "reported", "approved"] * 3):
        f.EventFactory(
            campaign=campaign,
            org_unit=org_tree["central_a"],
            status=status,
            starts_at=start + dt.timedelta(days=day),
            reported_at=start + dt.timedelta(days=day, hours=2),
        )
    return campaign


def _member(unit, role):
    user = f.UserFactory()
    f.MembershipFactory(user=user, org_unit=unit, role=role)
    return user


@pytest.mark.django_db
def test_a_campaigns_events_newest_first_are_read_in_order_from_an_index(org_tree, events):
    reviewer = _member(org_tree["hq"], Membership.Role.REVIEWER)
    page = event_list(user=reviewer, filters=EventFilters(campaign_id=events.pk))[:50]
    plan = _plan(page)
    assert "event_campaign_newest" in plan
    assert "Sort" not in plan


@pytest.mark.django_db
def test_the_review_queue_oldest_report_first_is_read_in_order_from_an_index(org_tree, events):
    reviewer = _member(org_tree["hq"], Membership.Role.REVIEWER)
    plan = _plan(review_queue(user=reviewer)[:50])
    assert "event_review_queue" in plan
    assert "Sort" not in plan
