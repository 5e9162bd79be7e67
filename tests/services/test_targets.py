"""Targets for people reached are met by head counts: the audience groups overlap and never
count towards them."""

import pytest

from campaigns.selectors import coverage
from campaigns.selectors.events import EventFilters
from campaigns.services.targets import targets_set

pytestmark = pytest.mark.django_db


def _branch_a(world, **kwargs):
    table = coverage.unit_coverage(
        user=world.hq_reviewer,
        campaign=world.campaign,
        unit=world.units["hq"],
        filters=EventFilters(),
        **kwargs,
    )
    return next(row for row in table.rows if row.unit == world.units["branch_a"])


def _people_target(world, people: int) -> None:
    targets_set(
        user=world.hq_reviewer,
        campaign=world.campaign,
        parent=world.units["hq"],
        targets={
            world.units["branch_a"].pk: {
                "events": 10,
                "people_reached": people,
                "counties_covered": 2,
                "special_area_counties_covered": 2,
            }
        },
    )


def test_progress_counts_the_head_count_not_the_groups_added_up(coverage_world):
    # Branch A's approved event: 95 came, of whom 80 herders and 60 women (140 added up).
    _people_target(coverage_world, 140)

    row = _branch_a(coverage_world)

    assert row.figures.people_reached == 95
    assert row.progress()["people_reached"] == 68


def test_a_target_of_the_head_count_is_met(coverage_world):
    _people_target(coverage_world, 95)

    assert _branch_a(coverage_world).progress()["people_reached"] == 100


def test_reports_waiting_for_review_add_their_head_counts_when_counted(coverage_world):
    # The reported event: 40 came, of whom 25 elderly and 30 women.
    _people_target(coverage_world, 270)

    row = _branch_a(coverage_world, include_reported=True)

    assert row.figures.people_reached == 95 + 40
    assert row.progress()["people_reached"] == 50
