"""Migration 0016 gives every reported in-person event a head count, marked as derived."""

import datetime as dt

import pytest

BEFORE = [("campaigns", "0015_job_refused")]
AFTER = [("campaigns", "0016_head_count")]


@pytest.fixture
def old_apps(migrate_to):
    return migrate_to(BEFORE)


def _event(apps, **fields):
    Region = apps.get_model("campaigns", "Region")
    OrgUnit = apps.get_model("campaigns", "OrgUnit")
    Campaign = apps.get_model("campaigns", "Campaign")
    Event = apps.get_model("campaigns", "Event")
    county = Region.objects.get_or_create(
        code="513233", defaults={"name_zh": "红原县", "level": "county"}
    )[0]
    unit = OrgUnit.objects.get_or_create(
        code="SC-ABA",
        defaults={"name": "阿坝中心支公司", "kind": "central_sub_branch", "path": "0000001."},
    )[0]
    campaign = Campaign.objects.get_or_create(
        name="3·15",
        defaults={"starts_on": dt.date(2025, 3, 1), "ends_on": dt.date(2025, 3, 31)},
    )[0]
    return Event.objects.create(
        campaign=campaign,
        org_unit=unit,
        county=county,
        title="红原牧场宣讲",
        venue_type="village",
        format="lecture",
        starts_at=dt.datetime(2025, 3, 12, 2, tzinfo=dt.UTC),
        **fields,
    )


def test_reported_event_gets_its_old_sum_as_a_derived_head_count(old_apps, migrate_to):
    herders_and_women = _event(
        old_apps,
        status="reported",
        audience_farmers_herders=60,
        audience_women=35,
        people_reached=95,
    )
    never_counted = _event(old_apps, status="planned")
    livestream = _event(old_apps, channel="livestream", online_reach=1200, people_reached=1200)

    apps = migrate_to(AFTER)
    Event = apps.get_model("campaigns", "Event")

    migrated = Event.objects.get(pk=herders_and_women.pk)
    assert (migrated.head_count, migrated.head_count_derived) == (95, True)
    assert migrated.people_reached == 95
    untouched = Event.objects.get(pk=never_counted.pk)
    assert (untouched.head_count, untouched.head_count_derived) == (None, False)
    online = Event.objects.get(pk=livestream.pk)
    assert (online.head_count, online.head_count_derived, online.people_reached) == (
        None,
        False,
        1200,
    )
