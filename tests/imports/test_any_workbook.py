"""No workbook makes an import job fail (issue 15 §3), by property.

Hypothesis takes the template and good filled sheets and mutates them the ways workbooks
come back from people and programs: merged cells over a cell that has a problem, a deleted
key or header row, a blank workbook, extra and hidden sheets, hidden rows, error cells
(#REF!, #N/A), booleans, dates typed as numbers (Excel serials), rich text, very long texts
and odd values anywhere in the rows. Each mutated workbook goes through the import job as
the import page starts it. Whatever it holds, the job ends "saved" with every row, or
"refused" with its problems listed by row, column and reason and nothing saved.

A second property hands the marked workbook the import gives back (its problems sheet
first) back to the import as it is, once the bad cells are fixed: it is saved in full.
"""

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from campaigns.imports.events_sheet import problems_workbook
from campaigns.imports.jobs import events_import_run
from campaigns.models import AudienceCount, AuditEntry, Event, EventTopic, Job
from campaigns.services.imports import events_import
from campaigns.services.jobs import job_execute
from tests import factories as f
from tests.imports.test_events_import import KEYS, PLANNED, filled, sheet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


FIRST_DATA_ROW = 3
GROUPS = [key for key in KEYS if key.startswith("audience_")]
COUNTS = ["staff_count", "outlets_count", "head_count", "online_reach", *GROUPS]
ERRORS = ["#REF!", "#N/A", "#DIV/0!", "#VALUE!", "#NAME?", "#NULL!", "#NUM!"]


def _settings(examples: int):
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        # Each example runs in a savepoint rolled back at its end (see _isolated); the media
        # folder is the test's, and each example removes what it put there.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# ---- good sheets ------------------------------------------------------------------------


@st.composite
def good_row(draw, number: int) -> dict:
    """A row the import saves: planned, reported in person (groups within the head count),
    or reported online."""
    row = PLANNED | {"external_ref": f"P-{number}", "title": f"宣讲第{number}场"}
    if draw(st.booleans()):
        row["starts_at"] = "2025-03-12 10:00"  # typed as text
    kind = draw(st.sampled_from(["planned", "in_person", "online"]))
    if kind == "in_person":
        head = draw(st.integers(0, 500))
        row["head_count"] = head
        for group in draw(st.sets(st.sampled_from(GROUPS), max_size=4)):
            row[group] = draw(st.integers(0, head))
        row["staff_count"] = draw(st.none() | st.integers(0, 30))
    elif kind == "online":
        row |= {"channel": "livestream", "venue_name": None, "format": "直播"}
        row["online_reach"] = draw(st.integers(0, 1_000_000))
    return row


good_rows = st.integers(0, 3).flatmap(
    lambda n: st.tuples(*(good_row(number) for number in range(1, n + 1)))
)

# ---- mutations ----------------------------------------------------------------------------

plain_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda text: text.strip())
odd_value = st.one_of(
    plain_text,
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(0, 80_000),  # an Excel serial: a date typed as a number
    # Excel cells hold no time zone.
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(9999, 12, 31)),  # noqa: DTZ001
    st.times(),
    st.sampled_from(ERRORS),
    st.sampled_from(["很多", "60人", "=1+1", "=A1*2", " ", "TRUE", "１２３", "2025年2月30日"]),
    st.integers(201, 40_000).map(lambda length: "宣" * length),  # very long text
    st.just("rich text"),
)


@st.composite
def cell_change(draw, rows: int):
    """One cell of the sheet's rows (or its header rows) set to an odd value."""
    row = draw(st.integers(1, FIRST_DATA_ROW - 1 + rows) if rows else st.integers(1, 2))
    return ("cell", row, draw(st.integers(1, len(KEYS))), draw(odd_value))


@st.composite
def merge(draw, rows: int):
    """Merged cells over a cell that holds a problem."""
    if not rows:
        return ("none",)
    row = draw(st.integers(FIRST_DATA_ROW, FIRST_DATA_ROW - 1 + rows))
    column = draw(st.integers(1, len(KEYS)))
    down = draw(st.integers(0, 1)) if row < FIRST_DATA_ROW - 1 + rows else 0
    return ("merge", row, column, row + down, column + draw(st.integers(0, 1)), draw(odd_value))


def mutation(rows: int):
    """One way a workbook comes back, each way as likely as the others."""
    ways = {
        "cell": cell_change(rows),
        "merge": merge(rows),
        # The marked workbook an import of it gives back, uploaded as it is.
        "returned": st.just(("returned",)),
        "extra_sheet": st.tuples(
            st.just("extra_sheet"),
            st.integers(0, 2),
            st.sampled_from(["visible", "hidden", "veryHidden"]),
            st.lists(odd_value, max_size=5),
        ),
        "hidden_copy": st.just(("hidden_copy",)),
        "hide_rows": st.tuples(st.just("hide_rows"), st.lists(st.integers(1, rows + 3))),
        "delete_rows": st.tuples(st.just("delete_rows"), st.sampled_from([(1, 1), (2, 1), (1, 2)])),
        "blank_workbook": st.tuples(st.just("blank_workbook"), st.booleans()),
    }
    return st.sampled_from(sorted(ways)).flatmap(ways.get)


# A few good rows, and up to three ways they come back.
cases = good_rows.flatmap(
    lambda rows: st.tuples(st.just(rows), st.lists(mutation(len(rows)), min_size=1, max_size=3))
)
TWO_ROWS = (PLANNED | {"external_ref": "A"}, PLANNED | {"external_ref": "B", "head_count": 9})


def _rich(text: str) -> CellRichText:
    return CellRichText([TextBlock(InlineFont(b=True), text[:2] or "宣"), text[2:] or "讲"])


def _put(cell, value) -> None:
    if isinstance(cell, MergedCell):
        return  # covered by merged cells made before: nothing can be typed there
    cell.value = _rich("红原宣讲") if value == "rich text" else value


def mutated(book: Workbook, changes) -> bytes:  # noqa: C901 — a branch per change, as a table
    """``book`` with ``changes`` applied: cells and merges first, then sheets, then rows
    deleted (which move the others)."""
    order = {"cell": 0, "merge": 0, "extra_sheet": 1, "hidden_copy": 1, "hide_rows": 1}
    events = book["活动"]
    deleted = False
    for change in sorted(changes, key=lambda change: order.get(change[0], 2)):
        kind = change[0]
        if kind == "delete_rows" and deleted:
            continue
        if kind == "cell":
            _put(events.cell(row=change[1], column=change[2]), change[3])
        elif kind == "merge":
            _kind, row, column, last_row, last_column, value = change
            _put(events.cell(row=row, column=column), value)
            events.merge_cells(
                start_row=row, start_column=column, end_row=last_row, end_column=last_column
            )
        elif kind == "extra_sheet":
            extra = book.create_sheet(f"其他{len(book.sheetnames)}", change[1])
            extra.sheet_state = change[2]
            for number, value in enumerate(change[3], start=1):
                _put(extra.cell(row=number, column=number), value)
        elif kind == "hidden_copy":
            book.copy_worksheet(events).sheet_state = "hidden"
        elif kind == "hide_rows":
            for row in change[1]:
                events.row_dimensions[row].hidden = True
        elif kind == "delete_rows":
            # Header rows only: the first deletion moves the rows under it up.
            events.delete_rows(*change[1])
            deleted = True
        elif kind == "blank_workbook":
            book = Workbook()
            if change[1]:
                book.active.title = "活动"
            break
    # A sheet always has a visible sheet selected, or Excel will not open it.
    book.active = next(i for i, s in enumerate(book.worksheets) if s.sheet_state == "visible")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- running and judging ----------------------------------------------------------------


def _state() -> tuple:
    """What an import may change: every event's version, their counts and topics, history."""
    return (
        sorted(Event.objects.values_list("pk", "version", "updated_at")),
        AudienceCount.objects.count(),
        EventTopic.objects.count(),
        AuditEntry.objects.count(),
    )


def _job_run(world, data: bytes) -> Job:
    upload = default_storage.save("imports/any.xlsx", ContentFile(data))
    job = f.JobFactory(
        kind=Job.Kind.EVENTS_IMPORT,
        owner=world.organizer,
        org_unit=world.units["central_a"],
        language="zh-hans",
        params={"upload": upload, "campaign_id": world.campaign.pk},
    )
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    if job.status == Job.Status.FAILED:
        events_import_run(job, lambda percent, message: None)  # to show what escaped
    default_storage.delete(upload)
    return job


def _outcome_judged(world, data: bytes, rows: int) -> Job:
    before = _state()
    events = Event.objects.count()
    job = _job_run(world, data)
    assert (job.status, job.error_code) in {
        (Job.Status.SUCCEEDED, ""),
        (Job.Status.REFUSED, ""),
    }, job.error_code
    with job.result.open("rb") as result:
        handed_back = load_workbook(io.BytesIO(result.read()))
    job.result.delete(save=False)
    if job.status == Job.Status.SUCCEEDED:
        imported = AuditEntry.objects.filter(action="campaigns.event.imported").latest("pk")
        counts = imported.data
        assert counts["created"] + counts["updated"] + counts["unchanged"] == rows
        assert Event.objects.count() == events + counts["created"]
        return job
    # Refused: nothing saved, and every problem says where and why.
    assert _state() == before
    assert job.problem_count == len(list(handed_back["问题清单"].iter_rows(min_row=2)))
    assert handed_back.sheetnames[0] == "问题清单"
    if any(problem["column"] for problem in job.problems):  # cells to mark: the sheet is back
        assert len(handed_back.sheetnames) > 1, handed_back.sheetnames
    for problem in job.problems:
        assert problem["reason"]
        assert problem["row"] or not problem["column"]  # a column is named with its row
    return job


def _returned(world, data: bytes) -> bytes:
    """The marked workbook the import gives back for ``data``, or ``data`` if it is clean."""
    problems = []

    def check():
        problems.extend(
            events_import(
                user=world.organizer,
                org_unit_id=world.units["central_a"].pk,
                campaign_id=world.campaign.pk,
                data=data,
            ).problems
        )

    _isolated(check)
    return problems_workbook(data, problems) if problems else data


def _isolated(check):
    """Run ``check`` in a savepoint rolled back after it: examples do not see each other."""
    with transaction.atomic():
        check()
        transaction.set_rollback(True)


@_settings(60)
@given(case=cases)
# The cases that crashed the job before: merged cells over a bad cell, in the marked workbook
# uploaded back; a deleted key row; a blank workbook; error cells and Excel serials.
@example(case=(TWO_ROWS, [("merge", 3, 12, 4, 12, "很多"), ("returned",)]))
@example(case=(TWO_ROWS, [("delete_rows", (2, 1)), ("cell", 4, 2, "#REF!"), ("returned",)]))
@example(case=((), [("blank_workbook", False)]))
@example(case=(TWO_ROWS, [("cell", 3, 8, 45728.42), ("cell", 4, 12, "#N/A")]))
def test_no_workbook_makes_the_import_job_fail(world, case):
    rows, changes = case
    upload = mutated(filled(*rows), changes)
    if ("returned",) in changes:
        upload = _returned(world, upload)

    def check():
        job = _outcome_judged(world, upload, len(rows))
        # Shown by --hypothesis-show-statistics: how often each way was tried, and ended.
        for change in changes:
            event(f"mutation: {change[0]}")
        event(f"outcome: {job.status}")

    _isolated(check)


# Cells a row can get wrong, each by a value the import must refuse at that cell.
BAD_CELLS = [
    *(("head_count", value) for value in [*ERRORS, True, "很多", -3, 12.5, "=A1+1", "60人"]),
    *(("audience_women", value) for value in ["#N/A", False, "许多", 7.5, "=C3"]),
    *(("staff_count", value) for value in ["#REF!", "3 人"]),
    *(("starts_at", value) for value in [45728.42, 45728, "2025-02-30", "#REF!", False]),
    *(("county", value) for value in ["芙蓉区", "#N/A", 0, "宣" * 300]),
    *(("title", value) for value in ["宣" * 201, "#REF!", "=B2"]),
]


@_settings(25)
@given(
    rows=good_rows.filter(len),
    place=st.integers(0, 2),
    bad=st.sampled_from(BAD_CELLS),
    merged=st.booleans(),
)
@example(  # merged cells over a head count that holds a problem
    rows=(PLANNED | {"external_ref": "A"}, PLANNED | {"external_ref": "B"}),
    place=0,
    bad=("head_count", "很多"),
    merged=True,
)
def test_the_marked_workbook_fixed_is_saved_as_it_is(world, rows, place, bad, merged):
    row = FIRST_DATA_ROW + place % len(rows)
    column = KEYS.index(bad[0]) + 1
    merged = merged and row < FIRST_DATA_ROW - 1 + len(rows)
    good = sheet(*rows)

    def broken(book):
        events = book["活动"]
        cell = events.cell(row=row, column=column)
        # Typed into a cell of no date format: a number there is no date.
        cell.value, cell.number_format = bad[1], "General"
        if merged:
            events.merge_cells(
                start_row=row, start_column=column, end_row=row + 1, end_column=column
            )

    faulty = _changed(good, broken)

    def check():
        result = events_import(
            user=world.organizer,
            org_unit_id=world.units["central_a"].pk,
            campaign_id=world.campaign.pk,
            data=faulty,
        )
        assert not result.saved
        marked = problems_workbook(faulty, result.problems)
        assert load_workbook(io.BytesIO(marked)).sheetnames[0] == "问题清单"
        fixed = _changed(marked, lambda book: _fixed(book, good, row, column))
        job = _outcome_judged(world, fixed, len(rows))
        assert job.status == Job.Status.SUCCEEDED, job.problems

    _isolated(check)


def _changed(data: bytes, change) -> bytes:
    book = load_workbook(io.BytesIO(data))
    change(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fixed(book, good: bytes, row: int, column: int) -> None:
    """Unmerge and type the good values back, in the events sheet of the marked workbook."""
    events = book["活动"]
    original = load_workbook(io.BytesIO(good))["活动"]
    for merged in list(events.merged_cells.ranges):
        events.unmerge_cells(str(merged))
    for at in (row, row + 1):
        events.cell(row=at, column=column).value = original.cell(row=at, column=column).value
