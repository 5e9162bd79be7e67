"""The measures sheet: a year of monthly returns for a unit's subtree, as a template, and a
filled one read back, cell by cell.

Nothing here writes to the database. ``measures_sheet_read`` turns a workbook into rows
of clean values (unit code, year, month, each part's figure) and a list of every problem
found in the cells, so that the service (campaigns/services/measure_imports.py) can refuse
the whole sheet when one cell is wrong.

The sheet is found by what it holds: the sheet with a row naming the unit-code and month
columns (by their Chinese header or by their key) among its first rows, so that the marked
workbook an import gives back (its problems sheet first) is read as it is. Columns are
found by their header or key, in any order; other columns are left alone.

Cells are read as every import reads them (campaigns/imports/sheets.py): formulas and
error values refused, full-width forms folded. A figure is a number as typed (12, 12.5,
"1,500.50"); whether it suits its part (whole, two decimals, not negative) is the return's
own rule, checked by the service. A row whose figure cells are all empty is no return.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation

from campaigns import bounds
from campaigns.exporters.xlsx import sheet_ready_to_print, write_cell
from campaigns.imports.events_sheet import Column, SheetReading
from campaigns.imports.sheets import (
    Problem,
    SheetRefused,
    cell_blank,
    cell_refusal,
    cell_text,
    column_label,
    merged_ranges,
    sheet_rows,
    workbook_checked,
    workbook_open,
)
from campaigns.models import MeasurePart

SHEET_NAME = "措施月报"
HEADER_ROW, KEY_ROW, FIRST_DATA_ROW = 1, 2, 3
HEADER_SEARCH_ROWS = 10
# A unit's subtree for a year: far fewer rows than this.
MAX_ROWS = 5_000

UNIT_CODE, UNIT_NAME, YEAR, MONTH = "unit_code", "unit_name", "year", "month"
FIXED_COLUMNS = (
    Column(UNIT_CODE, "单位代码"),
    Column(UNIT_NAME, "单位名称"),
    Column(YEAR, "年份"),
    Column(MONTH, "月份"),
)
KIND_NOTES = {
    MeasurePart.Kind.WHOLE: "整数，不小于 0；没有的填 0。",
    MeasurePart.Kind.MONEY: "金额（元），不小于 0，最多两位小数。",
    MeasurePart.Kind.MINUTES: "分钟数，不小于 0，最多两位小数。",
}
INSTRUCTIONS = [
    "填写说明",
    "每行是一个单位一个月的监管措施月报：单位代码、年份、月份请保留原样。",
    "第 2 行是各列的代码，请勿修改或删除。",
    "整行数字都留空的月份不导入；尚未开始的月份不能填写。",
    "比率类指标填分子与分母（分子不大于分母）；平均值类填合计与次数；"
    "净推荐值（NPS）的推荐、中立、贬损人数须一起填写（没有的填 0）。",
    "已提交或已通过审核的月份，数字保持不变即可；要改动须先由审核人退回。",
    "导入时先检查整张表：任何一格有误，都不保存，并返回标出问题的表格。",
]


def part_key(part: MeasurePart) -> str:
    """A part's column key: its measure's code and its own, e.g. "nps.promoters"."""
    return f"{part.measure.code}.{part.code}"


def part_header(part: MeasurePart) -> str:
    """A part's column header in Chinese: "客户满意度 · 推荐人数"."""
    return f"{part.measure.name_zh} · {part.name_zh}"


def sheet_columns(parts: Iterable[MeasurePart]) -> list[Column]:
    """Every column of the sheet, in order: the unit, year and month, then one a part."""
    return [*FIXED_COLUMNS, *(Column(part_key(part), part_header(part)) for part in parts)]


# ---- the template -------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateRow:
    """One unit's month in the template, with the figures saved for it (part id -> figure)."""

    unit_code: str
    unit_name: str
    month: dt.date
    figures: Mapping[int, Decimal] = field(default_factory=dict)


def measures_template_workbook(*, parts: list[MeasurePart], rows: list[TemplateRow]) -> bytes:
    """The measures sheet for ``rows`` (unit and month), their saved figures filled in:
    Chinese headers, the key row, checks on the numbers, and a sheet of instructions."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    columns = sheet_columns(parts)
    for index, column in enumerate(columns, start=1):
        header = sheet.cell(row=HEADER_ROW, column=index)
        write_cell(header, column.header_zh)
        header.font = Font(bold=True)
        key = sheet.cell(row=KEY_ROW, column=index)
        write_cell(key, column.key)
        key.font = Font(color="808080", size=9)
        sheet.column_dimensions[get_column_letter(index)].width = max(
            10, len(column.header_zh) * 2.2
        )
    last_row = FIRST_DATA_ROW + max(len(rows), 1) - 1
    for number, row in enumerate(rows, start=FIRST_DATA_ROW):
        for index, value in enumerate(
            [row.unit_code, row.unit_name, row.month.year, row.month.month], start=1
        ):
            write_cell(sheet.cell(row=number, column=index), value)
        for index, part in enumerate(parts, start=len(FIXED_COLUMNS) + 1):
            if part.pk in row.figures:
                # A whole count as an integer, yuan and minutes with their decimals.
                value = row.figures[part.pk]
                sheet.cell(row=number, column=index).value = (
                    int(value) if part.is_whole else float(value)
                )
    _validations_added(sheet, parts, last_row)
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=len(FIXED_COLUMNS) + 1)
    sheet_ready_to_print(sheet, title_rows=KEY_ROW)
    notes = book.create_sheet("填写说明")
    for number, line in enumerate(INSTRUCTIONS, start=1):
        write_cell(notes.cell(row=number, column=1), line)
    notes["A1"].font = Font(bold=True)
    notes.column_dimensions["A"].width = 100
    sheet_ready_to_print(notes)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _validations_added(sheet, parts: list[MeasurePart], last_row: int) -> None:
    """Excel's own checks where they help: a month 1 to 12, figures of 0 or more, whole
    where the part counts. The import checks again: a sheet may come from elsewhere."""
    month = DataValidation(type="whole", operator="between", formula1="1", formula2="12")
    month.error = "月份为 1 到 12。"
    month.add(f"D{FIRST_DATA_ROW}:D{last_row}")
    sheet.add_data_validation(month)
    for index, part in enumerate(parts, start=len(FIXED_COLUMNS) + 1):
        letter = get_column_letter(index)
        check = DataValidation(
            type="whole" if part.is_whole else "decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
        )
        check.error = KIND_NOTES[part.kind]
        check.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        sheet.add_data_validation(check)
        sheet.cell(row=HEADER_ROW, column=index).comment = Comment(
            KIND_NOTES[part.kind], "模板说明"
        )


# ---- reading a filled sheet -----------------------------------------------------------


@dataclass
class MeasuresRow:
    """One row of the sheet as clean values; None where a cell was empty or refused."""

    row: int
    unit_code: str | None = None
    year: int | None = None
    month: int | None = None
    figures: dict[int, Decimal | None] = field(default_factory=dict)  # part id -> figure
    # The keys of the row's refused cells.
    refused: set[str] = field(default_factory=set)

    @property
    def month_start(self) -> dt.date | None:
        if self.year is None or self.month is None:
            return None
        return dt.date(self.year, self.month, 1)


NOT_A_FIGURE = gettext_lazy("Not a number: type the figure, such as 12 or 1500.50.")
NOT_A_WHOLE = gettext_lazy("A whole number, such as 2025 or 3.")


def _figure(value) -> Decimal:
    """A cell's number as typed (12, 12.5, "1,500.50", "１２"); ValueError for anything else.
    Its sign and decimals are the return's rule to judge."""
    if isinstance(value, bool):
        raise ValueError(str(NOT_A_FIGURE))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(str(NOT_A_FIGURE))
        # The shortest text that is this float: 1500.5 stays 1500.5, not 1500.4999….
        return Decimal(repr(value))
    text = cell_text(value).replace(",", "")
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
        raise ValueError(str(NOT_A_FIGURE))
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(str(NOT_A_FIGURE)) from None


def _whole(value) -> int:
    try:
        number = _figure(value)
    except ValueError:
        raise ValueError(str(NOT_A_WHOLE)) from None
    if number != number.to_integral_value() or abs(number) > 10_000:
        raise ValueError(str(NOT_A_WHOLE))
    return int(number)


def _year(value) -> int:
    number = _whole(value)
    if not bounds.EARLIEST_DAY.year <= number <= bounds.LATEST_DAY.year:
        raise ValueError(str(bounds.DAY_REFUSED))
    return number


def _month(value) -> int:
    number = _whole(value)
    if not 1 <= number <= 12:
        raise ValueError(_("A month is 1 to 12."))
    return number


def measures_sheet_read(data: bytes, *, parts: list[MeasurePart]) -> SheetReading:
    """Every row of an uploaded measures sheet with figures in it, as clean values, and
    every problem of its cells; ``SheetRefused`` for a file that is no such sheet."""
    archive = workbook_checked(data)
    book = workbook_open(data)
    try:
        columns = sheet_columns(parts)
        sheet, header_rows, places = _layout(book, columns)
        reading = SheetReading(
            rows=[],
            problems=[],
            sheet=sheet.title,
            labels={
                column.key: column_label(places[column.key] + 1, column.header_zh)
                for column in columns
                if column.key in places
            },
        )
        missing = [column for column in columns if column.key not in places]
        for column in missing:
            reading.problems.append(
                Problem(
                    sheet.title,
                    header_rows[0],
                    "",
                    column.header_zh,
                    _("The column “%(column)s” is missing; download the template again.")
                    % {"column": column.header_zh},
                )
            )
        if missing:
            return reading
        first_data_row = header_rows[-1] + 1
        reading.problems.extend(_merged_cells(archive, sheet, first_data_row, reading.labels))
        _rows_read(reading, sheet, first_data_row, places, parts)
        return reading
    finally:
        book.close()


def _layout(book, columns: list[Column]) -> tuple[object, list[int], dict[str, int]]:
    """The sheet of ``book`` that holds the returns, its header rows' numbers, and where
    each column is (0-based, by key)."""
    names = {name: column.key for column in columns for name in (column.key, column.header_zh)}
    for sheet in book.worksheets:
        header_rows, places = [], {}
        rows = sheet_rows(sheet, max_row=HEADER_SEARCH_ROWS)
        for number, cells in enumerate(rows, start=1):
            named = {
                names[cell_text(value)]: index
                for index, value in reversed(list(enumerate(cells)))
                if isinstance(value, str) and cell_text(value) in names
            }
            if UNIT_CODE in named and MONTH in named:
                header_rows.append(number)
                places = named | places  # the first header row's place wins
            elif header_rows:
                break
        if header_rows:
            return sheet, header_rows, places
    raise SheetRefused(
        _(
            "No sheet of this workbook has the header row of the measures template "
            "(单位代码, 月份, …); download the template again."
        )
    )


def _merged_cells(
    archive: zipfile.ZipFile, sheet, first_data_row: int, labels: dict[str, str]
) -> list[Problem]:
    """A problem for each range of merged cells below the header rows."""
    by_letter = {label.split(" ", 1)[0]: label for label in labels.values()}
    problems = []
    for ref in merged_ranges(archive, sheet._worksheet_path):
        first_column, first_row, _last_column, last_row = range_boundaries(ref)
        if last_row < first_data_row:
            continue  # merged headers: looks, not data
        letter = get_column_letter(first_column)
        problems.append(
            Problem(
                sheet.title,
                max(first_row, first_data_row),
                by_letter.get(letter, letter),
                ref,
                _("Merged cells: unmerge them and fill in every row."),
            )
        )
    return problems


def _rows_read(
    reading: SheetReading,
    sheet,
    first_data_row: int,
    places: dict[str, int],
    parts: list[MeasurePart],
) -> None:
    keys = [column.key for column in FIXED_COLUMNS]
    part_keys = {part.pk: part_key(part) for part in parts}
    rows = sheet_rows(sheet, min_row=first_data_row, values_only=False)
    for number, cells in enumerate(rows, start=first_data_row):
        cell_at = {key: cells[at] if at < len(cells) else None for key, at in places.items()}
        figure_cells = [cell_at[key] for key in part_keys.values()]
        if all(cell is None or cell_blank(cell.value) for cell in figure_cells):
            continue  # no figure in the row: no return to save
        if len(reading.rows) >= MAX_ROWS:
            reading.problem(number, None, "", _("More than %(max)s rows.") % {"max": MAX_ROWS})
            return
        row = MeasuresRow(row=number)
        for key in keys:
            setattr(row, key, _cell_read(reading, row, key, cell_at[key], _reader(key)))
        for part_pk, key in part_keys.items():
            row.figures[part_pk] = _cell_read(reading, row, key, cell_at[key], _figure)
        reading.rows.append(row)


def _reader(key: str):
    return {UNIT_CODE: cell_text, UNIT_NAME: cell_text, YEAR: _year, MONTH: _month}[key]


def _cell_read(reading: SheetReading, row: MeasuresRow, key: str, cell, read):
    """The cell's clean value, None if it is empty or refused (its problem listed)."""
    value = None if cell is None else cell.value
    refusal = cell_refusal(cell) if cell is not None else None
    if refusal is None and cell_blank(value):
        if key in (UNIT_CODE, YEAR, MONTH):
            refusal = _("This column must be filled in.")
        else:
            return None
    if refusal is None:
        try:
            return read(value)
        except ValueError as error:
            refusal = error.args[0]
    reading.problem(row.row, key, getattr(value, "text", value), refusal)  # an array formula
    row.refused.add(key)
    return None
