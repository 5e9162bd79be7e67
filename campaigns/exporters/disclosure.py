"""How screening and referral counts may show in a file that leaves the organizing branch.

A handful of women screened at a village event could be singled out by the people who know
who came, so in anything that leaves the branch which organized the events, counts of
people screened or referred for follow-up from 1 to 4 are shown only as "<5" (0 is shown:
nobody can be singled out among none):

- the regulator sheet (campaigns/exporters/regulator.py), always: it goes to the regulator;
- the coverage PDF summary (campaigns/exporters/coverage_pdf.py), always: it shows the
  regulator sheet's figures;
- the events export (campaigns/exporters/events.py) when the person exporting sees more
  than one branch (headquarters, or a member of several branches): see
  ``counts_leave_the_branch``.

An events export made by a branch's own people, who see that branch only, keeps exact
figures: those are their own records.

The regulator sheet and the summary also print totals, and a total less the figures shown
would give a hidden one back. ``screening_shown`` protects them by secondary suppression.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models.functions import Substr

from campaigns.models import OrgUnit
from portal.access import PATH_SEGMENT_WIDTH, PATH_SEPARATOR, visible_to

SMALL_COUNT_LIMIT = 5
SMALL_COUNT = "<5"
# A figure hidden only so that a "<5" cannot be worked out from a total.
SUPPRESSED = "×"

# What a reader may learn of a figure shown as SUPPRESSED: it is neither 0 nor "<5", so at
# least SMALL_COUNT_LIMIT. A cell hidden with it must be able to move by 2 either way and
# stay there, hence the smallest one that may be chosen.
SECONDARY_MIN = SMALL_COUNT_LIMIT + 2
# Referred never exceeds screened, in a row as in each event. The secondary cells move by
# at most 2 each, so a row whose referred stays 4 below its screened keeps that true.
SECONDARY_ROW_GAP = 4

# A branch's path is headquarters' segment and its own ("0000001.0000004."); every unit
# below it starts with that.
BRANCH_PATH_LENGTH = 2 * (PATH_SEGMENT_WIDTH + len(PATH_SEPARATOR))

Shown = int | str | None


def small_count_shown(value: int | None) -> Shown:
    """A count of people screened or referred as it may leave the branch: 1 to 4 are "<5"."""
    # None (not counted: no screening took place) stays empty.
    if value is not None and 0 < value < SMALL_COUNT_LIMIT:
        return SMALL_COUNT
    return value


@dataclass
class ScreeningShown:
    """A table of (screened, referred) per row as it may be printed, and its totals."""

    rows: list[tuple[Shown, Shown]]
    totals: tuple[Shown, Shown]


def screening_shown(figures: Sequence[tuple[int, int]]) -> ScreeningShown:
    """The rows' (screened, referred) with 1 to 4 hidden, and totals that give none back.

    A column without a hidden figure is printed exactly, with its exact total. In a column
    with one, the smallest figure of at least SECONDARY_MIN whose row keeps referred at
    least SECONDARY_ROW_GAP below screened is hidden as well (secondary suppression) and
    the total stays exact; without such a figure the column's total is hidden instead.

    Why every hidden figure keeps at least three possible values, with the rows' "referred
    within screened" known: take any "<5" and any value within 2 of it in 1 to 4 (there are
    always three). Set it there; if that breaks "referred within screened" in its row, move
    the other figure of the row, also a "<5", to the same value (a move of at most 2). Each
    column changed by at most 2, which its secondary figure takes up (a hidden total needs
    nothing): it stays at least SMALL_COUNT_LIMIT, and its row stays "referred within
    screened" by SECONDARY_ROW_GAP.
    Every printed figure and total still holds, so all three values are possible; and a
    secondary figure takes three values as the "<5" of its column does.
    """
    columns = [[row[index] for row in figures] for index in (0, 1)]
    shown_columns, totals = [], []
    for column in columns:
        hidden = [0 < value < SMALL_COUNT_LIMIT for value in column]
        shown_column = [small_count_shown(value) for value in column]
        total = sum(column)
        if any(hidden):
            candidates = [
                (value, row)
                for row, value in enumerate(column)
                if value >= SECONDARY_MIN and figures[row][0] - figures[row][1] >= SECONDARY_ROW_GAP
            ]
            if candidates:
                _value, row = min(candidates)
                shown_column[row] = SUPPRESSED
            else:
                total = SUPPRESSED
        shown_columns.append(shown_column)
        totals.append(total)
    return ScreeningShown(rows=list(zip(*shown_columns, strict=True)), totals=tuple(totals))


def counts_leave_the_branch(user) -> bool:
    """Whether a file made for ``user`` leaves the organizing branch: they see more than one
    branch (headquarters' own unit counts as one more)."""
    branches = (
        visible_to(user, OrgUnit)
        .order_by()  # the default ordering by path would make every unit distinct
        .annotate(branch_path=Substr("path", 1, BRANCH_PATH_LENGTH))
        .values("branch_path")
        .distinct()
    )
    return len(branches[:2]) > 1
