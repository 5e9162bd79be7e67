"""How screening and referral counts may show in a file that leaves the organizing branch.

A handful of women screened at a village event could be singled out by the people who know
who came, so in anything that leaves the branch which organized the events, counts of
people screened or referred for follow-up below 5 are shown only as "<5":

- the regulator sheet (campaigns/exporters/regulator.py), always: it goes to the regulator;
- the coverage PDF summary (campaigns/exporters/coverage_pdf.py), always: it shows the
  regulator sheet's figures;
- the events export (campaigns/exporters/events.py) when the person exporting sees more
  than one branch (headquarters, or a member of several branches): see
  ``counts_leave_the_branch``.

An events export made by a branch's own people, who see that branch only, keeps exact
figures: those are their own records.

A total under hidden figures is not exact either: with one row hidden, the total less the
shown rows would give that row's figure back (``small_count_total``).
"""

from collections.abc import Iterable

from django.db.models.functions import Substr

from campaigns.models import OrgUnit
from portal.access import PATH_SEGMENT_WIDTH, PATH_SEPARATOR, visible_to

SMALL_COUNT_LIMIT = 5
SMALL_COUNT = "<5"

# A branch's path is headquarters' segment and its own ("0000001.0000004."); every unit
# below it starts with that.
BRANCH_PATH_LENGTH = 2 * (PATH_SEGMENT_WIDTH + len(PATH_SEPARATOR))


def small_count_shown(value: int | None) -> int | str | None:
    """A count of people screened or referred as it may leave the branch: 0 to 4 are "<5"."""
    # 0 is hidden with 1 to 4: were 0 shown as it is, "<5" would always mean "1 to 4" and so
    # tell that someone at the event was screened (or referred on).
    # None (not counted: no screening took place) stays empty.
    if value is not None and value < SMALL_COUNT_LIMIT:
        return SMALL_COUNT
    return value


def small_count_total(values: Iterable[int | None]) -> int | str | None:
    """The total of counts shown with ``small_count_shown``: exact when no count is hidden;
    otherwise only what the shown counts add up to ("≥35"), or, when every count is hidden,
    a bound that holds for all of them ("<10" for two), so that no hidden figure can be
    worked out from the total."""
    counted = [value for value in values if value is not None]
    if not counted:
        return None
    hidden = [value for value in counted if value < SMALL_COUNT_LIMIT]
    if not hidden:
        return sum(counted)
    shown = sum(value for value in counted if value >= SMALL_COUNT_LIMIT)
    if shown:
        return f"≥{shown}"
    return f"<{SMALL_COUNT_LIMIT * len(hidden)}"


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
