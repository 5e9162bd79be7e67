"""The measures in the regulator sheet (as openpyxl and LibreOffice read it) and in the PDF
summary: their totals for a campaign of the year 2024 are those of the year's measures page."""

import datetime as dt
import re
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaigns.exporters.measures import MEASURES_NOTE
from campaigns.models import Event, EventFormat, Job, MeasureReturn, Membership
from campaigns.seeding.measures import measures_catalogue_load
from campaigns.selectors.measure_year import measure_period
from tests import factories as f
from tests.events_world import member
from tests.libreoffice import SOFFICE, libreoffice_csv
from tests.regulator_world import export_job_run

pytestmark = pytest.mark.django_db

APPROVED = MeasureReturn.Status.APPROVED
NAMES = {
    "hq": "总公司",
    "branch_a": "四川分公司",
    "central_a": "阿坝中心支公司",
    "sub_a": "红原支公司",
    "branch_b": "湖南分公司",
    "central_b": "长沙中心支公司",
    "sub_b": "芙蓉支公司",
}
SHEET = "消保举措"
QUERIES_PER_YEAR = 7


@dataclass
class MeasuresWorld:
    units: dict
    campaign: object
    parts: dict
    hq_reviewer: object
    branch_reviewer: object


def _return(unit, month, parts, status=APPROVED, year=2024, **figures) -> MeasureReturn:
    measure_return = f.MeasureReturnFactory(
        org_unit=unit, month=dt.date(year, month, 1), status=status
    )
    for code, value in figures.items():
        f.MeasureFigureFactory(measure_return=measure_return, part=parts[code], value=value)
    return measure_return


def _reception_day(unit, month, status=Event.Status.APPROVED, year=2024) -> Event:
    return f.EventFactory(
        org_unit=unit,
        format=EventFormat.GM_RECEPTION_DAY,
        status=status,
        starts_at=dt.datetime(year, month, 15, 9, tzinfo=timezone.get_current_timezone()),
    )


@pytest.fixture
def measures_world(org_tree):
    units = org_tree
    for key, name in NAMES.items():
        units[key].name = name
        units[key].save()
    catalogue = measures_catalogue_load()
    parts = {part.code: part for measure in catalogue.values() for part in measure.parts.all()}
    _return(
        units["branch_a"],
        1,
        parts,
        resolved=8,
        mediated=10,
        payouts=2,
        amount="100.50",
        response_minutes="125.50",
        dispatches=5,
        promoters=7,
        passives=2,
        detractors=1,
        solved_by_phone=1,
        calls=10,
        settled_fast=3,
        complaints=4,
    )
    _return(
        units["central_a"],
        3,
        parts,
        resolved=1,
        mediated=3,
        payouts=1,
        amount="1200.25",
        response_minutes="60",
        dispatches=2,
        solved_by_phone=5,
        calls=6,
    )
    _return(units["sub_a"], 6, parts, settled_fast=9, complaints=10, promoters=1, detractors=3)
    _return(
        units["central_b"],
        2,
        parts,
        solved_by_phone=99,
        calls=990,
        resolved=4,
        mediated=4,
        payouts=3,
        amount="3000",
    )
    _return(units["sub_b"], 12, parts, response_minutes="90.75", dispatches=3)
    _return(units["hq"], 7, parts, payouts=1, amount="50")  # headquarters' own return
    # Not counted: waiting for review, or outside the campaign's year.
    _return(
        units["branch_b"],
        4,
        parts,
        MeasureReturn.Status.SUBMITTED,
        payouts=5,
        amount="99999",
        solved_by_phone=0,
        calls=7000,
    )
    _return(units["branch_a"], 1, parts, year=2025, payouts=4, amount="88888", calls=5000)
    for month in (1, 1, 9):
        _reception_day(units["sub_a"], month)
    _reception_day(units["branch_b"], 5)
    _reception_day(units["branch_b"], 5, status=Event.Status.REPORTED)
    _reception_day(units["branch_b"], 1, year=2025)
    campaign = f.CampaignFactory(
        name="2024年消费者权益保护年", starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2024, 12, 31)
    )
    return MeasuresWorld(
        units=units,
        campaign=campaign,
        parts=parts,
        hq_reviewer=member(units["hq"], Membership.Role.REVIEWER, "hq-reviewer"),
        branch_reviewer=member(units["branch_a"], Membership.Role.REVIEWER, "sc-reviewer"),
    )


# --- what the year's measures page shows -------------------------------------------------


def _number(text) -> Decimal | None:
    """A number as a page, an openpyxl cell or LibreOffice's CSV gives it; None for none."""
    if text is None or text in {"", "—"}:
        return None
    if isinstance(text, int | float):
        return Decimal(str(text))
    found = re.search(r"-?[\d,]+(?:\.\d+)?", text)
    assert found, text
    return Decimal(found.group(0).replace(",", ""))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _page_totals(client, user, unit) -> dict[str, tuple[str, dict[str, str]]]:
    """Measure name -> (its value, part name -> sum) as the measures page of 2024 shows them
    in "The year at a glance", as text."""
    client.force_login(user)
    response = client.get(reverse("measure_year", args=[2024, unit.pk]))
    assert response.status_code == 200
    totals = {}
    cards = re.findall(r'<li id="total-[\w-]+">(.*?)</li>', response.text, re.S)
    assert len(cards) == 7
    for card in cards:
        name = _text(re.search(r'class="measure-name">(.*?)</a>', card, re.S).group(1))
        value = _text(re.search(r'class="measure-value">(.*?)</strong>', card, re.S).group(1))
        made_of = re.search(r'<span class="meta">(.*?)</span>', card, re.S)
        parts = {}
        if made_of:
            for shown in _text(made_of.group(1)).split(" · "):
                part, figure = shown.rsplit(" ", 1)
                parts[part] = figure
        totals[name] = (value, parts)
    return totals


def _as_numbers(totals) -> dict[str, tuple[Decimal | None, dict[str, Decimal]]]:
    return {
        name: (
            _number(value),
            {part: _number(sum_) for part, sum_ in parts.items() if _number(sum_) is not None},
        )
        for name, (value, parts) in totals.items()
    }


# --- what the measures sheet holds -------------------------------------------------------


def _sheet_rows(rows: list[list]) -> dict[str, dict[str, tuple]]:
    """Row label -> measure name -> (value, part header -> number) of the measures sheet
    (its headers on rows 3 and 4, a measure's name merged over its columns)."""
    names, headers = rows[2], rows[3]
    columns = []
    name = None
    for column in range(1, len(headers)):
        name = names[column] or name
        if headers[column]:
            columns.append((column, name, headers[column]))
    table = {}
    for row in rows[4:]:
        if not row[0] or row[0] == MEASURES_NOTE:
            continue
        figures: dict[str, tuple] = {}
        for column, measure, header in columns:
            value, parts = figures.get(measure, (None, {}))
            number = _number(row[column]) if column < len(row) else None
            if header.startswith("数值"):
                value = number
            elif number is not None:
                parts[header] = number
            figures[measure] = (value, parts)
        table[row[0]] = figures
    return table


def _run(world, kind=Job.Kind.REGULATOR_SHEET, **arguments) -> Job:
    return export_job_run(world, kind, **arguments)


def _workbook_rows(job: Job) -> list[list]:
    workbook = load_workbook(job.result.open("rb"))
    return [list(row) for row in workbook[SHEET].iter_rows(values_only=True)]


def test_the_measures_sheet_totals_are_those_of_the_measures_page(client, measures_world):
    job = _run(measures_world)

    sheet = _sheet_rows(_workbook_rows(job))

    page = _page_totals(client, measures_world.hq_reviewer, measures_world.units["hq"])
    assert sheet["期间合计"] == _as_numbers(page)
    # The rate of all the calls, not an average of the returns' rates: 105 of 1,006.
    assert page["电话远程解决"] == ("10.44 %", {"电话解决客户": "105", "救援来电": "1006"})
    # Only approved returns of 2024; reception days from approved events of 2024.
    assert page["投诉安抚基金"][1] == {"支付笔数": "7", "支付金额（元）": "4350.75"}
    assert sheet["期间合计"]["总经理接待日"] == (Decimal(4), {})


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (Debian's libreoffice-calc) is missing")
def test_libreoffice_reads_the_measures_sheet_totals_of_the_measures_page(
    client, measures_world, tmp_path
):
    xlsx = tmp_path / "sheet.xlsx"
    xlsx.write_bytes(_run(measures_world).result.read())

    sheets = libreoffice_csv(xlsx, tmp_path)

    sheet = _sheet_rows(sheets[SHEET])
    page = _page_totals(client, measures_world.hq_reviewer, measures_world.units["hq"])
    assert sheet["期间合计"] == _as_numbers(page)
    assert sheets[SHEET][3][:3] == ["月份 / 机构", "数值（场次）", "数值（%）"]


def test_the_sheet_has_a_row_per_unit_below_and_per_month(measures_world):
    rows = _workbook_rows(_run(measures_world))
    labels = [row[0] for row in rows[4:] if row[0]]

    assert labels[:5] == ["期间合计", "按机构", "总公司（本级）", "四川分公司", "湖南分公司"]
    assert labels[5:18] == ["按月份", *(f"2024年{month}月" for month in range(1, 13))]
    assert labels[18:] == [MEASURES_NOTE]
    sheet = _sheet_rows(rows)
    period = measure_period(
        user=measures_world.hq_reviewer,
        unit=measures_world.units["hq"],
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2024, 12, 31),
    )
    remote = next(line for line in period.lines if line.measure.code == "remote_diagnosis")
    assert {row.unit.name: row.total.value for row in remote.units} == {
        "四川分公司": Decimal("37.50"),
        "湖南分公司": Decimal("10.00"),
    }
    assert sheet["四川分公司"]["电话远程解决"] == (
        Decimal("37.50"),
        {"电话解决客户": 6, "救援来电": 16},
    )
    assert sheet["湖南分公司"]["电话远程解决"][0] == Decimal("10.00")
    # Headquarters' own row has only what it reported for itself.
    assert sheet["总公司（本级）"]["投诉安抚基金"] == (
        Decimal(50),
        {"支付笔数": 1, "支付金额（元）": 50},
    )
    assert sheet["总公司（本级）"]["电话远程解决"] == (None, {})
    # Month by month, each month's rate from its own parts; a month without calls is blank.
    assert sheet["2024年1月"]["电话远程解决"][0] == Decimal("10.00")
    assert sheet["2024年3月"]["电话远程解决"][0] == Decimal("83.33")
    assert sheet["2024年4月"]["电话远程解决"] == (None, {})
    assert sheet["2024年1月"]["总经理接待日"] == (Decimal(2), {})


def test_counts_are_whole_numbers_and_money_minutes_and_rates_have_two_decimals(
    measures_world,
):
    workbook = load_workbook(_run(measures_world).result.open("rb"))
    assert workbook.sheetnames == ["统计表", SHEET, "活动明细"]
    sheet = workbook[SHEET]
    total_row = next(row for row in sheet.iter_rows(min_row=5) if row[0].value == "期间合计")
    by_header = {sheet.cell(row=4, column=cell.column).value: cell for cell in total_row[1:]}

    assert by_header["支付笔数"].value == 7
    assert by_header["支付笔数"].number_format == "#,##0"
    assert by_header["支付金额（元）"].data_type == "n"
    assert by_header["支付金额（元）"].value == pytest.approx(4350.75)
    assert by_header["支付金额（元）"].number_format == "#,##0.00"
    assert by_header["响应时间合计（分钟）"].value == pytest.approx(276.25)
    assert by_header["数值（分钟）"].value == pytest.approx(27.63)  # 276.25 minutes / 10
    assert by_header["数值（%）"].number_format == "#,##0.00"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$1:$4"


def test_a_branch_reviewers_export_holds_only_their_subtree(client, measures_world):
    job = _run(measures_world, owner=measures_world.branch_reviewer, unit="branch_a")

    rows = _workbook_rows(job)

    sheet = _sheet_rows(rows)
    page = _page_totals(client, measures_world.branch_reviewer, measures_world.units["branch_a"])
    assert sheet["期间合计"] == _as_numbers(page)
    assert page["电话远程解决"][0] == "37.50 %"
    labels = {row[0] for row in rows if row[0]}
    assert {"四川分公司（本级）", "阿坝中心支公司"} <= labels
    assert not labels & {"湖南分公司", "长沙中心支公司", "总公司（本级）"}
    assert sheet["期间合计"]["投诉安抚基金"] == (
        Decimal("1300.75"),
        {"支付笔数": 3, "支付金额（元）": Decimal("1300.75")},
    )
    assert sheet["期间合计"]["总经理接待日"][0] == 3


def test_the_exports_dates_narrow_the_measures_months_too(measures_world):
    rows = _workbook_rows(_run(measures_world, starts_on="2024-03-05", ends_on="2024-04-30"))

    assert "2024年3月至2024年4月" in rows[1][0]
    labels = [row[0] for row in rows[4:] if row[0]]
    assert [label for label in labels if label.startswith("2024年")] == ["2024年3月", "2024年4月"]
    sheet = _sheet_rows(rows)
    assert sheet["期间合计"]["电话远程解决"] == sheet["2024年3月"]["电话远程解决"]


def test_a_running_campaigns_measures_stop_at_this_month(measures_world):
    today = timezone.localdate()
    measures_world.campaign.starts_on = today.replace(month=1, day=1)
    measures_world.campaign.ends_on = today.replace(month=12, day=31)
    measures_world.campaign.save()

    rows = _workbook_rows(_run(measures_world))

    months = [row[0] for row in rows[4:] if row[0] and row[0].startswith(f"{today.year}年")]
    assert months[-1] == f"{today.year}年{today.month}月"


def test_a_campaign_across_two_years_counts_the_months_of_each(measures_world):
    period = measure_period(
        user=measures_world.hq_reviewer,
        unit=measures_world.units["hq"],
        starts_on=dt.date(2024, 12, 20),
        ends_on=dt.date(2025, 1, 10),
    )

    assert period.months == [dt.date(2024, 12, 1), dt.date(2025, 1, 1)]
    lines = {line.measure.code: line for line in period.lines}
    # Sub-branch B's December dispatches and branch A's January 2025 return (approved).
    assert lines["roadside_response"].total.sums == {
        "total": Decimal("90.75"),
        "count": Decimal(3),
    }
    assert lines["comfort_fund"].total.sums == {"count": Decimal(4), "amount": Decimal("88888")}
    assert lines["remote_diagnosis"].total.value == Decimal(0)  # 0 solved of 5,000 calls
    assert lines["reception_days"].total.value == 1
    assert [figure.sums for figure in lines["comfort_fund"].months] == [
        {},
        {"count": Decimal(4), "amount": Decimal("88888")},
    ]
    assert [row.unit.name for row in lines["comfort_fund"].units] == ["四川分公司", "湖南分公司"]


# --- the PDF summary ---------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is missing")
def test_the_pdf_summary_has_a_measures_page_with_the_pages_totals(
    client, measures_world, tmp_path
):
    job = _run(measures_world, Job.Kind.COVERAGE_SUMMARY)
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(job.result.read())

    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout

    pages = text.split("\f")
    measures_page = next(page for page in pages if "统计月份：2024年1月至2024年12月" in page)
    lines = [re.sub(r"\s+", " ", line).strip() for line in measures_page.splitlines()]
    page = _page_totals(client, measures_world.hq_reviewer, measures_world.units["hq"])
    for name, (value, parts) in page.items():
        row = next(line for line in lines if line.startswith(f"{name} "))
        assert f" {value}" in row, (name, row)
        for part, sum_ in parts.items():
            assert f"{part} {sum_}" in row, (name, row)
    # Month-by-month charts of the first measures with figures.
    assert "总经理接待日（场次），按月" in measures_page
    assert "电话远程解决（%），按月" not in text  # the seventh measure with figures: no chart
    assert "99999" not in text  # the submitted return's
    assert "7000" not in text


def test_a_line_over_chosen_months_computes_its_rate_from_their_summed_parts(measures_world):
    period = measure_period(
        user=measures_world.hq_reviewer,
        unit=measures_world.units["hq"],
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2024, 12, 31),
    )
    remote = next(line for line in period.lines if line.measure.code == "remote_diagnosis")

    # January 1 of 10 (10 %), March 5 of 6 (83.33 %): 6 of 16, not the mean 46.67 %.
    assert remote.over([1, 3]).sums == {"numerator": 6, "denominator": 16}
    assert remote.over([1, 3]).value == Decimal("37.50")
    assert remote.over(range(1, 13)).sums == remote.total.sums
    branch_b = next(row for row in remote.units if row.unit.name == "湖南分公司")
    assert branch_b.over([1, 3]).sums == {}
    assert branch_b.over([2]).value == Decimal("10.00")


def test_the_period_is_read_in_the_same_queries_however_many_units_and_months(
    measures_world, django_assert_num_queries
):
    def period():
        return measure_period(
            user=measures_world.hq_reviewer,
            unit=measures_world.units["hq"],
            starts_on=dt.date(2024, 1, 1),
            ends_on=dt.date(2024, 12, 31),
        )

    period()  # the user's units are looked up once and kept
    with django_assert_num_queries(QUERIES_PER_YEAR):
        period()
    for month in range(1, 12):  # sub-branch B has reported December already
        _return(measures_world.units["sub_b"], month, measures_world.parts, calls=5)
    f.OrgUnitFactory(parent=measures_world.units["hq"], kind="branch", name="湘西分公司")
    with django_assert_num_queries(QUERIES_PER_YEAR):
        period()
