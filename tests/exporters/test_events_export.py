"""The events export: the head count and the online reach apart, the audience groups as "of
whom" figures, and a sheet the import takes back as it is (the product fed its own output)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from campaigns.models import AuditEntry, Event, Job
from campaigns.services.imports import events_import
from campaigns.services.jobs import job_execute
from tests import factories as f
from tests.downloads import attachment_name
from tests.events_world import BEIJING

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _export(world, unit: str = "central_a") -> bytes:
    job = f.JobFactory(
        kind=Job.Kind.EVENTS_EXPORT,
        owner=world.organizer,
        org_unit=world.units[unit],
        params={"campaign_id": world.campaign.pk},
    )
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.error_code) == (Job.Status.SUCCEEDED, "")
    with job.result.open("rb") as result:
        return result.read()


def _rows(data: bytes) -> dict[str, dict]:
    """The export's rows by title, each as {header: value}."""
    sheet = load_workbook(io.BytesIO(data))["活动"]
    headers = [cell.value for cell in sheet[1]]
    return {
        row[0]: dict(zip(headers, row, strict=True))
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }


def _import(world, data: bytes, **options):
    return events_import(
        user=world.organizer,
        org_unit_id=world.units["central_a"].pk,
        campaign_id=world.campaign.pk,
        data=data,
        **options,
    )


def _event(world, **fields) -> Event:
    """An event of the world's unit and campaign, its audience kept as the services keep it."""
    groups = {
        name.removeprefix("audience_"): fields[name]
        for name in fields
        if name.startswith("audience_")
    }
    event = f.EventFactory(
        campaign=world.campaign,
        org_unit=world.units["central_a"],
        county=world.county,
        **{name: value for name, value in fields.items() if not name.startswith("audience_")},
    )
    event.record_audience(groups)
    event.save()
    for group, count in groups.items():
        f.AudienceCountFactory(event=event, group=group, count=count)
    f.EventTopicFactory(event=event, topic="anti_fraud")
    return event


def _with_cell(data: bytes, title: str, header: str, value) -> bytes:
    book = load_workbook(io.BytesIO(data))
    sheet = book["活动"]
    headers = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == title)
    row[headers.index(header)].value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def reported(world):
    """In person: 70 came, of whom 60 herders and 35 women (one person may be both)."""
    return _event(
        world,
        title="阿坝县牧区宣讲",
        venue_name="安曲牧场",
        external_ref="ABA-7",
        head_count=70,
        audience_farmers_herders=60,
        audience_women=35,
        staff_count=4,
        status=Event.Status.APPROVED,
    )


@pytest.fixture
def livestream(world):
    return _event(
        world,
        title="直播：防范电信诈骗",
        channel="livestream",
        format="livestream",
        online_reach=12_000,
        starts_at=dt.datetime(2025, 3, 14, 19, 30, 15, 123456, tzinfo=BEIJING),
    )


def test_the_head_count_and_the_online_reach_are_apart(world, reported, livestream):
    rows = _rows(_export(world))

    in_person, online = rows["阿坝县牧区宣讲"], rows["直播：防范电信诈骗"]
    assert (in_person["到场人数"], in_person["线上触达人数"]) == (70, None)
    assert (online["到场人数"], online["线上触达人数"]) == (None, 12_000)
    assert "受众人数" not in in_person  # no sum of the groups any more


def test_the_groups_are_of_whom_figures_under_the_head_count(world, reported):
    row = _rows(_export(world))["阿坝县牧区宣讲"]

    assert (row["其中：农牧民"], row["其中：妇女"], row["其中：老年人"]) == (60, 35, None)
    assert row["其中：农牧民"] + row["其中：妇女"] > row["到场人数"]  # they overlap
    assert row["系统编号"] == reported.pk


def test_an_export_uploaded_back_is_accepted_and_changes_nothing(world, reported, livestream):
    """Approved, planned, online, planned without a reference, topics or venue: all taken
    back as they are."""
    f.EventFactory(campaign=world.campaign, org_unit=world.units["central_a"], county=world.county)
    data = _export(world)
    events = {event.pk: (event.version, event.updated_at) for event in Event.objects.all()}
    entries = AuditEntry.objects.count()

    result = _import(world, data)

    assert result.saved, result.problems
    assert (result.created, result.updated, result.unchanged, result.submitted) == (0, 0, 4, 0)
    assert {e.pk: (e.version, e.updated_at) for e in Event.objects.all()} == events
    assert AuditEntry.objects.exclude(action="campaigns.event.imported").count() == entries


def test_a_row_changed_in_the_export_updates_its_event(world, livestream):
    data = _with_cell(_export(world), "直播：防范电信诈骗", "线上触达人数", 15_000)

    result = _import(world, data)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1), result.problems
    livestream.refresh_from_db()
    assert (livestream.online_reach, livestream.people_reached, livestream.version) == (
        15_000,
        15_000,
        2,
    )


def test_an_approved_event_changed_in_the_export_is_refused_at_its_row(world, reported):
    data = _with_cell(_export(world), "阿坝县牧区宣讲", "到场人数", 80)

    result = _import(world, data)

    assert [(p.column.split(" ", 1)[1], p.reason) for p in result.problems] == [
        ("系统编号", "A approved event can no longer be changed.")
    ]
    assert Event.objects.get(pk=reported.pk).head_count == 70


def test_an_event_of_a_unit_below_is_taken_back_unchanged_but_not_changed(world):
    below = f.EventFactory(
        campaign=world.campaign,
        org_unit=world.units["sub_a"],
        county=world.county,
        title="分支机构的活动",
        venue_name="社区中心",
    )
    f.EventTopicFactory(event=below, topic="claims")
    data = _export(world)
    assert _import(world, data).unchanged == 2  # with the world's own event

    result = _import(world, _with_cell(data, "分支机构的活动", "活动名称", "改过的名称"))

    assert [p.column.split(" ", 1)[1] for p in result.problems] == ["系统编号"]
    assert "import changes to it on that unit's page" in result.problems[0].reason
    assert Event.objects.get(pk=below.pk).title == "分支机构的活动"


def test_the_export_keeps_numbers_and_dates_as_such(world, reported, livestream):
    sheet = load_workbook(io.BytesIO(_export(world)))["活动"]
    headers = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "直播：防范电信诈骗")
    by_header = dict(zip(headers, row, strict=True))

    assert (by_header["线上触达人数"].value, by_header["线上触达人数"].data_type) == (12_000, "n")
    # Whole seconds in Beijing time: what a sheet keeps, and what the import compares.
    assert by_header["开始时间"].value == dt.datetime(2025, 3, 14, 19, 30, 15)  # noqa: DTZ001


def test_an_event_number_outside_the_users_units_names_no_event(world, reported):
    elsewhere = f.EventFactory(campaign=world.campaign, org_unit=world.units["central_b"])
    data = _with_cell(_export(world), "阿坝县牧区宣讲", "系统编号", elsewhere.pk)

    result = _import(world, data)

    assert [p.reason for p in result.problems] == [
        "Not the number of an event you may see; leave it empty for a new event."
    ]
    assert Event.objects.get(pk=elsewhere.pk).version == 1


def test_an_exported_row_keeps_its_events_reference(world, reported):
    data = _with_cell(_export(world), "阿坝县牧区宣讲", "外部编号", "ABA-8")

    result = _import(world, data)

    assert [p.reason for p in result.problems] == [
        f"Event {reported.pk} has the external reference “ABA-7”; keep it as exported."
    ]


def test_the_export_downloads_named_for_its_campaign_and_unit(client, world):
    world.campaign.name = "2025年3·15消费者权益保护教育宣传周"
    world.campaign.save()
    _export(world)
    job = Job.objects.get(kind=Job.Kind.EVENTS_EXPORT)
    client.force_login(world.organizer)

    response = client.get(reverse("job_download", args=[job.pk]))

    today = timezone.localdate()
    unit = world.units["central_a"].name
    assert attachment_name(response) == (
        f"活动清单-2025年3·15消费者权益保护教育宣传周-{unit}-{today:%Y%m%d}.xlsx"
    )
