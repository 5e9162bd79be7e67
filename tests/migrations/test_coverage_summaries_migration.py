"""Migration 0021 builds the coverage summaries of the events already stored."""

import datetime as dt

import pytest

BEFORE = [("campaigns", "0020_job_request_id")]
AFTER = [("campaigns", "0021_coverage_summaries")]


@pytest.fixture
def old_apps(migrate_to):
    return migrate_to(BEFORE)


def test_the_events_already_stored_are_summed_into_summary_rows(old_apps, migrate_to):
    Region = old_apps.get_model("campaigns", "Region")
    OrgUnit = old_apps.get_model("campaigns", "OrgUnit")
    Campaign = old_apps.get_model("campaigns", "Campaign")
    Event = old_apps.get_model("campaigns", "Event")
    county = Region.objects.create(code="513233", name_zh="红原县", level="county")
    unit = OrgUnit.objects.create(
        code="SC-ABA", name="阿坝中心支公司", kind="central_sub_branch", path="0000001."
    )
    campaign = Campaign.objects.create(
        name="3·15", starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 31)
    )
    for head_count in (80, 15):
        Event.objects.create(
            campaign=campaign,
            org_unit=unit,
            county=county,
            title="红原牧场宣讲",
            venue_type="village",
            format="lecture",
            status="approved",
            head_count=head_count,
            people_reached=head_count,
            audience_women=head_count // 2,
            # Monday 01:00 in Beijing is still Sunday in UTC: the week is Beijing's.
            starts_at=dt.datetime(2025, 3, 9, 17, tzinfo=dt.UTC),
        )

    apps = migrate_to(AFTER)

    (row,) = apps.get_model("campaigns", "CoverageSummary").objects.all()
    assert (row.campaign_id, row.org_unit_id, row.county_id, row.status) == (
        campaign.pk,
        unit.pk,
        county.pk,
        "approved",
    )
    assert row.week == dt.date(2025, 3, 10)
    assert (row.events, row.people_reached, row.head_count) == (2, 95, 95)
    assert (row.venue_village, row.format_lecture, row.channel_offline) == (2, 2, 2)
    assert row.audience_women == 47
