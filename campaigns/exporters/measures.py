"""The consumer-protection measures of an export's campaign period: the regulator sheet's
measures sheet and the PDF summary's measures page.

Both read ``measure_period``, which folds the figures of ``measure_year`` (what the year's
measures page shows), so the three cannot disagree. Headers stay in Chinese whatever the
interface language, like the rest of the regulator sheet.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from campaigns.charts import bar_chart
from campaigns.exporters.xlsx import (
    BOLD,
    HEADER_ALIGNMENT,
    HEADER_FILL,
    sheet_ready_to_print,
    write_cell,
)
from campaigns.models import Campaign, Job, Measure, MeasurePart
from campaigns.selectors.measure_year import (
    Figure,
    MeasureLine,
    MeasurePeriod,
    UnitLine,
    measure_period,
)
from campaigns.selectors.regulator import RegulatorStatistics
from campaigns.templatetags.measures import DECIMAL_UNITS

SHEET_TITLE = "消保举措"
UNIT_NAMES = {
    Measure.Unit.CASES: "件",
    Measure.Unit.YUAN: "元",
    Measure.Unit.MINUTES: "分钟",
    Measure.Unit.PEOPLE: "人",
    Measure.Unit.SESSIONS: "场次",
    Measure.Unit.PERCENT: "%",
}
PERIOD_TOTAL = "期间合计"
BY_UNIT = "按机构"
BY_MONTH = "按月份"
OWN_RETURNS = "（本级）"
MEASURES_NOTE = (
    "消保举措只统计已通过审核的月度报表；总经理接待日按已通过的总经理接待日活动计数，不在报表中填报。"
    "比率、平均值和净推荐值由各组成数之和计算，不是各机构或各月数值的平均。"
    "月度报表按月填报，活动期间所涉及的月份按整月统计。"
    "空白或“—”表示没有数据，或无法计算（分母为 0）。"
)
# The charts of the PDF's measures page: the first measures (in the catalogue's order) that
# have figures in the period, month by month.
CHARTED_MEASURES = 4

WHOLE_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"


def month_label(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def period_described(period: MeasurePeriod) -> str:
    first, last = period.months[0], period.months[-1]
    if first == last:
        return f"统计月份：{month_label(first)}"
    return f"统计月份：{month_label(first)}至{month_label(last)}"


def campaign_measures(job: Job, statistics: RegulatorStatistics) -> MeasurePeriod:
    """The measures of the months of the export's period (the campaign's, narrowed by the
    export's dates, and not past this month), for the job's unit's subtree as the job's
    owner sees it."""
    campaign, filters = statistics.campaign, statistics.filters
    starts_on = max(campaign.starts_on, filters.starts_on or campaign.starts_on)
    ends_on = min(campaign.ends_on, filters.ends_on or campaign.ends_on, timezone.localdate())
    return measure_period(
        user=job.owner, unit=job.org_unit, starts_on=starts_on, ends_on=max(starts_on, ends_on)
    )


def value_header(measure: Measure) -> str:
    return f"数值（{UNIT_NAMES[measure.unit]}）"


def shown_parts(measure: Measure) -> list[MeasurePart]:
    """The parts shown beside the value: none where the value is the one part itself."""
    parts = list(measure.parts.all())
    return parts if len(parts) > 1 else []


def value_number(value: Decimal | None, measure: Measure) -> int | Decimal | None:
    """A value as a number: two decimals in a rate's, a mean's or money's unit, else whole."""
    if value is None:
        return None
    if measure.unit in DECIMAL_UNITS or value != value.to_integral_value():
        return value.quantize(Decimal("0.01"))
    return int(value)


def part_number(value: Decimal | None, part: MeasurePart) -> int | Decimal | None:
    if value is None:
        return None
    return int(value) if part.is_whole else value.quantize(Decimal("0.01"))


def _figure_cells(figure: Figure) -> list[int | Decimal | None]:
    measure = figure.measure
    return [
        value_number(figure.value, measure),
        *(part_number(figure.sums.get(part.role), part) for part in shown_parts(measure)),
    ]


def measures_rows(period: MeasurePeriod) -> list[tuple[str, list]]:
    """(label, cells) of each row of the measures sheet, its section headings with no cells:
    the period's total, then each unit just below (the unit's own returns first), then each
    month. The cells are each measure's value then its parts', as numbers."""
    lines = period.lines
    rows: list[tuple[str, list]] = [
        (PERIOD_TOTAL, [cell for line in lines for cell in _figure_cells(line.total)]),
        (BY_UNIT, []),
    ]
    for unit, own in _unit_rows(lines):
        label = f"{unit.name}{OWN_RETURNS}" if own else unit.name
        cells = [cell for line in lines for cell in _figure_cells(_unit_total(line, unit, own))]
        rows.append((label, cells))
    rows.append((BY_MONTH, []))
    for index, month in enumerate(period.months):
        cells = [cell for line in lines for cell in _figure_cells(line.months[index])]
        rows.append((month_label(month), cells))
    return rows


def _unit_rows(lines: list[MeasureLine]) -> list[tuple]:
    """(unit, own) of each unit row: the units just below, and the unit's own returns where
    it reported any measure for itself (first, as on the page)."""
    rows = {(row.unit.pk, row.own): (row.unit, row.own) for line in lines for row in line.units}
    return sorted(rows.values(), key=lambda row: (not row[1], row[0].path))


def _unit_total(line: MeasureLine, unit, own: bool) -> Figure:
    """``line``'s total of ``unit`` (or of its own returns), nothing where it has no row."""
    row: UnitLine | None = next(
        (row for row in line.units if (row.unit.pk, row.own) == (unit.pk, own)), None
    )
    return row.total if row else Figure(line.measure)


def measures_sheet_write(sheet, period: MeasurePeriod, *, campaign: Campaign) -> None:
    """The measures of the campaign's months on ``sheet``: a column per measure's value and
    per part, rows for the period, each unit below and each month."""
    sheet.title = SHEET_TITLE
    lines = period.lines
    widths = [len(shown_parts(line.measure)) + 1 for line in lines]
    last_column = get_column_letter(1 + sum(widths))
    write_cell(sheet["A1"], f"{campaign.name} · {period.unit.name} · 消保举措统计表")
    sheet["A1"].font = Font(bold=True, size=14)
    write_cell(sheet["A2"], f"{period_described(period)}；仅统计已通过的月度报表")
    sheet.merge_cells(f"A1:{last_column}1")
    sheet.merge_cells(f"A2:{last_column}2")
    _measure_headers(sheet, lines, widths)
    formats = [number_format for line in lines for number_format in _formats(line.measure)]
    rows = measures_rows(period)
    for row_number, (label, cells) in enumerate(rows, start=5):
        write_cell(sheet.cell(row=row_number, column=1), label)
        if not cells or label == PERIOD_TOTAL:  # a section's heading, or the total
            sheet.cell(row=row_number, column=1).font = BOLD
        if not cells:
            continue
        for column, (value, number_format) in enumerate(zip(cells, formats, strict=True), 2):
            cell = sheet.cell(row=row_number, column=column)
            write_cell(cell, value)
            cell.number_format = number_format
            if label == PERIOD_TOTAL:
                cell.font = BOLD
    note_row = len(rows) + 6  # a row left empty, so that the note is not read as a month
    write_cell(sheet.cell(row=note_row, column=1), MEASURES_NOTE)
    sheet.merge_cells(f"A{note_row}:{last_column}{note_row}")
    sheet.cell(row=note_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[note_row].height = 48
    sheet.column_dimensions["A"].width = 24
    sheet.freeze_panes = "B5"
    sheet_ready_to_print(sheet, title_rows=4)


def _formats(measure: Measure) -> list[str]:
    value_format = DECIMAL_FORMAT if measure.unit in DECIMAL_UNITS else WHOLE_FORMAT
    return [
        value_format,
        *(WHOLE_FORMAT if part.is_whole else DECIMAL_FORMAT for part in shown_parts(measure)),
    ]


def _measure_headers(sheet, lines: list[MeasureLine], widths: list[int]) -> None:
    """Row 3: each measure's name over its columns; row 4: its value's and parts' headers."""
    for row in (3, 4):
        cell = sheet.cell(row=row, column=1)
        write_cell(cell, "月份 / 机构" if row == 4 else "举措")
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, HEADER_ALIGNMENT
    column = 2
    for line, width in zip(lines, widths, strict=True):
        measure = line.measure
        headers = [value_header(measure), *(part.name_zh for part in shown_parts(measure))]
        write_cell(sheet.cell(row=3, column=column), measure.name_zh)
        if width > 1:
            sheet.merge_cells(
                start_row=3, start_column=column, end_row=3, end_column=column + width - 1
            )
        for offset, header in enumerate(headers):
            write_cell(sheet.cell(row=4, column=column + offset), header)
            sheet.column_dimensions[get_column_letter(column + offset)].width = 12
        for row in (3, 4):
            for offset in range(width):
                cell = sheet.cell(row=row, column=column + offset)
                cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, HEADER_ALIGNMENT
        column += width
    sheet.row_dimensions[3].height = 45
    sheet.row_dimensions[4].height = 45


def measures_page_context(period: MeasurePeriod) -> dict:
    """What the PDF summary's measures page shows: each measure's total and its parts, and
    month-by-month charts of the first measures with figures (call in Chinese)."""
    charted = [line for line in period.lines if line.has_figures][:CHARTED_MEASURES]
    return {
        "scope": period_described(period),
        "lines": period.lines,
        "note": MEASURES_NOTE,
        # One month has no "month by month" to draw.
        "charts": [_chart(line, period) for line in charted] if len(period.months) > 1 else [],
    }


def _chart(line: MeasureLine, period: MeasurePeriod) -> dict:
    measure = line.measure
    percent = measure.unit == Measure.Unit.PERCENT
    title = f"{measure.name_zh}（{UNIT_NAMES[measure.unit]}），按月"
    items = [
        (month_label(month), value_number(figure.value, measure))
        for month, figure in zip(period.months, line.months, strict=True)
    ]
    return {
        "title": title,
        "svg": bar_chart(
            items, title=title, max_value=100 if percent else None, suffix=" %" if percent else ""
        ),
    }
