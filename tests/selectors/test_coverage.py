"""Coverage figures at each level of the drill-down, and their fixed query counts."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from campaigns.models import AuditEntry, CampaignTarget, OrgUnit
from campaigns.selectors import coverage
from campaigns.selectors.events import EventFilters
from campaigns.selectors.org import own_unit
from campaigns.services.targets import targets_set
from tests import factories as f
from tests.events_world import BEIJING

pytestmark = pytest.mark.django_db

NO_FILTERS = EventFilters()


def _rows(table):
    return {row.label: row for row in table.rows}


def _units(world, user=None, unit="hq", **kwargs):
    return coverage.unit_coverage(
        user=user or world.hq_reviewer,
        campaign=world.campaign,
        unit=world.units[unit],
        filters=kwargs.pop("filters", NO_FILTERS),
        **kwargs,
    )


def test_hq_sees_each_branch_against_its_target(coverage_world):
    rows = _rows(_units(coverage_world))
    branch_a = rows[coverage_world.units["branch_a"].name]
    assert branch_a.figures.events == 1
    assert branch_a.figures.people_reached == 95
    assert branch_a.figures.counties_covered == 1
    assert branch_a.figures.counties_in_area == 3
    assert branch_a.figures.special_covered == 1
    assert branch_a.figures.special_in_area == 2
    assert branch_a.figures.overdue == 1
    assert branch_a.progress() == {
        "events": 10,
        "people_reached": 10,
        "counties_covered": 50,
        "special_covered": 50,
    }


def test_reported_events_count_when_the_toggle_is_on(coverage_world):
    rows = _rows(_units(coverage_world, include_reported=True))
    branch_a = rows[coverage_world.units["branch_a"].name]
    assert branch_a.figures.events == 2
    assert branch_a.figures.people_reached == 135
    assert branch_a.figures.counties_covered == 2


def test_rows_are_sorted_furthest_behind_first(coverage_world):
    labels = [row.label for row in _units(coverage_world).rows]
    assert labels == [coverage_world.units["branch_a"].name, coverage_world.units["branch_b"].name]


def test_totals_count_distinct_counties_across_branches(coverage_world):
    totals = _units(coverage_world).totals.figures
    assert (totals.events, totals.people_reached, totals.counties_covered) == (2, 395, 2)
    assert totals.counties_in_area == 4


def test_a_branch_reviewer_sees_only_their_subtree(coverage_world):
    user = coverage_world.branch_reviewer
    assert own_unit(user=user) == coverage_world.units["branch_a"]
    with pytest.raises(OrgUnit.DoesNotExist):
        coverage.coverage_unit(user=user, unit_id=coverage_world.units["branch_b"].pk)
    totals = _units(coverage_world, user=user, unit="branch_a").totals.figures
    assert totals.events == 1


def test_filters_narrow_every_figure(coverage_world):
    table = _units(coverage_world, filters=EventFilters(venue_type="community"))
    branch_a = _rows(table)[coverage_world.units["branch_a"].name]
    assert branch_a.figures.events == 0
    assert table.totals.figures.events == 1  # branch B's community event
    special = _units(coverage_world, filters=EventFilters(special_area="ethnic_area"))
    assert special.totals.figures.events == 1


def test_prefectures_then_counties(coverage_world):
    arguments = {
        "user": coverage_world.branch_reviewer,
        "campaign": coverage_world.campaign,
        "unit": coverage_world.units["branch_a"],
        "filters": NO_FILTERS,
    }
    prefectures = coverage.region_coverage(**arguments)
    assert [
        (row.label, row.figures.events, row.figures.counties_in_area) for row in prefectures.rows
    ] == [("阿坝州", 1, 3)]
    counties = coverage.region_coverage(**arguments, prefecture=coverage_world.prefecture)
    assert [(row.label, row.figures.events) for row in counties.rows] == [
        ("马尔康市", 0),
        ("若尔盖县", 0),
        ("红原县", 1),
    ]


def test_county_coverage_lists_uncovered_special_areas_first(coverage_world):
    rows = coverage.county_coverage(
        user=coverage_world.branch_reviewer,
        campaign=coverage_world.campaign,
        unit=coverage_world.units["branch_a"],
        filters=NO_FILTERS,
    )
    assert [row.region.name_zh for row in rows] == ["若尔盖县", "马尔康市", "红原县"]
    assert rows[-1].figures.last_event == dt.datetime(2025, 3, 12, 10, tzinfo=BEIJING)


def test_mix_counts_venues_audiences_and_weeks(coverage_world):
    with translation.override("en"):
        mix = coverage.coverage_mix(
            user=coverage_world.hq_reviewer,
            campaign=coverage_world.campaign,
            unit=coverage_world.units["hq"],
            filters=NO_FILTERS,
        )
    assert dict(mix.venue_types)["village, farm or pasture"] == 1
    # Each group's own total, over the approved in-person events: 60 + 180 women.
    assert dict(mix.audience)["women"] == 240
    assert dict(mix.audience)["farmers and herders"] == 80
    assert sum(n for _week, n in mix.per_week) == 2


def test_people_reached_are_head_counts_however_the_groups_overlap(coverage_world):
    # Hongyuan: 95 came, of whom 80 herders and 60 women (140 if the groups were added up).
    table = _units(coverage_world, unit="central_a")
    hongyuan = _rows(table)[coverage_world.units["sub_a"].name]

    assert hongyuan.figures.people_reached == 95
    assert table.totals.figures.people_reached == 95
    assert _units(coverage_world).totals.figures.people_reached == 95 + 300


def test_the_audience_mix_leaves_out_groups_an_online_event_kept_from_before(coverage_world):
    # An online event reports its reach; groups an older client sent are not "of whom" of a
    # head count, so they stay out of the mix. Its reach is people reached.
    event = f.EventFactory(
        campaign=coverage_world.campaign,
        org_unit=coverage_world.units["sub_a"],
        county=coverage_world.counties["hongyuan"],
        status="approved",
        channel="livestream",
        online_reach=1000,
        audience_women=400,
    )
    event.record_audience({"women": 400})
    event.save(update_fields=["people_reached"])

    with translation.override("en"):
        mix = coverage.coverage_mix(
            user=coverage_world.hq_reviewer,
            campaign=coverage_world.campaign,
            unit=coverage_world.units["hq"],
            filters=NO_FILTERS,
        )

    assert dict(mix.audience)["women"] == 240
    assert _units(coverage_world).totals.figures.people_reached == 95 + 300 + 1000


def _grow(world, extra: int) -> None:
    """More units and events, to show that the number of queries does not follow them."""
    for number in range(extra):
        unit = f.OrgUnitFactory(
            code=f"X{number}", kind="central_sub_branch", parent=world.units["branch_a"]
        )
        unit.service_area.add(world.counties["ruoergai"])
        f.EventFactory(
            campaign=world.campaign,
            org_unit=unit,
            county=world.counties["ruoergai"],
            status="approved",
        )


@pytest.mark.parametrize("extra", [0, 12])
def test_each_level_takes_a_fixed_number_of_queries(
    coverage_world, django_assert_max_num_queries, extra
):
    _grow(coverage_world, extra)
    user = coverage_world.hq_reviewer
    user._access_scope = None  # read the scope inside the counted block, as a request would
    arguments = {"user": user, "campaign": coverage_world.campaign, "filters": NO_FILTERS}
    with django_assert_max_num_queries(7):
        coverage.unit_coverage(**arguments, unit=coverage_world.units["hq"])
    with django_assert_max_num_queries(6):
        coverage.unit_coverage(**arguments, unit=coverage_world.units["branch_a"])
    with django_assert_max_num_queries(5):
        coverage.region_coverage(**arguments, unit=coverage_world.units["branch_a"])
    with django_assert_max_num_queries(5):
        coverage.region_coverage(
            **arguments, unit=coverage_world.units["branch_a"], prefecture=coverage_world.prefecture
        )
    with django_assert_max_num_queries(2):
        coverage.county_coverage(**arguments, unit=coverage_world.units["branch_a"])
    with django_assert_max_num_queries(3):
        coverage.coverage_mix(**arguments, unit=coverage_world.units["hq"])


def test_hq_sets_branch_targets_and_is_warned_when_they_fall_short(coverage_world):
    hq = coverage_world.units["hq"]
    f.CampaignTargetFactory(
        campaign=coverage_world.campaign, org_unit=hq, events=100, people_reached=10
    )
    figures = {
        "events": 20,
        "people_reached": 2000,
        "counties_covered": 3,
        "special_area_counties_covered": 2,
    }
    warnings = targets_set(
        user=coverage_world.hq_reviewer,
        campaign=coverage_world.campaign,
        parent=hq,
        targets={coverage_world.units["branch_a"].pk: figures},
    )
    target = CampaignTarget.objects.get(org_unit=coverage_world.units["branch_a"])
    assert target.events == 20
    assert AuditEntry.objects.filter(action="campaigns.target.set").count() == 1
    assert len(warnings) == 1
    assert "22" in warnings[0]


def test_a_branch_cannot_set_its_own_target(coverage_world):
    with pytest.raises(PermissionDenied):
        targets_set(
            user=coverage_world.branch_reviewer,
            campaign=coverage_world.campaign,
            parent=coverage_world.units["hq"],
            targets={},
        )
