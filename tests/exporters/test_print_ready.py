"""Every workbook the portal makes prints as it is: fitted to the page's width, lying down
where it is wide, its title rows repeated on each page and tall enough to show their text,
its rows in date order. Read back with openpyxl, as Excel and WPS read the settings."""

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from campaigns.imports.events_sheet import county_choice, problems_workbook, template_workbook
from campaigns.imports.sign_ins_sheet import sign_in_sheet_template
from campaigns.models import Event, Job
from campaigns.services import signins
from campaigns.services.imports import events_import
from campaigns.services.jobs import job_execute
from tests import factories as f
from tests.events_world import BEIJING
from tests.imports.test_events_import import GOOD, sheet
from tests.regulator_world import export_job_run, regulator_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

LANDSCAPE, PORTRAIT = Worksheet.ORIENTATION_LANDSCAPE, Worksheet.ORIENTATION_PORTRAIT
LONG_CAMPAIGN = (
    "2025年3·15消费者权益保护教育宣传周“金融知识进万家 争做理性投资者 争做金融好网民”"
    "四川藏区牧区专场"
)


def _job_result(job: Job) -> bytes:
    with job.result.open("rb") as result:
        return result.read()


def _regulator_sheet(world) -> bytes:
    return _job_result(export_job_run(world, Job.Kind.REGULATOR_SHEET))


def _events_export(world) -> bytes:
    job = f.JobFactory(
        kind=Job.Kind.EVENTS_EXPORT,
        owner=world.organizer,
        org_unit=world.units["central_a"],
        params={"campaign_id": world.campaign.pk},
    )
    job_execute(job_id=job.pk)
    return _job_result(Job.objects.get(pk=job.pk))


def _import_job(world, data: bytes) -> bytes:
    job = f.JobFactory(
        kind=Job.Kind.EVENTS_IMPORT,
        owner=world.organizer,
        org_unit=world.units["central_a"],
        params={
            "upload": default_storage.save("imports/print.xlsx", ContentFile(data)),
            "campaign_id": world.campaign.pk,
        },
    )
    job_execute(job_id=job.pk)
    return _job_result(Job.objects.get(pk=job.pk))


def _problems(world) -> bytes:
    data = sheet(GOOD | {"county": "999999"})
    result = events_import(
        user=world.organizer,
        org_unit_id=world.units["central_a"].pk,
        campaign_id=world.campaign.pk,
        data=data,
    )
    return problems_workbook(data, result.problems)


def _sign_in_export(world) -> bytes:
    f.SignInFactory(event=world.event)
    return signins.sign_ins_export(
        user=world.organizer, event_id=world.event.pk, reason="回访核实参加人数"
    )[1]


# Each workbook the portal makes, and the orientation and title rows of each of its sheets
# that the portal itself wrote (a marked workbook keeps the uploaded sheet as it came).
WORKBOOKS = {
    "regulator sheet": (_regulator_sheet, {"统计表": (LANDSCAPE, 3), "活动明细": (LANDSCAPE, 1)}),
    "events export": (_events_export, {"活动": (LANDSCAPE, 1)}),
    "import template": (
        lambda world: template_workbook(county_choices=[county_choice(world.county)]),
        {"活动": (LANDSCAPE, 2), "选项": (PORTRAIT, 1)},
    ),
    "import problems": (_problems, {"问题清单": (LANDSCAPE, 1)}),
    "import summary": (lambda world: _import_job(world, sheet(GOOD)), {"导入结果": (PORTRAIT, 1)}),
    "sign-in template": (lambda world: sign_in_sheet_template(), {"签到": (PORTRAIT, 1)}),
    "sign-in export": (_sign_in_export, {"签到": (PORTRAIT, 1)}),
}


@pytest.mark.parametrize("name", WORKBOOKS)
def test_every_sheet_prints_fitted_to_the_page_width_with_its_title_rows_repeated(name, request):
    make, expected = WORKBOOKS[name]
    world = request.getfixturevalue("regulator_world" if name == "regulator sheet" else "world")
    book = load_workbook(io.BytesIO(make(world)))

    for title, (orientation, title_rows) in expected.items():
        printed = book[title]
        setup = printed.page_setup
        assert printed.sheet_properties.pageSetUpPr.fitToPage, title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), title
        assert setup.orientation == orientation, title
        assert str(setup.paperSize) == Worksheet.PAPERSIZE_A4, title
        assert printed.print_title_rows == f"$1:${title_rows}", title


def _title_row(world, campaign_name: str):
    world.campaign.name = campaign_name
    world.campaign.save()
    summary = load_workbook(io.BytesIO(_regulator_sheet(world)))["统计表"]
    return summary["A1"], summary.row_dimensions[1].height


def test_the_title_row_is_tall_enough_for_its_text(regulator_world):
    title, height = _title_row(regulator_world, "2025年3·15消费者权益保护教育宣传周")
    # Excel keeps a row 15 points high unless told otherwise: the 14-point title would be cut.
    assert title.font.sz == 14
    assert height >= 14 * 1.3
    assert title.alignment.wrap_text


def test_a_title_longer_than_the_sheet_is_wide_wraps_into_a_taller_row(regulator_world):
    _title, one_line = _title_row(regulator_world, "宣传周")
    title, height = _title_row(regulator_world, LONG_CAMPAIGN * 3)
    assert LONG_CAMPAIGN * 3 in title.value
    assert height >= 2 * one_line - 8


def test_the_headers_of_the_events_export_wrap_and_are_not_cut(world):
    events = load_workbook(io.BytesIO(_events_export(world)))["活动"]
    headers = [cell for cell in events[1] if cell.value]
    assert all(cell.alignment.wrap_text for cell in headers)
    # "其中：在华外籍人士" in a column of Excel's default width takes three lines.
    assert events.row_dimensions[1].height >= 3 * 11 * 1.2


def _dates(rows, column: int) -> list:
    return [row[column] for row in rows if row[column] is not None]


def _at(day: int) -> dt.datetime:
    return dt.datetime(2025, 3, day, 10, tzinfo=BEIJING)


def test_the_events_export_lists_events_by_date(world):
    for day, title in [(20, "三月二十日"), (2, "三月二日"), (9, "三月九日")]:
        f.EventFactory(
            campaign=world.campaign,
            org_unit=world.units["central_a"],
            county=world.county,
            title=title,
            starts_at=_at(day),
        )
    events = load_workbook(io.BytesIO(_events_export(world)))["活动"]
    headers = [cell.value for cell in events[1]]
    titles = [row[0] for row in events.iter_rows(min_row=2, values_only=True)]
    starts = _dates(events.iter_rows(min_row=2, values_only=True), headers.index("开始时间"))
    assert starts == sorted(starts)
    assert titles == ["三月二日", "三月九日", world.event.title, "三月二十日"]


def test_the_regulator_sheets_events_are_listed_by_date(regulator_world):
    # Against the order of their units: the sheet must not list them unit by unit.
    for key, day in [("formula", 2), ("livestream", 5), ("own", 10), ("village", 20)]:
        Event.objects.filter(pk=regulator_world.events[key].pk).update(starts_at=_at(day))

    events = load_workbook(io.BytesIO(_regulator_sheet(regulator_world)))["活动明细"]
    rows = list(events.iter_rows(min_row=2, values_only=True))
    headers = [cell.value for cell in events[1]]
    days = _dates(rows, headers.index("活动日期"))
    assert len(days) == 4
    assert days == sorted(days)


def test_the_sign_in_list_is_in_the_order_people_signed_in(world):
    for hour, name in [(12, "午后"), (9, "上午"), (10, "十点")]:
        f.SignInFactory(event=world.event, name=name, consented_at=_at(12).replace(hour=hour))
    data = signins.sign_ins_export(
        user=world.organizer, event_id=world.event.pk, reason="回访核实参加人数"
    )
    rows = list(load_workbook(io.BytesIO(data[1]))["签到"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == ["上午", "十点", "午后"]
