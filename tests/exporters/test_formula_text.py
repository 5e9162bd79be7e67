"""Every sheet the portal writes keeps text that looks like a formula as text.

Each case puts a formula-like text into one text field that a sheet writes, makes the sheet
as its job or view would, and reads it back with openpyxl: the cell must hold the text and
be a string cell ("s"), not a formula ("f").
"""

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from campaigns.exporters.disclosure import SMALL_COUNT, SUPPRESSED
from campaigns.exporters.xlsx import write_cell
from campaigns.imports.events_sheet import columns, template_workbook
from campaigns.models import Campaign, Event, Job, Membership, OrgUnit, Region
from campaigns.services.jobs import job_execute
from tests import factories as f
from tests.events_world import member
from tests.regulator_world import (
    export_job_run,
    regulator_world_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db

FORMULA_LIKE = ["=1+1", "+86 138", "-3", "@SUM(A1)", "\tx", "\rx"]


def _read_back(text: str) -> str:
    # openpyxl writes a carriage return as it is inside the sheet's XML, and an XML reader
    # (openpyxl, Excel, LibreOffice alike) reads a bare carriage return as a line feed. What
    # matters here is that the cell stays text.
    return text.replace("\r", "\n")


def _workbook(job: Job):
    return load_workbook(job.result.open("rb"))


def _events_export(world):
    return _workbook(export_job_run(world, Job.Kind.EVENTS_EXPORT))["活动"]


def _regulator_sheet(world, name: str):
    return _workbook(export_job_run(world, Job.Kind.REGULATOR_SHEET))[name]


def _import_job(world, data: bytes) -> Job:
    """The events import job over ``data``, as the import page starts it, run to its end."""
    unit = world.units["central_a"]
    organizer = member(unit, Membership.Role.ORGANIZER, "aba-organizer")
    upload = default_storage.save("imports/sheet.xlsx", ContentFile(data))
    job = f.JobFactory(
        kind=Job.Kind.EVENTS_IMPORT,
        owner=organizer,
        org_unit=unit,
        params={"upload": upload, "campaign_id": world.campaign.pk},
    )
    job_execute(job_id=job.pk)
    return Job.objects.get(pk=job.pk)


def _filled_sheet(values: dict) -> bytes:
    """The import template with one row of ``values`` (by column key), each typed as text."""
    book = load_workbook(io.BytesIO(template_workbook(county_choices=[])))
    sheet = book.worksheets[0]
    for index, column in enumerate(columns(), start=1):
        if column.key in values:
            write_cell(sheet.cell(row=3, column=index), values[column.key])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _event_field(world, field: str, text: str) -> None:
    Event.objects.filter(pk=world.events["village"].pk).update(**{field: text})


def _unit_name(world, unit: str, text: str) -> None:
    OrgUnit.objects.filter(pk=world.units[unit].pk).update(name=text)


def _county_name(world, text: str) -> None:
    Region.objects.filter(pk=world.counties["hongyuan"].pk).update(name_zh=text)


# Each case: the text into one field, then the sheet that writes it and what the cell holds.
def events_export_title(world, text):
    _event_field(world, "title", text)
    return _events_export(world), text


def events_export_venue(world, text):
    _event_field(world, "venue_name", text)
    return _events_export(world), text


def events_export_unit(world, text):
    _unit_name(world, "central_a", text)
    return _events_export(world), text


def events_export_county(world, text):
    _county_name(world, text)
    return _events_export(world), text


def regulator_summary_unit(world, text):
    _unit_name(world, "branch_a", text)
    return _regulator_sheet(world, "统计表"), text


def regulator_summary_title(world, text):
    Campaign.objects.filter(pk=world.campaign.pk).update(name=text)
    return _regulator_sheet(world, "统计表"), f"{text} · {world.units['hq'].name} · 监管统计表"


def regulator_events_title(world, text):
    _event_field(world, "title", text)
    return _regulator_sheet(world, "活动明细"), text


def regulator_events_unit(world, text):
    _unit_name(world, "central_a", text)
    return _regulator_sheet(world, "活动明细"), text


def regulator_events_county(world, text):
    _county_name(world, text)
    return _regulator_sheet(world, "活动明细"), text


def import_problems_value(world, text):
    # A count column refuses the text; the sheet handed back lists the value as typed.
    job = _import_job(world, _filled_sheet({"external_ref": "HY-1", "staff_count": text}))
    return _workbook(job)["问题清单"], text


def import_template_county(world, text):
    return load_workbook(io.BytesIO(template_workbook(county_choices=[text])))["选项"], text


CASES = [
    events_export_title,
    events_export_venue,
    events_export_unit,
    events_export_county,
    regulator_summary_unit,
    regulator_summary_title,
    regulator_events_title,
    regulator_events_unit,
    regulator_events_county,
    import_problems_value,
    import_template_county,
]


@pytest.mark.parametrize("text", FORMULA_LIKE, ids=repr)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_formula_like_text_is_written_as_text(regulator_world, case, text):
    sheet, expected = case(regulator_world, text)

    expected = _read_back(expected)
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == expected]
    assert cells, f"{expected!r} is not in sheet {sheet.title}"
    assert {cell.data_type for cell in cells} == {"s"}


def test_the_events_export_keeps_numbers_and_dates_as_such(regulator_world):
    sheet = _events_export(regulator_world)

    headers = [cell.value for cell in sheet[1]]
    village = next(
        row for row in sheet.iter_rows(min_row=2) if row[0].value == "红原牧区金融知识宣讲"
    )
    by_header = dict(zip(headers, village, strict=True))
    assert (by_header["到场人数"].value, by_header["到场人数"].data_type) == (35, "n")
    assert (by_header["工作人员"].value, by_header["工作人员"].data_type) == (5, "n")
    assert by_header["开始时间"].value == dt.datetime(2025, 3, 12, 10, 0)  # noqa: DTZ001
    assert by_header["开始时间"].data_type == "d"
    assert by_header["县（区）代码"].data_type == "s"  # a code is text, never a number


def test_the_regulator_sheet_keeps_its_figures_as_numbers(regulator_world):
    sheet = _regulator_sheet(regulator_world, "统计表")

    totals = next(row for row in sheet.iter_rows(min_row=4) if row[0].value == "合计")
    # A hidden total is text by design ("×").
    figures = [cell for cell in totals[1:] if cell.value not in {SMALL_COUNT, SUPPRESSED}]
    assert figures
    assert {type(cell.value) for cell in figures} == {int}
    assert {cell.data_type for cell in figures} == {"n"}


def test_the_import_summary_counts_are_numbers(regulator_world):
    central = regulator_world.units["central_a"]
    central.service_area.add(regulator_world.counties["hongyuan"])
    row = {
        "external_ref": "HY-2024-001",
        "title": "红原牧区金融知识宣讲",
        "county": "513233",
        "venue_name": "安曲牧场",
        "venue_type": "乡村/农牧区",
        "format": "讲座",
        "starts_at": "2025-03-12 10:00",
        "topics": "反诈",
    }

    job = _import_job(regulator_world, _filled_sheet(row))

    summary = _workbook(job)["导入结果"]
    assert [cell.value for cell in summary[1]] == [
        "新建活动",
        "更新活动",
        "未变的活动",
        "已提交审核的报告",
    ]
    assert [(cell.value, cell.data_type) for cell in summary[2]] == [(1, "n")] + [(0, "n")] * 3


def test_the_problems_sheet_hands_back_the_uploaded_text_as_text(regulator_world):
    link = '=HYPERLINK("http://example.com","x")'

    # A count cell holding a formula-like text is refused; the text comes back as text.
    job = _import_job(
        regulator_world,
        _filled_sheet({"external_ref": "HY-1", "title": "讲座", "staff_count": link}),
    )

    events = _workbook(job)["活动"]  # the uploaded sheet, its bad cells marked
    staff = events.cell(row=3, column=[c.key for c in columns()].index("staff_count") + 1)
    assert (staff.value, staff.data_type) == (link, "s")
    # In the organizer's language.
    assert staff.comment.text == "须为大于或等于 0 的整数；未统计的请留空。"
