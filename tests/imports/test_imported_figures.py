"""Journey 4 into journey 2: an event imported from a sheet shows the head count and the
groups of it, as the sheet gave them, on its page, on the coverage page and on the
regulator's sheet."""

import datetime as dt

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.models import Campaign, Event, Job, OrgUnit
from campaigns.seeding.seeds import seeds_load
from campaigns.selectors.coverage import unit_coverage
from campaigns.selectors.events import EventFilters
from campaigns.services.events import event_approve
from campaigns.services.imports import events_import
from campaigns.services.jobs import job_execute
from portal.models import User
from tests.factories import JobFactory
from tests.imports.test_events_import import sheet

pytestmark = pytest.mark.django_db

# 120 came to a market-day stall in Hongyuan: 90 herders, 70 women, 40 elderly (overlapping).
ROW = {
    "external_ref": "ABA-2025-017",
    "title": "瓦切镇集市日反诈摆摊",
    "county": "513233",
    "venue_name": "瓦切镇集市",
    "venue_type": "乡村/农牧区",
    "format": "摆摊宣传",
    "starts_at": dt.datetime(2025, 3, 14, 10, 0),  # noqa: DTZ001 - Excel cells have no zone
    "topics": "反诈",
    "head_count": 120,
    "audience_farmers_herders": 90,
    "audience_women": 70,
    "audience_elderly": 40,
}


def test_an_imported_events_head_count_and_groups_reach_its_page_coverage_and_the_sheet(client):
    seeds_load(demo_users=True)
    campaign = Campaign.objects.get(name__contains="金融消费者权益保护教育宣传周")
    aba = OrgUnit.objects.get(code="SC-ABA")
    organizer = User.objects.get(username="aba-organizer")
    reviewer = User.objects.get(username="sc-reviewer")

    result = events_import(
        user=organizer, org_unit_id=aba.pk, campaign_id=campaign.pk, data=sheet(ROW), submit=True
    )
    assert result.saved, result.problems
    event = Event.objects.get(external_ref=ROW["external_ref"])
    event_approve(user=reviewer, event_id=event.pk, expected_version=event.version)

    client.force_login(organizer)
    page = client.get(reverse("event_detail", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    head_count, groups = page.text.split('class="figures head-count"')[1].split("audience-groups")
    assert "<dd>120</dd>" in head_count
    assert all(f"<dd>{count}</dd>" in groups for count in (90, 70, 40))
    # No sum of the groups, with or without the 120.
    assert ">200<" not in page.text
    assert ">320<" not in page.text

    hq_reviewer = User.objects.get(username="hq-reviewer")
    coverage = unit_coverage(user=hq_reviewer, campaign=campaign, filters=EventFilters(), unit=aba)
    own_row = next(row for row in coverage.rows if row.label == aba.name)
    assert own_row.figures.people_reached == 120

    job = JobFactory(
        kind=Job.Kind.REGULATOR_SHEET,
        owner=hq_reviewer,
        org_unit=aba,
        params={"campaign_id": campaign.pk, "include_reported": False},
    )
    job_execute(job_id=job.pk)
    rows = list(
        load_workbook(Job.objects.get(pk=job.pk).result.open("rb"))["统计表"].iter_rows(
            values_only=True
        )
    )
    own = dict(zip(rows[2], next(row for row in rows if row[0] == aba.name), strict=True))
    assert own["线下参加人数"] == 120
    assert (own["其中：农牧民"], own["其中：妇女"], own["其中：老年人"]) == (90, 70, 40)
