"""Workbooks as people hand them back: the events sheet is found by what it holds, whatever
else the workbook holds, and every odd cell ends as a problem at its row and column."""

import io
import re
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from campaigns.imports.events_sheet import column_labels, problems_workbook
from campaigns.models import Event
from tests.imports.test_events_import import GOOD, KEYS, run, sheet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _changed(data: bytes, change) -> bytes:
    book = load_workbook(io.BytesIO(data))
    change(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _second(row: dict) -> dict:
    return row | {"external_ref": "HY-2024-002"}


def test_the_returned_problems_workbook_fixed_is_accepted_as_it_is(world):
    data = sheet(GOOD, _second(GOOD) | {"audience_women": "很多"})
    returned = problems_workbook(data, run(world, data).problems)
    opened = load_workbook(io.BytesIO(returned))
    assert opened.sheetnames[0] == "问题清单"
    # Only the listing selected: Excel would group selected sheets and type a fix into both.
    assert [s.title for s in opened.worksheets if s.sheet_view.tabSelected] == ["问题清单"]

    def fix(book):
        book["活动"].cell(row=4, column=KEYS.index("audience_women") + 1).value = 30

    result = run(world, _changed(returned, fix))

    assert result.saved, result.problems
    assert Event.objects.filter(external_ref__startswith="HY-2024-").count() == 2


def test_the_problems_workbook_returned_twice_has_one_listing_and_fresh_marks(world):
    data = sheet(GOOD | {"audience_women": "很多"}, _second(GOOD))
    returned = problems_workbook(data, run(world, data).problems)

    def swap(book):  # the first row fixed, the second broken
        women = KEYS.index("audience_women") + 1
        book["活动"].cell(row=3, column=women).value = 35
        book["活动"].cell(row=4, column=women).value = "许多"

    again = _changed(returned, swap)
    book = load_workbook(io.BytesIO(problems_workbook(again, run(world, again).problems)))

    assert [name for name in book.sheetnames if name.startswith("问题清单")] == ["问题清单"]
    women = column_labels()["audience_women"].split()[0]
    assert book["活动"][f"{women}3"].comment is None
    assert book["活动"][f"{women}4"].comment.text.startswith("A whole number")


def test_merged_cells_over_a_bad_cell_are_refused_and_marked(world):
    women = column_labels()["audience_women"].split()[0]
    data = sheet(
        GOOD | {"audience_women": "很多"},
        _second(GOOD) | {"audience_women": "许多"},
        merge=f"{women}3:{women}4",
    )

    result = run(world, data)
    book = load_workbook(io.BytesIO(problems_workbook(data, result.problems)))

    assert not result.saved
    assert any(p.value == f"{women}3:{women}4" for p in result.problems)
    assert book["活动"][f"{women}3"].comment is not None  # where the merged cells show


def test_a_sheet_without_its_key_row_is_read_by_its_headers(world):
    data = _changed(sheet(GOOD), lambda book: book["活动"].delete_rows(2))

    result = run(world, data)

    assert result.saved, result.problems
    assert Event.objects.get(external_ref=GOOD["external_ref"]).head_count == 70


def test_a_sheet_without_its_header_row_is_read_by_its_keys(world):
    data = _changed(sheet(GOOD), lambda book: book["活动"].delete_rows(1))

    assert run(world, data).saved


def test_columns_are_found_by_their_headers_in_any_order(world):
    def shuffle(book):
        events = book["活动"]
        events.move_range("A1:A3", cols=40)  # the reference, far to the right
        events.insert_cols(1)  # and a column of notes in front
        events["A1"], events["A3"] = "备注", "第一场"

    data = _changed(sheet(GOOD), shuffle)

    assert run(world, data).saved


def test_a_missing_column_is_named(world):
    data = _changed(
        sheet(GOOD), lambda book: book["活动"].delete_cols(KEYS.index("head_count") + 1)
    )

    result = run(world, data)

    assert [(p.row, p.value) for p in result.problems] == [(1, "到场人数")]
    assert "is missing" in result.problems[0].reason


def test_the_events_sheet_is_found_among_other_and_hidden_sheets(world):
    def around(book):
        notes = book.create_sheet("说明", 0)
        notes["A1"] = "请勿修改第二行"
        book.create_sheet("草稿").sheet_state = "hidden"
        book["活动"].row_dimensions[3].hidden = True  # a hidden row is read like any other

    result = run(world, _changed(sheet(GOOD), around))

    assert result.saved, result.problems
    assert result.created == 1


def test_two_sheets_holding_events_are_refused(world):
    def copy(book):
        book.copy_worksheet(book["活动"]).sheet_state = "hidden"

    result = run(world, _changed(sheet(GOOD), copy))

    assert [(p.row, p.column) for p in result.problems] == [(0, "")]
    assert "Several sheets hold events" in result.problems[0].reason


def test_a_blank_workbook_is_refused_with_a_message(world):
    buffer = io.BytesIO()
    Workbook().save(buffer)

    result = run(world, buffer.getvalue())

    assert "header row of the events template" in result.problems[0].reason
    problems_workbook(buffer.getvalue(), result.problems)  # and the listing is made


def test_error_cells_and_booleans_are_problems_of_their_cells(world):
    def errors(book):
        events = book["活动"]
        events.cell(row=3, column=KEYS.index("title") + 1).value = "#REF!"  # an error value
        events.cell(row=3, column=KEYS.index("staff_count") + 1).value = True

    result = run(world, _changed(sheet(GOOD), errors))

    assert sorted((p.column, p.reason) for p in result.problems) == [
        (column_labels()["title"], "An error value (#REF!): type the value itself."),
        (column_labels()["staff_count"], "A whole number of 0 or more, or empty if not counted."),
    ]


def test_text_that_looks_like_a_formula_is_text_and_a_formula_is_refused(world):
    def cells(book):
        events = book["活动"]
        title = events.cell(row=3, column=KEYS.index("title") + 1)
        title.value, title.data_type = "=1+1 宣讲", "s"  # as the export writes such a title
        events.cell(row=3, column=KEYS.index("staff_count") + 1).value = "=2*2"

    result = run(world, _changed(sheet(GOOD), cells))

    assert [(p.column, p.reason) for p in result.problems] == [
        (column_labels()["staff_count"], "A formula: type the value itself.")
    ]


def test_too_long_a_title_is_refused_with_the_columns_own_limit(world):
    result = run(world, sheet(GOOD | {"title": "宣" * 201}))

    assert [p.column for p in result.problems] == [column_labels()["title"]]
    assert "at most 200 characters" in result.problems[0].reason


def test_a_sheet_claiming_a_smaller_size_is_read_in_full(world):
    """Some programs write a dimension of "A1" whatever the sheet holds."""
    source = zipfile.ZipFile(io.BytesIO(sheet(GOOD, _second(GOOD))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', body)
            archive.writestr(info.filename, body)

    result = run(world, buffer.getvalue())

    assert (result.saved, result.created) == (True, 2)
