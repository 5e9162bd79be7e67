"""What every uploaded sheet goes through, whichever import reads it (the events sheet, the
sign-in sheet): the checks of the file, the reading of its cells, and how a problem is said.

Nothing here writes to the database. A file is refused as a whole (``SheetRefused``) when it
is too large, unpacks to far more than a sheet could hold, does not open as a workbook, or
turns out unreadable while its rows are read. Each sheet is read in full, whatever size it
claims (some programs write "A1" whatever the sheet holds).

Cells are read the same way by every import:
- a formula is refused: only Excel or WPS know its value, and a sheet saved by another
  program may hold none; the reason asks for the value itself. Text that merely starts
  with "=" (a title the export wrote as text) is text. An error value (#REF!, #N/A) is
  refused the same way;
- full-width digits and letters (１２３) are read as ordinary ones, spaces trimmed;
- a choice is given by its Chinese label, as the template's lists offer it, or its value.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from campaigns import bounds

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# What the workbook's parts may unpack to: far above any real sheet an import takes, far
# below what a zip bomb would make the server write.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


class SheetRefused(Exception):
    """The file cannot be read as a sheet at all (not a workbook, too big, a zip bomb)."""


NOT_A_WORKBOOK = gettext_lazy("This is not an Excel workbook (.xlsx).")


def _too_large() -> str:
    return _("The file is larger than %(mb)s MB; split the sheet.") % {
        "mb": MAX_UPLOAD_BYTES // (1024 * 1024)
    }


def upload_checked(upload) -> None:
    """Refuse an uploaded file, before it is kept or read, that is too large or no workbook
    (judged by content: an .xlsx workbook is a zip archive, whatever its name says)."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_too_large(), code="too_large")
    if upload.read(4) != b"PK\x03\x04":
        raise ValidationError(NOT_A_WORKBOOK, code="not_a_workbook")
    upload.seek(0)


def workbook_checked(data: bytes) -> zipfile.ZipFile:
    """The uploaded file as the zip archive a workbook is, once its size and what it claims
    to unpack to are within bounds."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise SheetRefused(_too_large())
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
    """An uploaded workbook opened read-only, once its archive passed ``workbook_checked``;
    each of its sheets read in full, whatever size it claims."""
    workbook_checked(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl fails in as many ways as a file can be no workbook
        raise SheetRefused(NOT_A_WORKBOOK) from None
    if not book.worksheets:
        raise SheetRefused(NOT_A_WORKBOOK)
    for sheet in book.worksheets:
        # A sheet's own claim of its size may be wrong: read all that it holds instead of
        # losing rows or columns past the claim.
        sheet.reset_dimensions()
    return book


def sheet_rows(sheet, **options):
    """The rows of a read-only sheet (as values, or cells with ``values_only=False``). Its
    XML is read only now, row by row: a part that turns out unreadable (an entity bomb, a
    size the archive lied about, a number that is none) refuses the whole file like one
    that does not open."""
    options.setdefault("values_only", True)
    rows = sheet.iter_rows(**options)
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception:
            raise SheetRefused(NOT_A_WORKBOOK) from None
        yield cells


MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell ref="([A-Z]{1,3}\d+:[A-Z]{1,3}\d+)"')


def merged_ranges(archive: zipfile.ZipFile, part_name: str) -> list[str]:
    """The merged ranges of one sheet (read-only openpyxl does not report them).

    Found by pattern in the sheet's XML rather than by parsing it a second time: the
    mergeCell elements are flat, and a pattern reads no entities or anything else.
    """
    try:
        with archive.open(part_name) as part:
            return [ref.decode() for ref in MERGE_CELL.findall(part.read())]
    except KeyError:
        return []
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        # Unpacked only as far as the archive claims, so a false size shows here.
        raise SheetRefused(NOT_A_WORKBOOK) from None


def cell_blank(value) -> bool:
    """Whether a cell holds nothing (spaces, full-width ones too, count as nothing)."""
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str:
    """A cell as text, full-width forms folded (１２３ → 123), spaces trimmed."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def cell_refusal(cell) -> str | None:
    """Why a read-only cell (read with ``values_only=False``) holds no value to import: a
    formula or an error value; None for a cell that holds one."""
    if cell.data_type == "f":
        return _("A formula: type the value itself.")
    if cell.data_type == "e":
        return _("An error value (%(value)s): type the value itself.") % {"value": cell.value}
    return None


@cache
def chinese_labels(choices) -> dict[str, str]:
    """A choice set's Chinese labels, by value: the words the sheets' lists use."""
    with override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


@cache
def _by_label(choices) -> dict[str, str]:
    return {label: value for value, label in chinese_labels(choices).items()}


def choice_read(choices, value) -> str:
    """The value of the choice a cell names by its Chinese label or by the value itself;
    ValueError naming the labels for anything else."""
    text = cell_text(value)
    if text in chinese_labels(choices):  # the value itself, e.g. "village"
        return text
    if text in _by_label(choices):
        return _by_label(choices)[text]
    raise ValueError(
        _("Not one of: %(options)s.") % {"options": "、".join(chinese_labels(choices).values())}
    )


def column_label(index: int, header: str) -> str:
    """How a problem names the column at ``index`` (1 for A): its letter and its header,
    e.g. "H 开始时间"."""
    return f"{get_column_letter(index)} {header}"


@dataclass
class Problem:
    """One thing wrong in the sheet, said where a person finds it."""

    sheet: str
    row: int
    column: str  # the letter and the header, e.g. "H 开始时间"
    value: str
    reason: str

    def __post_init__(self):
        # Both are written to the marked workbook and to the job's row: neither takes
        # every character a cell can hold.
        self.value = bounds.UNSTORABLE.sub("\ufffd", str(self.value))
        self.reason = bounds.UNSTORABLE.sub("\ufffd", str(self.reason))

    @property
    def cell(self) -> str:
        """The cell's address, e.g. "H5", or "" for a problem of the whole sheet or row."""
        letter = self.column.split(" ", 1)[0]
        if not self.row or not re.fullmatch(r"[A-Z]{1,3}", letter):
            return ""
        return f"{letter}{self.row}"
