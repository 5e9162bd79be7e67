"""Migration 0019 gives every existing event and photo an id of its own, then holds the ids
unique."""

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, transaction

BEFORE = [("campaigns", "0018_job_result_name")]
AFTER = [("campaigns", "0019_offline_reports")]


@pytest.fixture
def old_apps(migrate_to):
    return migrate_to(BEFORE)


def _events(apps, count):
    Region = apps.get_model("campaigns", "Region")
    OrgUnit = apps.get_model("campaigns", "OrgUnit")
    Campaign = apps.get_model("campaigns", "Campaign")
    Event = apps.get_model("campaigns", "Event")
    county = Region.objects.create(code="513233", name_zh="红原县", level="county")
    unit = OrgUnit.objects.create(
        code="SC-ABA", name="阿坝中心支公司", kind="central_sub_branch", path="0000001."
    )
    campaign = Campaign.objects.create(
        name="3·15", starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 31)
    )
    return [
        Event.objects.create(
            campaign=campaign,
            org_unit=unit,
            county=county,
            title=f"红原牧场宣讲{number}",
            venue_type="village",
            format="lecture",
            starts_at=dt.datetime(2025, 3, 12, 2, tzinfo=dt.UTC),
        )
        for number in range(count)
    ]


def test_each_existing_event_and_photo_gets_an_id_of_its_own(old_apps, migrate_to):
    events = _events(old_apps, 3)
    EventPhoto = old_apps.get_model("campaigns", "EventPhoto")
    photos = [
        # With its size given, the image field does not open the (absent) file to read it.
        EventPhoto.objects.create(
            event=events[0], image=f"p{n}.jpg", thumbnail=f"t{n}.jpg", width=4, height=3
        )
        for n in range(2)
    ]

    apps = migrate_to(AFTER)

    Event = apps.get_model("campaigns", "Event")
    ids = set(Event.objects.filter(pk__in=[e.pk for e in events]).values_list("uuid", flat=True))
    assert len(ids) == 3
    assert None not in ids
    migrated_photos = apps.get_model("campaigns", "EventPhoto").objects.filter(
        pk__in=[p.pk for p in photos]
    )
    assert len({photo.uuid for photo in migrated_photos}) == 2
    assert {photo.sha256 for photo in migrated_photos} == {""}
    migrated = Event.objects.get(pk=events[0].pk)
    assert (migrated.offline_payload_sha256, migrated.offline_version) == ("", None)
    assert migrated.photos_expected == []


def test_ids_are_unique_after_the_migration(old_apps, migrate_to):
    events = _events(old_apps, 2)
    apps = migrate_to(AFTER)
    Event = apps.get_model("campaigns", "Event")
    taken = Event.objects.get(pk=events[0].pk).uuid

    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=events[1].pk).update(uuid=taken)

    assert isinstance(Event.objects.get(pk=events[1].pk).uuid, uuid.UUID)
