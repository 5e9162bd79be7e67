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

The regulator sheet and the summary print each unit's figure, the figure of the unit's own
events, and totals, at every level of the org tree: a unit is a row on its parent's sheet
and the total of its own. A total less the figures shown beside it, or a unit's figure on
one sheet against the same unit on another, would give a hidden figure back. So a figure
that adds up hidden ones is never exact, and is shown the same way everywhere (``Tally``):

- the figures the rule starts from are those of each unit's own events (the "own" figures);
  one of 1 to 4 is hidden;
- any figure, a row or a total, that adds up a hidden own figure is hidden too: as "<5" if
  that own figure is the only one under it that is not 0 (the two are then the same
  number), else as SUPPRESSED ("×");
- every other figure is exact.

Whether a figure is hidden, and how, depends only on which own figures under it are 0, 1 to
4, or 5 and more, which the sheets show anyway; so a reader who knows this rule and holds
every sheet of every unit learns of a hidden own figure only that it is 1 to 4, and each of
the four values fits everything printed (with referred at most screened, take screened 4 or
referred 1 where the other is hidden too). The footnote of the sheet and the summary says
exactly this (exporters/regulator.py, SCREENING_NOTE).

No figure is hidden "beside" a small one and no total is kept exact by hiding another
figure (secondary suppression): whatever rule picks that other figure, a reader told the
rule learns a least value for it, and where it sits at that least value, the exact total
pins the small one. [(1, 0), (7, 0)] with "the smallest figure of at least 7 is hidden"
prints "<5", "×" and 8: the "<5" can only be 1.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models.functions import Substr

from campaigns.models import OrgUnit
from campaigns.models.org import path_length
from portal.access import visible_to

SMALL_COUNT_LIMIT = 5
SMALL_COUNT = "<5"
# A figure that adds up a hidden one and others that are not 0: not given at all.
SUPPRESSED = "×"

# A branch's path is headquarters' segment and its own ("0000001.0000004."); every unit
# below it starts with that.
BRANCH_PATH_LENGTH = path_length(depth=2)

Shown = int | str | None


def small_count_shown(value: int | None) -> Shown:
    """A count of people screened or referred as it may leave the branch: 1 to 4 are "<5"."""
    # None (not counted: no screening took place) stays empty.
    if value is not None and 0 < value < SMALL_COUNT_LIMIT:
        return SMALL_COUNT
    return value


@dataclass(frozen=True)
class Tally:
    """A screening figure (of a unit, a unit's own events, or a total), with what the rule
    of this module needs of the units' own figures it adds up: how many are not 0, and how
    many of those are 1 to 4. Tallies add up like their figures."""

    value: int = 0
    nonzero: int = 0
    small: int = 0

    @classmethod
    def own(cls, value: int | None) -> Tally:
        """The figure of one unit's own events."""
        value = value or 0
        return cls(value=value, nonzero=int(value > 0), small=int(0 < value < SMALL_COUNT_LIMIT))

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.value + other.value, self.nonzero + other.nonzero, self.small + other.small
        )

    @property
    def shown(self) -> Shown:
        """The figure as the regulator sheet and the summary print it, at every level."""
        if not self.small:
            return self.value
        # The one own figure that is not 0 is a small one: this figure is that one.
        return SMALL_COUNT if self.nonzero == 1 else SUPPRESSED


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
