"""The regulator sheet's figures: per child unit, in total, in the reader's scope."""

import datetime as dt

import pytest

from campaigns.selectors.events import EventFilters
from campaigns.selectors.regulator import regulator_statistics
from tests import factories as f
from tests.regulator_world import regulator_event, regulator_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _statistics(world, *, user=None, unit="hq", include_reported=False, **filters):
    return regulator_statistics(
        user=user or world.hq_reviewer,
        campaign=world.campaign,
        unit=world.units[unit] if isinstance(unit, str) else unit,
        filters=EventFilters(**filters),
        include_reported=include_reported,
    )


def _figures(row):
    return {
        "online": row.online_events,
        "offline": row.offline_events,
        "outlets": row.outlets,
        "staff": row.staff,
        "head_count": row.head_count,
        "online_reach": row.online_reach,
        "materials": row.materials,
        "services": row.partner_services,
        "screened": row.screened.value,
        "referred": row.referred.value,
        "counties": row.counties,
        "special": row.special_area_counties,
    }


def test_each_branch_is_a_row_with_its_subtrees_approved_events(regulator_world):
    statistics = _statistics(regulator_world)

    assert [row.label for row in statistics.rows] == ["四川分公司", "湖南分公司"]
    sichuan, hunan = statistics.rows
    assert _figures(sichuan) == {
        "online": 1,
        "offline": 2,
        "outlets": 3,
        "staff": 10,
        "head_count": 60,
        "online_reach": 500,
        "materials": 120,
        "services": 2,
        "screened": 3,
        "referred": 1,
        "counties": 3,
        "special": 2,
    }
    assert {group: n for group, n in sichuan.audience.items() if n} == {
        "women": 30,
        "elderly": 10,
        "youth": 20,
    }
    assert (_figures(hunan)["head_count"], _figures(hunan)["online_reach"]) == (60, 0)
    assert hunan.audience["farmers_herders"] == 60


def test_the_totals_add_rows_up_but_count_each_county_once(regulator_world):
    # Branch B's other central sub-branch works in a county branch A covers too.
    regulator_event(
        regulator_world.campaign,
        regulator_world.units["sub_b"],
        regulator_world.counties["hongyuan"],
        audience={"women": 5},
    )

    totals = _statistics(regulator_world).totals

    assert _figures(totals) == {
        "online": 1,
        "offline": 4,
        "outlets": 7,
        "staff": 16,
        "head_count": 125,
        "online_reach": 500,
        "materials": 200,
        "services": 3,
        "screened": 33,
        "referred": 9,
        "counties": 4,
        "special": 2,
    }
    assert totals.audience["women"] == 35


def test_reported_events_count_only_when_asked(regulator_world):
    approved = _statistics(regulator_world).totals
    with_reported = _statistics(regulator_world, include_reported=True).totals

    assert (approved.offline_events, approved.screened.value) == (3, 33)
    assert (with_reported.offline_events, with_reported.screened.value) == (4, 35)
    assert with_reported.audience["women"] == 37


def test_a_units_own_events_form_a_row_named_after_it(regulator_world):
    statistics = _statistics(regulator_world, user=regulator_world.branch_reviewer, unit="branch_a")

    assert [(row.label, row.head_count, row.online_reach) for row in statistics.rows] == [
        ("四川分公司", 25, 0),
        ("阿坝中心支公司", 35, 500),
    ]
    assert statistics.rows[0].unit == regulator_world.units["branch_a"]
    assert (statistics.totals.head_count, statistics.totals.online_reach) == (60, 500)


def test_a_branch_reviewer_counts_only_their_subtree_even_when_asked_for_more(regulator_world):
    statistics = _statistics(regulator_world, user=regulator_world.branch_reviewer)

    assert [row.label for row in statistics.rows] == ["四川分公司"]
    assert (statistics.totals.head_count, statistics.totals.online_reach) == (60, 500)
    assert "=1+1" not in {event.title for event in statistics.events}


def test_the_shared_event_filters_narrow_every_figure(regulator_world):
    offline = _statistics(regulator_world, channel="offline").totals
    in_march_11 = _statistics(
        regulator_world, starts_on=dt.date(2025, 3, 11), ends_on=dt.date(2025, 3, 11)
    ).totals
    ethnic = _statistics(regulator_world, special_area="ethnic_area").totals

    assert (offline.online_events, offline.head_count, offline.online_reach) == (0, 120, 0)
    assert in_march_11.events == 0
    assert (ethnic.events, ethnic.materials, ethnic.screened.value) == (1, 120, 3)


def test_audience_groups_are_of_whom_figures_of_the_head_count_never_added_up(regulator_world):
    # The village event: 35 came, of whom 30 women and 10 elderly.
    statistics = _statistics(
        regulator_world, user=regulator_world.branch_reviewer, unit="central_a"
    )

    own, sub_branch = statistics.rows
    assert own.head_count == 35
    assert {group: n for group, n in own.audience.items() if n} == {"women": 30, "elderly": 10}
    # The sub-branch's livestream reached 500: online reach, no head count, no groups.
    assert (sub_branch.head_count, sub_branch.online_reach) == (0, 500)
    assert not any(sub_branch.audience.values())


def test_screening_figures_carry_the_small_own_figures_they_add_up(regulator_world):
    statistics = _statistics(regulator_world)

    sichuan, hunan = statistics.rows
    # Sichuan's 3 screened are all of one unit's own events (the central sub-branch's).
    assert (sichuan.screened.value, sichuan.screened.nonzero, sichuan.screened.small) == (3, 1, 1)
    assert (hunan.screened.value, hunan.screened.small) == (30, 0)
    assert (statistics.totals.screened.value, statistics.totals.screened.small) == (33, 1)


def _more_units_and_events(world, branches: int):
    for number in range(branches):
        branch = f.OrgUnitFactory(kind="branch", parent=world.units["hq"], name=f"分公司{number}")
        central = f.OrgUnitFactory(kind="central_sub_branch", parent=branch)
        for _ in range(3):
            event = regulator_event(
                world.campaign, central, world.counties["maerkang"], audience={"women": 9}
            )
            f.MaterialUseFactory(event=event, copies=10)
            f.PartnerServiceFactory(event=event)


# The user's scope, the child units, then one grouped query each for events (with their
# audience groups), materials and partner services, and one for the counties of the totals.
QUERIES = 6


def test_the_number_of_queries_does_not_grow_with_units_or_events(
    regulator_world, django_assert_max_num_queries, django_user_model
):
    with django_assert_max_num_queries(QUERIES):
        small = _statistics(regulator_world)
    _more_units_and_events(regulator_world, branches=6)
    reader = django_user_model.objects.get(pk=regulator_world.hq_reviewer.pk)  # scope not cached

    with django_assert_max_num_queries(QUERIES):
        large = _statistics(regulator_world, user=reader)

    assert (len(small.rows), len(large.rows)) == (2, 8)
    assert large.totals.events == small.totals.events + 18
