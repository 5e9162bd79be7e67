"""Writing cells to Excel/WPS sheets safely."""

from openpyxl.cell.cell import Cell

# A cell whose text starts with one of these is read as a formula by Excel, WPS and
# LibreOffice (and openpyxl writes it as one): such text is stored as plain text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def write_cell(cell: Cell, value) -> None:
    """Put ``value`` in ``cell``; text is always text, never a formula."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
