"""The events sheet: its template, and reading a filled one back, cell by cell.

Nothing here writes to the database. ``sheet_read`` turns a workbook into rows of clean
values and a list of every problem found (sheet, row, column, the value, the reason), so
that the service can refuse the whole sheet when one cell is wrong.

The events sheet is found by what it holds, not by its place: it is the sheet with a row
naming the template's columns (by their Chinese header or by their key), among its first
rows. So the template (a header row, then the key row), the events export (a header row
only) and the marked workbook an import gives back (its problems sheet first) are all read
as they are, and a sheet may lose its key row or its header row, or have others around it.
Columns are found by their header, in any order; other columns are left alone.

The file's checks, and how every import reads a cell (formulas and error values refused,
full-width forms folded, choices by their Chinese label), are campaigns/imports/sheets.py's.
The events sheet's own cells are handled on purpose, each way tested (tests/imports/):
- a date may be a real date cell or text such as 2025-03-12 10:00, 2025/3/12 or
  2025年3月12日 10时; a bare number in a date column is refused (it is no date);
- titles and venues are kept exactly as typed (not folded), within their column's length;
- an empty count means "not counted", 0 means none came; 60.0 is 60, 60人 is refused;
- a county is given by its code, its name or both ("513233 红原县", as the template's list
  offers it), looked for in the unit's service area;
- merged cells are refused with their range: each row must carry its own values;
- hidden rows and columns are read like the others: what the sheet holds is imported.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation

from campaigns import bounds
from campaigns.exporters.xlsx import sheet_ready_to_print, write_cell, write_row
from campaigns.imports.sheets import (
    Problem,
    SheetRefused,
    cell_blank,
    cell_refusal,
    cell_text,
    chinese_labels,
    choice_read,
    column_label,
    merged_ranges,
    sheet_rows,
    workbook_checked,
    workbook_open,
)
from campaigns.models import (
    AudienceGroup,
    Channel,
    Event,
    EventFormat,
    Region,
    Topic,
    VenueType,
)
from campaigns.models.events import AUDIENCE_COLUMNS, audience_column
from campaigns.models.regions import county_text_parts

logger = logging.getLogger(__name__)

SHEET_NAME = "活动"
# Where the template puts its rows; a filled sheet's are found by what they hold.
HEADER_ROW, KEY_ROW, FIRST_DATA_ROW = 1, 2, 3
# How far down a sheet its header row is looked for.
HEADER_SEARCH_ROWS = 10
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Column:
    key: str
    header_zh: str
    required: bool = False
    # Other headers the column is found by: the events export's, and older templates'.
    aliases: tuple[str, ...] = ()
    # A column a sheet may leave out altogether (the event number: only exports fill it).
    may_be_absent: bool = False


COLUMNS = [
    # Required unless the row gives the event's number (see EVENT_ID).
    Column("external_ref", "外部编号"),
    Column("title", "活动名称", required=True),
    Column("county", "县（区）代码或名称", required=True, aliases=("县（区）代码",)),
    Column("venue_name", "活动场所", aliases=("场所",)),
    Column("venue_type", "场所类型", required=True),
    Column("format", "活动形式", required=True, aliases=("形式",)),
    Column("channel", "渠道"),
    Column("starts_at", "开始时间", required=True),
    # Required of a new or changed event by the plan's own rule (services/events.py).
    Column("topics", "宣传主题"),
    Column("staff_count", "参与员工人数", aliases=("工作人员",)),
    Column("outlets_count", "参与网点数"),
    # People who came to an event held in person; the groups after it are "of whom".
    Column("head_count", "到场人数"),
    Column("online_reach", "线上触达人数"),
]
# The portal's own number of an event, as the events export writes it: a row that gives it
# updates that event, so that an export uploaded back changes nothing. Empty for new events.
EVENT_ID = Column("event_id", "系统编号", may_be_absent=True)
# Audience columns follow the fixed ones (columns()), one a group, headed "其中：<group>"
# (of whom). Their keys are the names of the Event columns that keep the counts.
AUDIENCE_KEYS = AUDIENCE_COLUMNS
COUNT_KEYS = ["staff_count", "outlets_count", "head_count", "online_reach", *AUDIENCE_KEYS]
COUNT_BOUNDS = {"online_reach": bounds.REACH}
CHOICES = {
    "venue_type": VenueType,
    "format": EventFormat,
    "channel": Channel,
}
HEADER_NOTES = {
    "head_count": "线下活动到场的总人数。下列各类受众为“其中”人数，每类不超过到场人数；"
    "一人可同时计入多类（如牧区妇女），各类之和可以大于到场人数。",
    "online_reach": "线上活动（直播、公众号文章、短信）的触达人数；线下活动留空。",
    "event_id": "系统导出的活动编号。新活动留空；导出表中的编号请保留原样。",
}


@cache
def columns() -> tuple[Column, ...]:
    """Every column of the template, in order: the fixed ones, one per audience group, and
    the event number."""
    labels = chinese_labels(AudienceGroup)
    return (
        *COLUMNS,
        *(
            Column(
                audience_column(group),
                f"其中：{labels[group]}",
                aliases=(f"受众：{labels[group]}",),
            )
            for group in AudienceGroup.values
        ),
        EVENT_ID,
    )


def column_labels() -> dict[str, str]:
    """How a problem names each column of the template: its letter and Chinese header,
    e.g. "H 开始时间"."""
    return {c.key: column_label(i, c.header_zh) for i, c in enumerate(columns(), 1)}


@dataclass
class SheetRow:
    row: int
    values: dict = field(default_factory=dict)


@dataclass
class SheetReading:
    # The rows read: SheetRow here, MeasuresRow for the measures sheet (measures_sheet.py).
    rows: list
    problems: list[Problem]
    # The events sheet's name, and how a problem names each of its columns ("H 开始时间").
    sheet: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    def problem(self, row: int, key: str | None, value, reason) -> None:
        """List a problem of the cell of column ``key`` on ``row`` (no key: of the row)."""
        self.problems.append(
            Problem(
                self.sheet,
                row,
                self.labels.get(key, "") if key else "",
                "" if value is None else str(value)[:100],
                str(reason),
            )
        )


# ---- the template -------------------------------------------------------------------


def county_choice(county: Region) -> str:
    """A county as the template's list offers it, "513233 红原县": the code that the import
    goes by, and the name that a person picks by."""
    return f"{county.code} {county.name_zh}"


def template_workbook(*, county_choices: list[str]) -> bytes:
    """An empty events sheet: Chinese headers, the key row, drop-down lists where it helps.
    ``county_choices``: the unit's counties as the county column's list offers them."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    all_columns = columns()
    for index, column in enumerate(all_columns, start=1):
        header = sheet.cell(row=HEADER_ROW, column=index)
        write_cell(header, column.header_zh)
        header.font = Font(bold=True)
        if column.key in HEADER_NOTES:
            header.comment = Comment(HEADER_NOTES[column.key], "模板说明")
        key = sheet.cell(row=KEY_ROW, column=index)
        write_cell(key, column.key)
        key.font = Font(color="808080", size=9)
        sheet.column_dimensions[get_column_letter(index)].width = max(
            12, len(column.header_zh) * 2.2
        )
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=1)
    # The lists live on a sheet of their own, so that they may be long (counties).
    lists = book.create_sheet("选项")
    list_columns = {
        "venue_type": list(chinese_labels(VenueType).values()),
        "format": list(chinese_labels(EventFormat).values()),
        "channel": list(chinese_labels(Channel).values()),
        "topics": list(chinese_labels(Topic).values()),
        "county": county_choices,
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
    sheet_ready_to_print(sheet, title_rows=KEY_ROW)
    sheet_ready_to_print(lists)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- reading a filled sheet -----------------------------------------------------------


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


NOT_A_COUNT = gettext_lazy("A whole number of 0 or more, or empty if not counted.")


def _whole_number(value) -> float:
    """A cell's number (60, 60.0, "60", "６０"); ValueError for anything else."""
    if isinstance(value, bool):
        raise ValueError(str(NOT_A_COUNT))
    if isinstance(value, int | float):
        number = value
    else:
        text = cell_text(value).replace(",", "")
        if not re.fullmatch(r"\d+(\.0+)?", text):
            raise ValueError(str(NOT_A_COUNT))
        number = float(text)
    if number != number or number < 0:  # NaN is not equal to itself
        raise ValueError(str(NOT_A_COUNT))
    return number


def _count(value, bound: bounds.Range = bounds.PEOPLE) -> int:
    number = _whole_number(value)
    # Before int(): an infinite float (a 400-digit number) cannot become one.
    if number > bound.high:
        raise ValueError(_("At most %(max)s; no event counts more.") % {"max": f"{bound.high:,}"})
    if number != int(number):
        raise ValueError(str(NOT_A_COUNT))
    return int(number)


NOT_AN_EVENT = gettext_lazy(
    "Not the number of an event you may see; leave it empty for a new event."
)


def _event_id(value) -> int:
    try:
        number = _whole_number(value)
    except ValueError:
        raise ValueError(str(NOT_AN_EVENT)) from None
    if not math.isfinite(number) or number != int(number) or int(number) not in bounds.ROW_ID:
        raise ValueError(str(NOT_AN_EVENT))
    return int(number)


def _topics(value) -> list[str]:
    topics = []
    for part in re.split(r"[,，、;；/]", cell_text(value)):
        part = part.strip()
        if not part:
            continue
        try:
            topics.append(choice_read(Topic, part))
        except ValueError:
            raise ValueError(
                _("Unknown topic “%(topic)s”; choose from: %(options)s.")
                % {"topic": part[:100], "options": "、".join(chinese_labels(Topic).values())}
            ) from None
    return topics


def _text(key: str, value) -> str:
    """A title, venue or reference as typed, within what its column of Event holds.
    Kept as typed: folding would turn Chinese （） into ()."""
    text = str(value).strip()
    length = Event._meta.get_field(key).max_length
    # The validator itself only where it has something to say: it is made anew per call.
    if len(text) > length or bounds.UNSTORABLE.search(text):
        try:
            bounds.text_within(text, length)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None
    return text


class CountyLookup:
    """Counties of a unit's service area, found by code, by name or by both ("513233",
    "红原县", "513233 红原县", "513233红原县"). A county outside the area is told apart from
    no county at all: the first wants another unit, the second a typing mistake fixed."""

    def __init__(self, counties, *, unit_name: str = ""):
        self.unit_name = unit_name
        self.by_code = {county.code: county for county in counties}
        self.by_name: dict[str, list] = {}
        for county in counties:
            self.by_name.setdefault(county.name_zh, []).append(county)
        self._everywhere: dict[str, Region] | None = None

    def find(self, value):
        text = cell_text(value)
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value == int(value)
        ):
            text = str(int(value))  # a code typed into a number cell
        code, name = county_text_parts(text)
        if code:
            if code in self.by_code:
                return self.by_code[code]
        else:
            found = self.by_name.get(name, [])
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise ValueError(
                    _("Two counties of the service area have this name: give the code.")
                )
        county = self._anywhere(code or name)
        if county is None:
            raise ValueError(_("No county has this code or name; check it for typing mistakes."))
        raise ValueError(
            _("%(county)s is not in the service area of %(unit)s.")
            % {"county": county, "unit": self.unit_name}
        )

    def _anywhere(self, code_or_name: str) -> Region | None:
        """A county of the whole country by code or name; read once, at the first miss."""
        if self._everywhere is None:
            self._everywhere = {}
            counties = Region.objects.filter(level=Region.Level.COUNTY).only("code", "name_zh")
            for county in counties.order_by("code"):
                self._everywhere[county.code] = county
                self._everywhere.setdefault(county.name_zh, county)
        return self._everywhere.get(code_or_name)


def _clean(key: str, value, counties: CountyLookup):
    if key in COUNT_KEYS:
        return _count(value, COUNT_BOUNDS.get(key, bounds.PEOPLE))
    if key == "starts_at":
        return _when(value)
    if key == "county":
        return counties.find(value)
    if key in CHOICES:
        return choice_read(CHOICES[key], value)
    if key == "topics":
        return _topics(value)
    if key == "event_id":
        return _event_id(value)
    return _text(key, value)


# ---- finding the events sheet and its columns ----------------------------------------


@cache
def _names() -> dict[str, tuple[str, bool]]:
    """Every text that names a column, folded as cells are read: its key, and whether the
    text is the key itself (which wins over a header, people reword headers)."""
    names = {}
    for column in columns():
        for header in (column.header_zh, *column.aliases):
            names[cell_text(header)] = (column.key, False)
        names[column.key] = (column.key, True)
    return names


def _columns_named(cells) -> dict[str, dict[bool, set[int]]]:
    """The columns a row names, by key: where, by key text (True) or by header (False)."""
    named: dict[str, dict[bool, set[int]]] = {}
    for index, value in enumerate(cells):
        if isinstance(value, str):
            found = _names().get(cell_text(value))
            if found:
                key, by_key = found
                named.setdefault(key, {}).setdefault(by_key, set()).add(index)
    return named


def _names_events(named: dict) -> bool:
    """Whether a row is a header (or key) row of events: it names the title, and the
    reference or the event number."""
    return "title" in named and ("external_ref" in named or "event_id" in named)


@dataclass
class _Layout:
    """Where a sheet holds the events: its header rows, and each column's place."""

    sheet: object
    header_row: int
    first_data_row: int
    places: dict[str, int]  # 0-based, by key
    problems: list[Problem]

    def label(self, key: str) -> str:
        header = next(c.header_zh for c in columns() if c.key == key)
        return f"{get_column_letter(self.places[key] + 1)} {header}" if key in self.places else ""


def _layout(sheet) -> _Layout | None:
    """How ``sheet`` holds events, or None if no row among its first ones names them."""
    naming = _header_rows(sheet)
    if not naming:
        return None
    header_row, first_data_row = naming[0][0], naming[-1][0] + 1
    places, problems = _columns_placed(
        _named_together([named for _number, named in naming]), sheet.title, header_row
    )
    return _Layout(sheet, header_row, first_data_row, places, problems)


def _header_rows(sheet) -> list[tuple[int, dict]]:
    """The first run of rows among the sheet's first ones that name the events' columns:
    each row's number, and the columns it names."""
    naming = []
    for number, cells in enumerate(sheet_rows(sheet, max_row=HEADER_SEARCH_ROWS), start=1):
        named = _columns_named(cells)
        if _names_events(named):
            naming.append((number, named))
        elif naming:
            break  # the header rows are over
    return naming


def _named_together(naming: list[dict]) -> dict[str, dict[bool, set[int]]]:
    """The columns the header rows name between them, as ``_columns_named`` gives them."""
    found: dict[str, dict[bool, set[int]]] = {}
    for named in naming:
        for key, places in named.items():
            for by_key, indexes in places.items():
                found.setdefault(key, {}).setdefault(by_key, set()).update(indexes)
    return found


def _columns_placed(
    found: dict[str, dict[bool, set[int]]], sheet: str, header_row: int
) -> tuple[dict[str, int], list[Problem]]:
    """Where each column of the template is (0-based, by key), and a problem for each one
    that is missing or there twice."""
    places, problems = {}, []
    for column in columns():
        by = found.get(column.key, {})
        indexes = by.get(True) or by.get(False) or set()
        if len(indexes) > 1:
            problems.append(
                Problem(
                    sheet,
                    header_row,
                    "",
                    column.header_zh,
                    _("The column “%(column)s” is there twice; keep one.")
                    % {"column": column.header_zh},
                )
            )
        elif indexes:
            places[column.key] = indexes.pop()
        elif not column.may_be_absent:
            problems.append(
                Problem(
                    sheet,
                    header_row,
                    "",
                    column.header_zh,
                    _("The column “%(column)s” is missing; download the template again.")
                    % {"column": column.header_zh},
                )
            )
    return places, problems


def _events_layout(book) -> _Layout:
    """The one sheet of ``book`` that holds events, found by its header row; a workbook
    with none, or with several, is refused as a whole."""
    layouts = []
    for sheet in book.worksheets:
        layout = _layout(sheet)
        if layout is not None:
            layouts.append(layout)
    if not layouts:
        raise SheetRefused(
            _(
                "No sheet of this workbook has the header row of the events template "
                "(外部编号, 活动名称, …); download the template again."
            )
        )
    if len(layouts) > 1:
        raise SheetRefused(
            _("Several sheets hold events (%(sheets)s): keep one, or import them one by one.")
            % {"sheets": "、".join(layout.sheet.title for layout in layouts)}
        )
    return layouts[0]


# ---- reading the rows ---------------------------------------------------------------------


def sheet_read(data: bytes, *, counties: CountyLookup) -> SheetReading:
    """Every row of an uploaded events sheet, as clean values, and every problem in it."""
    archive = workbook_checked(data)
    book = workbook_open(data)
    try:
        return _rows_read(archive, _events_layout(book), counties)
    finally:
        book.close()


def _rows_read(archive: zipfile.ZipFile, layout: _Layout, counties: CountyLookup) -> SheetReading:
    labels = {key: layout.label(key) for key in layout.places}
    reading = SheetReading(
        rows=[], problems=list(layout.problems), sheet=layout.sheet.title, labels=labels
    )
    if reading.problems:
        return reading  # without all its columns no row can be read right
    reading.problems.extend(_merged_cells(archive, layout))
    reader = _RowReader(
        reading=reading,
        counties=counties,
        present=[column for column in columns() if column.key in layout.places],
    )
    for number, cells in _rows_filled(layout, reader.present):
        if len(reading.rows) >= MAX_ROWS:
            reading.problem(
                number, None, "", _("More than %(max)s rows; split the sheet.") % {"max": MAX_ROWS}
            )
            break
        reading.rows.append(reader.row_read(number, cells))
    return reading


def _merged_cells(archive: zipfile.ZipFile, layout: _Layout) -> list[Problem]:
    """A problem for each range of merged cells below the header rows."""
    problems = []
    for ref in merged_ranges(archive, layout.sheet._worksheet_path):
        first_column, first_row, _last_column, last_row = range_boundaries(ref)
        if last_row < layout.first_data_row:
            continue  # merged headers: looks, not data
        key = next((k for k, at in layout.places.items() if at == first_column - 1), None)
        problems.append(
            Problem(
                layout.sheet.title,
                max(first_row, layout.first_data_row),
                layout.label(key) if key else get_column_letter(first_column),
                ref,
                _("Merged cells: unmerge them and fill in every row."),
            )
        )
    return problems


def _rows_filled(layout: _Layout, present: list[Column]) -> Iterator[tuple[int, list]]:
    """Each row below the header rows with something in the template's columns: its number,
    and its cells of the ``present`` columns, in their order."""
    places = [layout.places[column.key] for column in present]
    rows = sheet_rows(
        layout.sheet, min_row=layout.first_data_row, max_col=max(places) + 1, values_only=False
    )
    for number, cells in enumerate(rows, start=layout.first_data_row):
        picked = [cells[at] for at in places] if cells else ()
        if all(cell_blank(cell.value) for cell in picked):
            continue  # an empty row between events is no event
        yield number, picked


@dataclass
class _RowReader:
    """Reads the events sheet's rows one by one, listing their problems on ``reading``."""

    reading: SheetReading
    counties: CountyLookup
    present: list[Column]  # the template's columns that the sheet has, in its order
    keys: list[str] = field(default_factory=lambda: [column.key for column in columns()])
    # The row each reference and each event number is on first.
    seen_refs: dict[str, int] = field(default_factory=dict)
    seen_ids: dict[int, int] = field(default_factory=dict)

    def row_read(self, number: int, cells: list) -> SheetRow:
        values = dict.fromkeys(self.keys)
        refused = set()
        for column, cell in zip(self.present, cells, strict=True):
            if cell.value is None and not column.required:
                continue  # most cells of a row: nothing typed there
            try:
                values[column.key] = _cell_read(column, cell, self.counties)
            except _CellRefused as refusal:
                self.reading.problem(number, column.key, refusal.shown, refusal.reason)
                refused.add(column.key)
        if not refused & {"external_ref", "event_id"}:
            self._identity_check(number, values)
        return SheetRow(row=number, values=values)

    def _identity_check(self, number: int, values: dict) -> None:
        """A row names its event by the reference or the number, once in the sheet."""
        ref, event_id = values["external_ref"], values["event_id"]
        if ref is None and event_id is None:
            self.reading.problem(number, "external_ref", None, _("This column must be filled in."))
        for key, seen, mark in (
            ("external_ref", self.seen_refs, ref),
            ("event_id", self.seen_ids, event_id),
        ):
            if mark is None:
                continue
            if mark in seen:
                self.reading.problem(
                    number,
                    key,
                    mark,
                    _("Row %(row)s has this reference already.") % {"row": seen[mark]},
                )
            seen.setdefault(mark, number)


class _CellRefused(Exception):
    """A cell whose value cannot be taken: what the listing shows of it, and why."""

    def __init__(self, shown, reason):
        super().__init__(reason)
        self.shown = shown
        self.reason = reason


def _cell_read(column: Column, cell, counties: CountyLookup):
    """The cell's clean value, None if it is empty; ``_CellRefused`` if it cannot be taken."""
    value = cell.value
    refusal = cell_refusal(cell)
    if refusal:
        # An array formula is an object; the listing shows its text.
        raise _CellRefused(getattr(value, "text", value), refusal)
    if cell_blank(value):
        if column.required:
            raise _CellRefused(value, _("This column must be filled in."))
        return None
    try:
        return _clean(column.key, value, counties)
    except ValueError as error:
        raise _CellRefused(value, error.args[0]) from None


# ---- the sheet with its problems marked ------------------------------------------------

PROBLEM_FILL = PatternFill("solid", fgColor="FFC7CE")
PROBLEM_COLUMN_WIDTHS = (12, 8, 24, 30, 70)
LISTING_NAME = "问题清单"
LISTING_HEADERS = ["工作表", "行", "列", "填写的值", "原因"]
MARKER = "outreach portal"


def problems_workbook(data: bytes, problems: list[Problem]) -> bytes:
    """The uploaded sheet again, each bad cell filled red with its reason as a comment,
    and a sheet listing every problem, first. Uploaded back once fixed, it is read as it is:
    the marks and the listing of an earlier check are replaced by this one's."""
    # A file refused as a whole is not opened again (least of all without read-only's
    # restraint): the listing alone says why.
    if all(item.sheet for item in problems):
        try:
            return _marked(load_workbook(io.BytesIO(data)), problems)
        except Exception:  # a workbook openpyxl reads but cannot write again, or none
            logger.warning("the marked workbook was not made; only its listing", exc_info=True)
    book = Workbook()
    book.remove(book.active)
    return _listed(book, problems)


def _marked(book: Workbook, problems: list[Problem]) -> bytes:
    for earlier in [s for s in book.worksheets if _is_listing(s)]:
        book.remove(earlier)
    sheets = {item.sheet for item in problems if item.sheet in book.sheetnames}
    for name in sheets:
        _marks_cleared(book[name])
    reasons: dict[tuple[str, str], list[str]] = {}
    for item in problems:
        if item.cell and item.sheet in sheets:
            reasons.setdefault((item.sheet, item.cell), []).append(item.reason)
    for (name, address), texts in reasons.items():
        cell = _writable(book[name], address)
        cell.fill = PROBLEM_FILL
        cell.comment = Comment("\n".join(texts), MARKER)
    return _listed(book, problems)


def _is_listing(sheet) -> bool:
    return (
        sheet.title.startswith(LISTING_NAME)
        and [cell.value for cell in sheet[1][: len(LISTING_HEADERS)]] == LISTING_HEADERS
    )


def _marks_cleared(sheet) -> None:
    """Take off the marks an earlier check left (the cells may be fixed now)."""
    # The cells the sheet holds, not its whole rectangle (which may reach column XFD).
    for cell in list(sheet._cells.values()):
        if cell.comment is not None and cell.comment.author == MARKER:
            cell.comment = None
            if cell.fill == PROBLEM_FILL:
                cell.fill = PatternFill()


def _writable(sheet, address: str):
    """The cell at ``address``, or, inside merged cells, the top-left one that shows."""
    for merged in sheet.merged_cells.ranges:
        if address in merged:
            return sheet.cell(row=merged.min_row, column=merged.min_col)
    return sheet[address]


def _listed(book: Workbook, problems: list[Problem]) -> bytes:
    listing = book.create_sheet(LISTING_NAME, 0)
    book.active = 0
    for sheet in book.worksheets:
        # One sheet selected: Excel groups the selected sheets, and a fix typed into one
        # of a group is typed into all of them.
        sheet.sheet_view.tabSelected = sheet is listing
    write_row(listing, 1, LISTING_HEADERS)
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
    sheet_ready_to_print(listing)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = [
    "EVENT_ID",
    "MAX_ROWS",
    "CountyLookup",
    "SheetReading",
    "SheetRow",
    "column_labels",
    "columns",
    "county_choice",
    "problems_workbook",
    "sheet_read",
    "template_workbook",
]
