"""Writing cells to Excel/WPS sheets safely: every sheet the portal makes writes through here."""

import math
import unicodedata
from copy import copy

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

# The portal's sheets' headers: bold on a light fill, centred and wrapped.
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF4")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_cell(cell: Cell, value) -> None:
    """Put ``value`` in ``cell``; text is always text, never a formula nor an error value."""
    if isinstance(value, str):
        # Control characters (a \x01 typed into a title) are valid text in the database but
        # not in a worksheet's XML: one of them would fail the whole export.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str):
        # Text starting with = + - @, a tab or a carriage return may be taken for a formula
        # (openpyxl writes "=…" as one, and "#N/A" as an error value); a string cell is only
        # ever shown, whatever it starts with. Numbers and dates keep their own types.
        cell.data_type = "s"


def write_row(sheet: Worksheet, row: int, values) -> list[Cell]:
    """Put ``values`` in ``row`` of ``sheet`` from column A on, each through ``write_cell``."""
    cells = []
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        write_cell(cell, value)
        cells.append(cell)
    return cells


# Excel's width of a column nobody sized, in widths of the digit 0.
DEFAULT_COLUMN_WIDTH = 8.43
# What an A4 page holds across, in the same units, upright; a wider sheet is printed lying
# down (and scaled to the page's width either way).
PORTRAIT_WIDTH = 95
# A line of text is about this many times its font size high, in points.
LINE_HEIGHT = 1.35
DEFAULT_FONT_SIZE = 11


def column_width(sheet: Worksheet, column: int) -> float:
    """The width of ``column`` (1 for A), as Excel shows it."""
    dimension = sheet.column_dimensions.get(get_column_letter(column))
    return dimension.width if dimension is not None and dimension.width else DEFAULT_COLUMN_WIDTH


def _text_width(text: str) -> int:
    """Widths of the digit 0 that ``text`` takes: a Chinese or Tibetan character about two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _cell_span(sheet: Worksheet, cell: Cell) -> float:
    """The width ``cell`` shows its text in: its column's, or its merged range's."""
    for merged in sheet.merged_cells.ranges:
        if cell.coordinate in merged:
            columns = range(merged.min_col, merged.max_col + 1)
            return sum(column_width(sheet, column) for column in columns)
    return column_width(sheet, cell.column)


def _row_fitted(sheet: Worksheet, row: int) -> None:
    """Wrap the text of ``row`` and make the row high enough for all of it: a row height
    is not worked out by Excel for wrapped or merged cells, so a long title would be cut."""
    height = sheet.row_dimensions[row].height or 0
    for cell in sheet[row]:
        if not isinstance(cell.value, str) or not cell.value:
            continue
        alignment = copy(cell.alignment)
        alignment.wrap_text, alignment.vertical = True, "center"
        cell.alignment = alignment
        size = cell.font.sz or DEFAULT_FONT_SIZE
        # The width counts in characters of the sheet's 11-point font; a larger font's
        # characters are wider in proportion. One character's width is kept for padding.
        room = max(1.0, _cell_span(sheet, cell) - 1)
        lines = sum(
            max(1, math.ceil(_text_width(line) * size / DEFAULT_FONT_SIZE / room))
            for line in cell.value.splitlines() or [""]
        )
        height = max(height, round(lines * size * LINE_HEIGHT + 4))
    if height:
        sheet.row_dimensions[row].height = height


def sheet_ready_to_print(sheet: Worksheet, *, title_rows: int = 1) -> None:
    """Set ``sheet`` up to print as it is: on A4, as wide as one page (as many pages down
    as it takes), lying down when it is wider than an upright page, its first
    ``title_rows`` rows repeated on every page and high enough to show all their text.
    Every sheet the portal makes goes through here once it is filled."""
    width = sum(column_width(sheet, column) for column in range(1, sheet.max_column + 1))
    setup = sheet.page_setup
    setup.paperSize = Worksheet.PAPERSIZE_A4
    setup.orientation = (
        Worksheet.ORIENTATION_LANDSCAPE
        if width > PORTRAIT_WIDTH
        else Worksheet.ORIENTATION_PORTRAIT
    )
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages down as the rows take
    sheet.print_title_rows = f"1:{title_rows}"
    for row in range(1, title_rows + 1):
        _row_fitted(sheet, row)
