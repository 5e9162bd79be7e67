"""The sign-in sheet: its template, and a paper sign-in list typed into it, read back.

Nothing here writes to the database. ``sign_in_sheet_read`` turns the workbook's first
sheet (a header row, then one person a row) into the people on it, as clean values, and a
list of every problem found, so that the service (campaigns/services/signins.py) can refuse
the whole list when one cell is wrong. Cells are read as every import reads them
(campaigns/imports/sheets.py); names are kept as typed, as the sign-in form keeps them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook

from campaigns.exporters.xlsx import sheet_ready_to_print, write_row
from campaigns.imports.sheets import (
    Problem,
    cell_blank,
    cell_refusal,
    cell_text,
    choice_read,
    column_label,
    sheet_rows,
    workbook_open,
)
from campaigns.models import AudienceGroup, SignIn
from campaigns.models.signins import phone_cleaned

SHEET_NAME = "签到"
HEADERS = ["姓名", "手机号", "受众类别", "已同意（是/否）"]
NAME, PHONE, GROUP, CONSENT = range(len(HEADERS))
COLUMNS = [column_label(index, header) for index, header in enumerate(HEADERS, start=1)]
MAX_ROWS = 2_000
# What the last column may say for a person who signed the consent text on paper.
AGREED = {"是", "已同意", "同意", "y", "yes", "1", "√", "✓"}


@dataclass(frozen=True)
class SignInRow:
    """One person of the list, as clean values."""

    row: int
    name: str
    phone: str
    audience_group: str


@dataclass
class SignInSheetReading:
    rows: list[SignInRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sheet: str = ""
    # Every well-formed phone on the sheet, by the row it is first on, rows with other
    # problems too: whether one signed in already is the service's to find out.
    phones: dict[str, int] = field(default_factory=dict)

    def problem(self, row: int, column: int, value, reason) -> None:
        # An array formula is an object; the listing shows its text.
        value = getattr(value, "text", value)
        shown = "" if value is None else str(value)[:100]
        self.problems.append(Problem(self.sheet, row, COLUMNS[column], shown, str(reason)))


def sign_in_sheet_template() -> bytes:
    """An empty sign-in sheet: its header row."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    write_row(sheet, 1, HEADERS)
    sheet_ready_to_print(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sign_in_sheet_read(data: bytes) -> SignInSheetReading:
    """Every person on an uploaded sign-in sheet, and every problem in it; ``SheetRefused``
    for a file that is no sheet at all."""
    book = workbook_open(data)
    try:
        return _rows_read(book.worksheets[0])
    finally:
        book.close()


def _rows_read(sheet) -> SignInSheetReading:
    reading = SignInSheetReading(sheet=sheet.title)
    read = 0
    rows = sheet_rows(sheet, min_row=2, max_col=len(HEADERS), values_only=False)
    for number, cells in enumerate(rows, start=2):
        cells = [*cells, *[None] * len(HEADERS)][: len(HEADERS)]
        values = [None if cell is None else cell.value for cell in cells]
        if all(cell_blank(value) for value in values):
            continue  # an empty row between people is nobody
        if read >= MAX_ROWS:
            reading.problem(number, NAME, "", _("More than %(max)s rows.") % {"max": MAX_ROWS})
            break
        read += 1
        refusals = [None if cell is None else cell_refusal(cell) for cell in cells]
        for column, refusal in enumerate(refusals):
            if refusal:
                reading.problem(number, column, values[column], refusal)
        if any(refusals):
            continue
        person = _person(reading, number, values)
        if person is not None:
            reading.rows.append(person)
    return reading


def _person(reading: SignInSheetReading, number: int, values: list) -> SignInRow | None:
    """The person on row ``number``, or None once each of the row's problems is listed."""
    problems_before = len(reading.problems)
    name, phone, group, consent = values
    name = "" if cell_blank(name) else str(name).strip()
    if not name or len(name) > SignIn._meta.get_field("name").max_length:
        reading.problem(number, NAME, values[NAME], _("A name of at most 50 characters."))
    try:
        phone = phone_cleaned(phone)
    except ValidationError as error:
        reading.problem(number, PHONE, phone, error.messages[0])
    else:
        if phone in reading.phones:
            reading.problem(
                number,
                PHONE,
                phone,
                _("Row %(row)s has this phone already.") % {"row": reading.phones[phone]},
            )
        reading.phones.setdefault(phone, number)
    try:
        group = choice_read(AudienceGroup, group)
    except ValueError as error:
        reading.problem(number, GROUP, group, error.args[0])
    if cell_text(consent).lower() not in AGREED:
        reading.problem(
            number, CONSENT, consent, _("Only people who agreed may be on the list (是).")
        )
    if len(reading.problems) > problems_before:
        return None
    return SignInRow(row=number, name=name, phone=phone, audience_group=group)
