"""Writing cells to Excel/WPS sheets safely: every sheet the portal makes writes through here."""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet


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
