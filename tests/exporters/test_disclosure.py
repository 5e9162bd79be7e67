"""Small screening figures in the regulator sheet and the PDF summary: whatever the table,
every hidden figure keeps at least three possible values for a reader of what is printed.

The tables are random; each goes through the real sheet writer and the real PDF template,
the printed figures are read back, and every table consistent with them is counted out.
"""

import io
from html.parser import HTMLParser
from types import SimpleNamespace

from django.template.loader import render_to_string
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from campaigns.exporters.coverage_pdf import coverage_tables
from campaigns.exporters.disclosure import SMALL_COUNT, SMALL_COUNT_LIMIT, SUPPRESSED
from campaigns.exporters.regulator import TOTALS_LABEL, summary_sheet_write
from campaigns.selectors.events import EventFilters
from campaigns.selectors.regulator import RegulatorRow, RegulatorStatistics

SCREENING_HEADERS = ("筛查人数", "转诊人数")
FEWEST_POSSIBLE_VALUES = 3
# A figure printed as SUPPRESSED could, for all the reader knows, be any count from
# SMALL_COUNT_LIMIT up (0 and "<5" would have been printed as such); under a hidden total
# it is unbounded, so counting stops well above any figure drawn here.
UNBOUNDED = 1000


def _statistics(table: list[tuple[int, int]]) -> RegulatorStatistics:
    rows = [
        RegulatorRow(label=f"机构{number}", screened=screened, referred=referred)
        for number, (screened, referred) in enumerate(table)
    ]
    totals = RegulatorRow(
        screened=sum(screened for screened, _ in table),
        referred=sum(referred for _, referred in table),
    )
    return RegulatorStatistics(
        campaign=SimpleNamespace(name="宣传周"),
        unit=SimpleNamespace(name="总公司"),
        filters=EventFilters(),
        include_reported=False,
        rows=rows,
        totals=totals,
        events=None,
    )


def _read(value):
    """A printed cell as the reader takes it: a number, or the mark of a hidden figure."""
    if isinstance(value, int):
        return value
    text = str(value).replace(",", "")
    return int(text) if text.isdigit() else text


def _printed_in_sheet(statistics) -> tuple[list[tuple], tuple]:
    workbook = Workbook()
    summary_sheet_write(workbook.active, statistics)
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = list(load_workbook(buffer)["统计表"].iter_rows(values_only=True))
    columns = [rows[2].index(header) for header in SCREENING_HEADERS]
    end = [row[0] for row in rows].index(TOTALS_LABEL)
    figures = [tuple(_read(row[column]) for column in columns) for row in rows[3 : end + 1]]
    return figures[:-1], figures[-1]


class _TableCells(HTMLParser):
    """The text of every header and cell of the first table of an HTML page, by row."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell, self._done = [], None, False

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in {"td", "th"}:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in {"td", "th"} and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None
        elif tag == "table":
            self._done = True

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _printed_in_pdf(statistics) -> tuple[list[tuple], tuple]:
    html = render_to_string("print/coverage_summary.html", {"tables": coverage_tables(statistics)})
    parser = _TableCells()
    parser.feed(html)
    headers, *rows = parser.rows
    columns = [headers.index(header) for header in SCREENING_HEADERS]
    figures = [tuple(_read(row[column]) for column in columns) for row in rows]
    return figures[:-1], figures[-1]


def _column_fillings(printed: list, total) -> list[tuple[int, ...]]:
    """Every column of counts that agrees with its printed cells and total."""
    choices = []
    for cell in printed:
        if isinstance(cell, int):
            choices.append([cell])
        elif cell == SMALL_COUNT:
            choices.append(range(1, SMALL_COUNT_LIMIT))
        else:
            top = total if isinstance(total, int) else UNBOUNDED
            choices.append(range(SMALL_COUNT_LIMIT, top + 1))
    fillings = []

    def fill(done: tuple, left: int | None):
        if len(done) == len(choices):
            if left in (None, 0):
                fillings.append(done)
            return
        # The least the cells after this one can add: prune what overshoots the total.
        rest = sum(min(each) for each in choices[len(done) + 1 :])
        for value in choices[len(done)]:
            if left is not None and value + rest > left:
                break
            fill((*done, value), None if left is None else left - value)

    fill((), total if isinstance(total, int) else None)
    return fillings


def _possible_values(rows: list[tuple], totals: tuple) -> dict[tuple[int, int], set[int]]:
    """For each hidden cell (row, column), every value some table agreeing with all that is
    printed gives it: each column adds up to its printed total, and in each row no more
    people are referred than were screened."""
    screened = _column_fillings([row[0] for row in rows], totals[0])
    referred = _column_fillings([row[1] for row in rows], totals[1])
    # Large screened and small referred columns first: they find a partner soonest.
    screened.sort(key=sum, reverse=True)
    referred.sort(key=sum)
    hidden = [(r, c) for r, row in enumerate(rows) for c in (0, 1) if not isinstance(row[c], int)]
    possible = {cell: set() for cell in hidden}

    def within(referred_column, screened_column):
        return all(r <= s for r, s in zip(referred_column, screened_column, strict=True))

    for column in screened:
        if any(within(other, column) for other in referred):
            for row, c in hidden:
                if c == 0:
                    possible[row, 0].add(column[row])
    for column in referred:
        if any(within(column, other) for other in screened):
            for row, c in hidden:
                if c == 1:
                    possible[row, 1].add(column[row])
    return possible


def _check_printed(table: list[tuple[int, int]], rows: list[tuple], totals: tuple) -> None:
    for true_row, printed_row in zip(table, rows, strict=True):
        for true, printed in zip(true_row, printed_row, strict=True):
            if 0 < true < SMALL_COUNT_LIMIT:
                assert printed == SMALL_COUNT
            elif printed == SUPPRESSED:
                assert true >= SMALL_COUNT_LIMIT
            else:
                assert printed == true  # 0 included
    for column in (0, 1):
        true_total = sum(row[column] for row in table)
        printed_column = [row[column] for row in rows]
        if SMALL_COUNT not in printed_column:
            # Nothing hidden under it: every figure and the total exact.
            assert SUPPRESSED not in printed_column
            assert totals[column] == true_total
        else:
            assert totals[column] in {true_total, SUPPRESSED}

    possible = _possible_values(rows, totals)
    for (row, column), values in possible.items():
        assert table[row][column] in values
        assert len(values) >= FEWEST_POSSIBLE_VALUES, (row, column, sorted(values))


def _figure():
    # Around the limits that matter most often: 0, "<5", and the smallest figures that may
    # be hidden beside them.
    return st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 9), st.integers(10, 60))


@st.composite
def _screening_row(draw) -> tuple[int, int]:
    screened = draw(_figure())
    referred = draw(
        st.one_of(st.just(0), st.integers(0, min(4, screened)), st.integers(0, screened))
    )
    return screened, referred


TABLES = st.lists(_screening_row(), min_size=1, max_size=6)


@settings(
    max_examples=250,
    derandomize=True,
    deadline=None,
    # The autouse media folder is per test, not per example; nothing here writes to it.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(table=TABLES)
@example(table=[(0, 0), (0, 0)])  # rows of zeros: nothing hidden
@example(table=[(3, 0)])  # a single hidden cell, alone
@example(table=[(3, 1), (30, 8)])  # the regulator world's branches
@example(table=[(1, 1), (2, 1), (4, 4)])  # a whole hidden column, and whole hidden rows
@example(table=[(1, 0), (6, 0)])  # too small a figure to hide beside the "<5"
@example(table=[(1, 0), (7, 0)])  # the smallest that will do
@example(table=[(1, 1), (7, 3), (8, 4), (60, 0)])  # secondaries at the limits of choice
@example(table=[(4, 4), (7, 0), (9, 8)])  # a referred figure too close to its screened
@example(table=[(4, 4), (9, 9), (13, 9), (40, 36)])  # secondaries' rows near the gap
@example(table=[(1, 1), (1, 1), (1, 1), (1, 1), (1, 1), (50, 50)])  # hidden sum at its least
@example(table=[(4, 4), (4, 4), (4, 4), (4, 4), (12, 12), (7, 0)])  # hidden sum at its most
def test_no_hidden_screening_figure_can_be_narrowed_to_fewer_than_three_values(table):
    statistics = _statistics(table)

    in_sheet = _printed_in_sheet(statistics)
    in_pdf = _printed_in_pdf(statistics)

    assert in_pdf == in_sheet
    _check_printed(table, *in_sheet)
