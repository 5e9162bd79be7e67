"""Small screening figures in the regulator sheet and the PDF summary: whatever the figures,
and whichever sheets of which levels a reader holds side by side, every hidden figure keeps
at least three possible values, and every "<5" all four.

The org trees are random, two levels deep: headquarters' sheet (its own events and its
branches) and each branch's sheet (its own events and the units below it). Each sheet goes
through the real sheet writer and the real PDF template, the printed figures are read back,
and the reader, who knows the rule of disclosure.Tally exactly (the footnote says it), counts
out every set of figures of the units' own events that prints the same on every sheet.
"""

import io
import itertools
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import SimpleNamespace

from django.template.loader import render_to_string
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from campaigns.exporters.coverage_pdf import coverage_tables
from campaigns.exporters.disclosure import SMALL_COUNT, SMALL_COUNT_LIMIT, SUPPRESSED, Tally
from campaigns.exporters.regulator import SCREENING_NOTE, TOTALS_LABEL, summary_sheet_write
from campaigns.selectors.events import EventFilters
from campaigns.selectors.regulator import RegulatorRow, RegulatorStatistics

SCREENING_HEADERS = ("筛查人数", "转诊人数")
SCREENED, REFERRED = 0, 1
FEWEST_POSSIBLE_VALUES = 3
SMALL_VALUES = set(range(1, SMALL_COUNT_LIMIT))


@dataclass
class Unit:
    """A unit of a random tree: the (screened, referred) of its own events, if it has any
    (None: no own events, so no row of its own), and the units below it."""

    name: str
    own: tuple[int, int] | None
    children: list["Unit"] = field(default_factory=list)

    def leaves(self) -> list["Unit"]:
        """The units under this one (itself included) whose own events count."""
        mine = [self] if self.own is not None else []
        return mine + [leaf for child in self.children for leaf in child.leaves()]


def _tally(leaves: list[Unit], values: dict[str, int], column: int) -> Tally:
    total = Tally()
    for leaf in leaves:
        total += Tally.own(values.get(leaf.name, leaf.own[column]))
    return total


def _row(label: str, leaves: list[Unit]) -> RegulatorRow:
    return RegulatorRow(
        label=label,
        screened=_tally(leaves, {}, SCREENED),
        referred=_tally(leaves, {}, REFERRED),
    )


def _statistics(unit: Unit) -> RegulatorStatistics:
    """The figures of ``unit``'s sheet, as the selector folds them: its own events first,
    if any, then a row per unit below it, and the totals over all."""
    rows = [_row(unit.name, [unit])] if unit.own is not None else []
    rows += [_row(child.name, child.leaves()) for child in unit.children]
    return RegulatorStatistics(
        campaign=SimpleNamespace(name="宣传周"),
        unit=SimpleNamespace(name=unit.name),
        filters=EventFilters(),
        include_reported=False,
        rows=rows,
        totals=_row(TOTALS_LABEL, unit.leaves()),
        events=None,
    )


def _cells(unit: Unit) -> list[list[Unit]]:
    """What each printed row of ``unit``'s sheet adds up, in order, and last the totals."""
    rows = [[unit]] if unit.own is not None else []
    return [*rows, *(child.leaves() for child in unit.children), unit.leaves()]


def _read(value):
    """A printed cell as the reader takes it: a number, or the mark of a hidden figure."""
    if isinstance(value, int):
        return value
    text = str(value).replace(",", "")
    return int(text) if text.isdigit() else text


def _printed_in_sheet(statistics) -> list[tuple]:
    """The (screened, referred) of each row as printed, and last the totals."""
    workbook = Workbook()
    summary_sheet_write(workbook.active, statistics)
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = list(load_workbook(buffer)["统计表"].iter_rows(values_only=True))
    columns = [rows[2].index(header) for header in SCREENING_HEADERS]
    end = [row[0] for row in rows].index(TOTALS_LABEL)
    notes = [row[0] for row in rows[end + 1 :] if row[0]]
    assert SCREENING_NOTE in notes
    return [tuple(_read(row[column]) for column in columns) for row in rows[3 : end + 1]]


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


def _printed_in_pdf(statistics) -> list[tuple]:
    tables = coverage_tables(statistics)
    html = render_to_string("print/coverage_summary.html", {"tables": tables})
    assert SCREENING_NOTE in tables[0]["note"]
    parser = _TableCells()
    parser.feed(html)
    headers, *rows = parser.rows
    columns = [headers.index(header) for header in SCREENING_HEADERS]
    return [tuple(_read(row[column]) for column in columns) for row in rows]


def _sheets(top: Unit) -> list[Unit]:
    """The units whose sheets the reader holds: headquarters and every branch."""
    return [top, *(child for child in top.children if child.children)]


def _printed(top: Unit) -> dict[str, list[tuple[list[Unit], tuple]]]:
    """Every printed row of each sheet, by the sheet's unit: what the row adds up, and its
    (screened, referred) as printed, the same in the workbook and the PDF."""
    printed = {}
    for unit in _sheets(top):
        statistics = _statistics(unit)
        in_sheet = _printed_in_sheet(statistics)
        assert _printed_in_pdf(statistics) == in_sheet
        printed[unit.name] = list(zip(_cells(unit), in_sheet, strict=True))
    return printed


def _check_printed(printed) -> None:
    """Each figure is printed as the rule says: exact unless it adds up a small own figure
    (0 included), "<5" if that is the only own figure under it that is not 0, else "×"."""
    for leaves, shown in printed:
        for column in (SCREENED, REFERRED):
            figures = [leaf.own[column] for leaf in leaves]
            if not any(0 < figure < SMALL_COUNT_LIMIT for figure in figures):
                assert shown[column] == sum(figures)
            elif sum(figure > 0 for figure in figures) == 1:
                assert shown[column] == SMALL_COUNT
            else:
                assert shown[column] == SUPPRESSED


def _fillings(printed, leaves: list[Unit], column: int) -> list[dict[str, int]]:
    """Every set of own figures of ``column`` that prints the same on every sheet. A "<5"
    own figure could be 1 to 4; one printed exactly is what it is."""
    own_cells = {id(cell[0]): shown for cell, shown in printed if len(cell) == 1}
    choices = {}
    for leaf in leaves:
        shown = own_cells[id(leaf)][column]
        assert shown != SUPPRESSED, "an own figure is never hidden beside a small one"
        choices[leaf.name] = sorted(SMALL_VALUES) if shown == SMALL_COUNT else [shown]
    names = list(choices)
    fillings = []
    for values in itertools.product(*(choices[name] for name in names)):
        filling = dict(zip(names, values, strict=True))
        if all(_tally(cell, filling, column).shown == shown[column] for cell, shown in printed):
            fillings.append(filling)
    return fillings


def _possible_values(printed, leaves: list[Unit]) -> dict[tuple[int, int], set[int]]:
    """For each hidden printed figure (its place in ``printed``, its column), every value
    some set of own figures gives it that prints the same everywhere and refers no more
    people than were screened, at each unit's own events."""
    screened = _fillings(printed, leaves, SCREENED)
    referred = _fillings(printed, leaves, REFERRED)
    # Large screened and small referred first: they find a partner soonest.
    screened.sort(key=lambda filling: sum(filling.values()), reverse=True)
    referred.sort(key=lambda filling: sum(filling.values()))

    def within(referred_filling, screened_filling):
        return all(referred_filling[name] <= screened_filling[name] for name in screened_filling)

    possible = {
        (place, column): set()
        for place, (_cell, shown) in enumerate(printed)
        for column in (SCREENED, REFERRED)
        if not isinstance(shown[column], int)
    }
    for column, own, others in ((SCREENED, screened, referred), (REFERRED, referred, screened)):
        for filling in own:
            pairs = (
                within(other, filling) if column == SCREENED else within(filling, other)
                for other in others
            )
            if any(pairs):
                for (place, hidden_column), values in possible.items():
                    if hidden_column == column:
                        cell = printed[place][0]
                        values.add(sum(filling[leaf.name] for leaf in cell))
    return possible


def _check_protected(top: Unit) -> None:
    sheets = _printed(top)
    # A branch shows the same on headquarters' sheet as in the totals of its own.
    branch_rows = sheets[top.name][1:-1] if top.own is not None else sheets[top.name][:-1]
    for branch, (_cell, as_row) in zip(top.children, branch_rows, strict=True):
        if branch.name in sheets:
            assert sheets[branch.name][-1][1] == as_row
    printed = [row for rows in sheets.values() for row in rows]
    _check_printed(printed)

    leaves = top.leaves()
    for (place, column), values in _possible_values(printed, leaves).items():
        cell, shown = printed[place]
        true = sum(leaf.own[column] for leaf in cell)
        assert true in values, (place, column)
        assert len(values) >= FEWEST_POSSIBLE_VALUES, (place, column, sorted(values))
        if shown[column] == SMALL_COUNT:
            assert values == SMALL_VALUES, (place, column, sorted(values))


def _figure():
    # Around the limits that matter most often: 0, "<5", and the figures just above.
    return st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 9), st.integers(10, 60))


@st.composite
def _own_figures(draw) -> tuple[int, int]:
    screened = draw(_figure())
    referred = draw(
        st.one_of(st.just(0), st.integers(0, min(4, screened)), st.integers(0, screened))
    )
    return screened, referred


def _flat(table: list[tuple[int, int]]) -> Unit:
    """One sheet: headquarters without events of its own, a childless unit per row."""
    return Unit("总公司", None, [Unit(f"机构{n}", own) for n, own in enumerate(table)])


@st.composite
def _trees(draw) -> Unit:
    """Headquarters, one to three branches, each with up to two units below it; any unit
    may have events of its own or not (a unit below a branch always has: else it has no
    figures at all). At most seven units' own figures, so that the reader can try every
    value of every small one."""
    branches = []
    for number in range(draw(st.integers(1, 3))):
        below = [
            Unit(f"支公司{number}{n}", draw(_own_figures())) for n in range(draw(st.integers(0, 2)))
        ]
        own = draw(st.one_of(st.none(), _own_figures())) if below else draw(_own_figures())
        branches.append(Unit(f"分公司{number}", own, below))
    top = Unit("总公司", draw(st.one_of(st.none(), _own_figures())), branches)
    if len(top.leaves()) > 7:
        top.children = top.children[:2]
    return top


def _two_levels(hq_own, *branches) -> Unit:
    """Headquarters' own figures, and per branch (its own figures, [figures of units below])."""
    return Unit(
        "总公司",
        hq_own,
        [
            Unit(f"分公司{n}", own, [Unit(f"支公司{n}{m}", leaf) for m, leaf in enumerate(below)])
            for n, (own, below) in enumerate(branches)
        ],
    )


def _settings(examples: int):
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        # The autouse media folder is per test, not per example; nothing here writes to it.
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


# Most random trees hold a sheet like these too: fewer examples here.
@_settings(100)
@given(table=st.lists(_own_figures(), min_size=1, max_size=6))
@example(table=[(0, 0), (0, 0)])  # rows of zeros: nothing hidden
@example(table=[(3, 0)])  # a single hidden cell, alone
@example(table=[(3, 1), (30, 8)])  # the regulator world's branches
@example(table=[(1, 1), (2, 1), (4, 4)])  # a whole hidden column, and whole hidden rows
@example(table=[(1, 0), (7, 0)])  # once kept the total exact by hiding the 7: pinned the 1
@example(table=[(1, 1), (1, 1), (1, 1), (1, 1)])  # four ones under a total of four
def test_no_hidden_screening_figure_of_one_sheet_can_be_narrowed_down(table):
    _check_protected(_flat(table))


@_settings(200)
@given(top=_trees())
# A branch whose only figure under it is small: "<5" on both sheets, exact others.
@example(top=_two_levels(None, (None, [(3, 1), (0, 0)]), ((30, 8), [])))
# A branch's total was hidden while HQ printed the branch exactly: 3 + 6 = 9 gave the 3.
@example(top=_two_levels(None, (None, [(3, 0), (6, 0)]), ((20, 2), [])))
# HQ hid a branch beside another's "<5" while the branch's sheet printed it exactly.
@example(top=_two_levels(None, ((3, 1), []), (None, [(10, 4), (20, 4)])))
# Three small figures under a branch of four in all: the branch is "×", not "<5".
@example(top=_two_levels((2, 0), (None, [(1, 1), (2, 1)]), ((1, 0), [(0, 0)])))
# Whole hidden rows and columns on both levels, and rows of zeros.
@example(top=_two_levels((1, 1), ((4, 4), [(4, 4), (0, 0)]), ((0, 0), [(2, 2)])))
def test_no_hidden_screening_figure_can_be_narrowed_down_across_two_levels(top):
    _check_protected(top)
