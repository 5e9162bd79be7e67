"""The events sheet: its template, and reading a filled one back, cell by cell.

Nothing here writes to the database. ``sheet_read`` turns a workbook into rows of clean
values and a list of every problem found (sheet, row, column, the value, the reason), so
that the service can refuse the whole sheet when one cell is wrong.

Cells are handled on purpose, each way tested (tests/imports/test_events_sheet.py):
- a formula is refused: only Excel or WPS know its value, and a sheet saved by another
  program may hold none; the reason asks for the value itself;
- a date may be a real date cell or text such as 2025-03-12 10:00, 2025/3/12 or
  2025年3月12日 10时; a bare number in a date column is refused (it is no date);
- full-width digits and letters (１２３) are read as ordinary ones in counts, dates, codes
  and choices; titles and venues are kept exactly as typed;
- an empty count means "not counted", 0 means none came; 60.0 is 60, 60人 is refused;
- a county is given by its code or its name, looked for in the unit's service area;
- merged cells are refused with their range: each row must carry its own values.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cache

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from campaigns import bounds
from campaigns.exporters.xlsx import write_cell, write_row
from campaigns.models import AudienceGroup, Channel, EventFormat, Topic, VenueType
from campaigns.models.events import AUDIENCE_COLUMNS

SHEET_NAME = "活动"
HEADER_ROW, KEY_ROW, FIRST_DATA_ROW = 1, 2, 3
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
# What the workbook's parts may unpack to: far above any real sheet of MAX_ROWS rows, far
# below what a zip bomb would make the server write.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    header_zh: str
    required: bool = False


COLUMNS = [
    Column("external_ref", "外部编号", required=True),
    Column("title", "活动名称", required=True),
    Column("county", "县（区）代码或名称", required=True),
    Column("venue_name", "活动场所"),
    Column("venue_type", "场所类型", required=True),
    Column("format", "活动形式", required=True),
    Column("channel", "渠道"),
    Column("starts_at", "开始时间", required=True),
    Column("topics", "宣传主题", required=True),
    Column("staff_count", "参与员工人数"),
    Column("outlets_count", "参与网点数"),
]
# Audience columns follow (columns()), one a group, headed by the group's Chinese name.
# Their keys are the names of the Event columns that keep the counts.
AUDIENCE_KEYS = AUDIENCE_COLUMNS
COUNT_KEYS = ["staff_count", "outlets_count", *AUDIENCE_KEYS]
CHOICES = {
    "venue_type": VenueType,
    "format": EventFormat,
    "channel": Channel,
}


@cache
def _chinese_labels(choices) -> dict[str, str]:
    """A choice set's Chinese labels, by value: the words the sheet's drop-down lists use."""
    with override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


def columns() -> list[Column]:
    """Every column of the sheet, in order: the fixed ones, then one per audience group."""
    labels = _chinese_labels(AudienceGroup)
    return [
        *COLUMNS,
        *(Column(f"audience_{group}", f"受众：{labels[group]}") for group in AudienceGroup.values),
    ]


def column_labels() -> dict[str, str]:
    """How a problem names each column: its letter and Chinese header, e.g. "H 开始时间"."""
    return {c.key: f"{get_column_letter(i)} {c.header_zh}" for i, c in enumerate(columns(), 1)}


@dataclass
class Problem:
    """One thing wrong in the sheet, said where a person finds it."""

    sheet: str
    row: int
    column: str  # the letter and the header, e.g. "H 开始时间"
    value: str
    reason: str

    @property
    def cell(self) -> str:
        return f"{self.column.split()[0]}{self.row}" if self.row else ""


@dataclass
class SheetRow:
    row: int
    values: dict = field(default_factory=dict)


@dataclass
class SheetReading:
    rows: list[SheetRow]
    problems: list[Problem]


# ---- the template -------------------------------------------------------------------


def template_workbook(*, county_codes: list[str]) -> bytes:
    """An empty events sheet: Chinese headers, the key row, drop-down lists where it helps."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    all_columns = columns()
    for index, column in enumerate(all_columns, start=1):
        header = sheet.cell(row=HEADER_ROW, column=index)
        write_cell(header, column.header_zh)
        header.font = Font(bold=True)
        key = sheet.cell(row=KEY_ROW, column=index)
        write_cell(key, column.key)
        key.font = Font(color="808080", size=9)
        sheet.column_dimensions[get_column_letter(index)].width = max(
            12, len(column.header_zh) * 2.2
        )
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=1)
    # The lists live on a sheet of their own, so that they may be long (county codes).
    lists = book.create_sheet("选项")
    list_columns = {
        "venue_type": list(_chinese_labels(VenueType).values()),
        "format": list(_chinese_labels(EventFormat).values()),
        "channel": list(_chinese_labels(Channel).values()),
        "topics": list(_chinese_labels(Topic).values()),
        "county": county_codes,
    }
    for list_index, (key, options) in enumerate(list_columns.items(), start=1):
        letter = get_column_letter(list_index)
        write_cell(lists.cell(row=1, column=list_index), key)
        for row, option in enumerate(options, start=2):
            write_cell(lists.cell(row=row, column=list_index), option)
        if not options:
            continue
        target = get_column_letter([c.key for c in all_columns].index(key) + 1)
        validation = DataValidation(
            type="list",
            formula1=f"=选项!${letter}$2:${letter}${len(options) + 1}",
            # Topics hold several, and a county may be typed by name: a hint, not a rule.
            allow_blank=True,
            showErrorMessage=key not in ("topics", "county"),
        )
        validation.add(f"{target}{FIRST_DATA_ROW}:{target}{MAX_ROWS + FIRST_DATA_ROW}")
        sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- reading a filled sheet -----------------------------------------------------------


class SheetRefused(Exception):
    """The file cannot be read as a sheet at all (not a workbook, too big, a zip bomb)."""


NOT_A_WORKBOOK = gettext_lazy("This is not an Excel workbook (.xlsx).")


def workbook_checked(data: bytes) -> zipfile.ZipFile:
    if len(data) > MAX_UPLOAD_BYTES:
        raise SheetRefused(
            _("The file is larger than %(mb)s MB; split the sheet.")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SheetRefused(NOT_A_WORKBOOK) from None
    # The sizes are the archive's own claims, read before anything is unpacked.
    if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
        raise SheetRefused(
            _("This workbook unpacks to far more than any sheet of events; it was refused.")
        )
    return archive


def workbook_open(data: bytes) -> Workbook:
    """An uploaded workbook opened read-only, once its archive passed ``workbook_checked``."""
    workbook_checked(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl fails in as many ways as a file can be no workbook
        raise SheetRefused(NOT_A_WORKBOOK) from None
    if not book.worksheets:
        raise SheetRefused(NOT_A_WORKBOOK)
    return book


def sheet_rows(sheet, **options):
    """The rows of a read-only sheet as values. Its XML is read only now, row by row: a part
    that turns out unreadable (an entity bomb, a size the archive lied about, a number
    that is none) refuses the whole file like one that does not open."""
    rows = sheet.iter_rows(values_only=True, **options)
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception:
            raise SheetRefused(NOT_A_WORKBOOK) from None
        yield cells


MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell ref="([A-Z]{1,3}\d+:[A-Z]{1,3}\d+)"')


def _merged_ranges(archive: zipfile.ZipFile) -> list[str]:
    """The merged ranges of the events sheet (read-only openpyxl does not report them).

    Found by pattern in the sheet's XML rather than by parsing it a second time: the
    mergeCell elements are flat, and a pattern reads no entities or anything else.
    """
    for name in archive.namelist():
        if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
            try:
                with archive.open(name) as part:
                    return [ref.decode() for ref in MERGE_CELL.findall(part.read())]
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
                # Unpacked only as far as the archive claims, so a false size shows here.
                raise SheetRefused(NOT_A_WORKBOOK) from None
    return []


def cell_blank(value) -> bool:
    """Whether a cell holds nothing (spaces, full-width ones too, count as nothing)."""
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str:
    """A cell as text, full-width forms folded (１２３ → 123), spaces trimmed."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


DATE_PATTERNS = [
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2})[:：](\d{2}))?"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?(?:\s*(\d{1,2})(?:[:：时点])(\d{2})?分?)?"),
]


def _when(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(9, 0))
    elif isinstance(value, int | float):
        raise ValueError(_("A number, not a date: type the date, such as 2025-03-12 10:00."))
    else:
        text = cell_text(value)
        for pattern in DATE_PATTERNS:
            match = pattern.fullmatch(text)
            if match:
                year, month, day, hour, minute = match.groups()
                try:
                    moment = dt.datetime(
                        int(year),
                        int(month),
                        int(day),
                        int(hour or 9),
                        int(minute or 0),
                        tzinfo=timezone.get_current_timezone(),
                    )
                except ValueError:
                    raise ValueError(_("There is no such date.")) from None
                break
        else:
            raise ValueError(_("Not a date: write it as 2025-03-12 10:00."))
    if not bounds.EARLIEST_DAY <= moment.date() <= bounds.LATEST_DAY:
        raise ValueError(str(bounds.DAY_REFUSED))
    # Dates in the sheet are the branch's local time (Beijing time).
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _count(value) -> int | None:
    if cell_blank(value):
        return None  # not counted, which is not 0
    if isinstance(value, bool):
        raise ValueError(_("A whole number of 0 or more, or empty if not counted."))
    if isinstance(value, int | float):
        number = value
    else:
        text = cell_text(value).replace(",", "")
        if not re.fullmatch(r"\d+(\.0+)?", text):
            raise ValueError(_("A whole number of 0 or more, or empty if not counted."))
        number = float(text)
    if number != number or number < 0:  # NaN is not equal to itself
        raise ValueError(_("A whole number of 0 or more, or empty if not counted."))
    # Before int(): an infinite float (a 400-digit number) cannot become one.
    if number > bounds.PEOPLE.high:
        raise ValueError(
            _("At most %(max)s; no event counts more.") % {"max": f"{bounds.PEOPLE.high:,}"}
        )
    if number != int(number):
        raise ValueError(_("A whole number of 0 or more, or empty if not counted."))
    return int(number)


def _choice(key: str, value) -> str:
    choices = CHOICES[key]
    text = cell_text(value)
    by_label = _by_label(choices)
    if text in _chinese_labels(choices):  # the value itself, e.g. "village"
        return text
    if text in by_label:
        return by_label[text]
    raise ValueError(
        _("Not one of: %(options)s.") % {"options": "、".join(_chinese_labels(choices).values())}
    )


@cache
def _by_label(choices) -> dict[str, str]:
    return {label: value for value, label in _chinese_labels(choices).items()}


def _topics(value) -> list[str]:
    by_label = _by_label(Topic)
    topics = []
    for part in re.split(r"[,，、;；/]", cell_text(value)):
        part = part.strip()
        if not part:
            continue
        if part in _chinese_labels(Topic):
            topics.append(part)
        elif part in by_label:
            topics.append(by_label[part])
        else:
            raise ValueError(
                _("Unknown topic “%(topic)s”; choose from: %(options)s.")
                % {"topic": part, "options": "、".join(by_label)}
            )
    if not topics:
        raise ValueError(_("Give at least one topic."))
    return topics


class CountyLookup:
    """Counties of a unit's service area, found by code or by name."""

    def __init__(self, counties):
        self.by_code = {county.code: county for county in counties}
        self.by_name: dict[str, list] = {}
        for county in counties:
            self.by_name.setdefault(county.name_zh, []).append(county)

    def find(self, value):
        text = cell_text(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = str(int(value))  # a code typed into a number cell
        if text in self.by_code:
            return self.by_code[text]
        found = self.by_name.get(text, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValueError(_("Two counties of the service area have this name: give the code."))
        raise ValueError(_("Not a county of the unit's service area (by code or name)."))


def sheet_read(data: bytes, *, counties: CountyLookup) -> SheetReading:
    """Every row of an uploaded events sheet, as clean values, and every problem in it."""
    merged = _merged_ranges(workbook_checked(data))
    book = workbook_open(data)
    sheet = book.worksheets[0]
    all_columns = columns()
    headers = column_labels()
    problems: list[Problem] = []

    def problem(row: int, key: str | None, value, reason: str) -> None:
        problems.append(
            Problem(
                sheet=sheet.title,
                row=row,
                column=headers.get(key, "") if key else "",
                value="" if value is None else str(value)[:100],
                reason=str(reason),
            )
        )

    for ref in merged:
        problems.append(
            Problem(
                sheet=sheet.title,
                row=0,
                column=ref,
                value="",
                reason=_("Merged cells: unmerge them and fill in every row."),
            )
        )

    rows_iter = sheet_rows(sheet)
    next(rows_iter, None)  # the Chinese headers: people may reword them, the keys stay
    key_row = next(rows_iter, None)
    expected_keys = [c.key for c in all_columns]
    if key_row is None or [cell_text(v) for v in key_row[: len(expected_keys)]] != expected_keys:
        problem(
            KEY_ROW,
            None,
            "",
            _("Row 2 must hold the template's column keys; download the template again."),
        )
        return SheetReading(rows=[], problems=problems)

    rows: list[SheetRow] = []
    seen_refs: dict[str, int] = {}
    for number, cells in enumerate(rows_iter, start=FIRST_DATA_ROW):
        cells = list(cells[: len(all_columns)]) + [None] * (len(all_columns) - len(cells))
        if all(cell_blank(cell) for cell in cells):
            continue  # an empty row between events is no event
        if len(rows) >= MAX_ROWS:
            problem(
                number, None, "", _("More than %(max)s rows; split the sheet.") % {"max": MAX_ROWS}
            )
            break
        raw = dict(zip(expected_keys, cells, strict=True))
        values = {}
        for column in all_columns:
            value = raw[column.key]
            if isinstance(value, str) and value.startswith("="):
                problem(number, column.key, value, _("A formula: type the value itself."))
                continue
            if cell_blank(value):
                if column.required:
                    problem(number, column.key, value, _("This column must be filled in."))
                values[column.key] = None
                continue
            try:
                values[column.key] = _clean(column.key, value, counties)
            except ValueError as error:
                problem(number, column.key, value, error.args[0])
        ref = values.get("external_ref")
        if ref:
            if ref in seen_refs:
                problem(
                    number,
                    "external_ref",
                    ref,
                    _("Row %(row)s has this reference already.") % {"row": seen_refs[ref]},
                )
            seen_refs.setdefault(ref, number)
        rows.append(SheetRow(row=number, values=values))
    book.close()
    return SheetReading(rows=rows, problems=problems)


def _clean(key: str, value, counties: CountyLookup):
    if key in COUNT_KEYS:
        return _count(value)
    if key == "starts_at":
        return _when(value)
    if key == "county":
        return counties.find(value)
    if key in CHOICES:
        return _choice(key, value)
    if key == "topics":
        return _topics(value)
    # Titles and venues are kept as typed: folding would turn Chinese （） into ().
    text = str(value).strip()
    if (key == "title" and len(text) > 200) or (key == "venue_name" and len(text) > 200):
        raise ValueError(_("At most 200 characters."))
    if key == "external_ref" and len(text) > 64:
        raise ValueError(_("At most 64 characters."))
    return text


# ---- the sheet with its problems marked ------------------------------------------------

PROBLEM_FILL = PatternFill("solid", fgColor="FFC7CE")
PROBLEM_COLUMN_WIDTHS = (12, 8, 24, 30, 70)


def problems_workbook(data: bytes, problems: list[Problem]) -> bytes:
    """The uploaded sheet again, each bad cell filled red with its reason as a comment,
    and a sheet listing every problem."""
    from openpyxl.comments import Comment

    try:
        # A file refused as a whole is not opened again (least of all without read-only's
        # restraint): the listing alone says why.
        book = load_workbook(io.BytesIO(data)) if all(item.sheet for item in problems) else None
    except Exception:
        book = None
    if book is None:
        book = Workbook()
        book.remove(book.active)
    else:
        sheet = book.worksheets[0]
        for item in problems:
            if item.cell:
                cell = sheet[item.cell]
                cell.fill = PROBLEM_FILL
                cell.comment = Comment(item.reason, "outreach portal")
    listing = book.create_sheet("问题清单", 0)
    write_row(listing, 1, ["工作表", "行", "列", "填写的值", "原因"])
    for cell in listing[1]:
        cell.font = Font(bold=True)
    # Wide enough to read a Chinese header and a reason without widening columns by hand.
    for letter, width in zip("ABCDE", PROBLEM_COLUMN_WIDTHS, strict=True):
        listing.column_dimensions[letter].width = width
    listing.freeze_panes = "A2"
    for number, item in enumerate(problems, start=2):
        cells = [item.sheet, item.row or "", item.column, item.value, item.reason]
        for column, value in enumerate(cells, start=1):
            # A value someone typed as a formula stays inert text here.
            write_cell(listing.cell(row=number, column=column), value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = [
    "MAX_ROWS",
    "CountyLookup",
    "Problem",
    "SheetReading",
    "SheetRefused",
    "column_labels",
    "columns",
    "problems_workbook",
    "sheet_read",
    "template_workbook",
]
