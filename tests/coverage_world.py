"""A campaign with events across the org tree, for the coverage tests."""

import datetime as dt
from dataclasses import dataclass

import pytest

from campaigns.models import Membership
from campaigns.models.events import AUDIENCE_COLUMNS
from tests import factories as f
from tests.events_world import BEIJING


@dataclass
class CoverageWorld:
    units: dict
    campaign: object
    prefecture: object
    counties: dict
    hq_reviewer: object
    branch_reviewer: object
    other_branch_reviewer: object


def _event(campaign, unit, county, status, head_count=None, audience=None, **fields):
    """An in-person event with its head count and the audience groups of it, and
    people_reached as the report service keeps it. The groups may overlap."""
    event = f.EventFactory(
        campaign=campaign,
        org_unit=unit,
        county=county,
        status=status,
        head_count=head_count,
        starts_at=fields.pop("starts_at", dt.datetime(2025, 3, 12, 10, tzinfo=BEIJING)),
        **fields,
    )
    for group, count in (audience or {}).items():
        f.AudienceCountFactory(event=event, group=group, count=count)
    event.record_audience(audience or {})
    event.save(update_fields=[*AUDIENCE_COLUMNS, "people_reached"])
    return event


@pytest.fixture
def coverage_world(org_tree):
    province = f.RegionFactory(code="510000", name_zh="四川省", level="province")
    prefecture = f.RegionFactory(
        code="513200", name_zh="阿坝州", level="prefecture", parent=province
    )
    counties = {
        "hongyuan": f.RegionFactory(
            code="513233", name_zh="红原县", parent=prefecture, ethnic_area=True
        ),
        "maerkang": f.RegionFactory(code="513201", name_zh="马尔康市", parent=prefecture),
        "ruoergai": f.RegionFactory(
            code="513232", name_zh="若尔盖县", parent=prefecture, remote_area=True
        ),
        "furong": f.RegionFactory(code="430102", name_zh="芙蓉区"),
    }
    units = org_tree
    units["branch_a"].service_area.add(
        counties["hongyuan"], counties["maerkang"], counties["ruoergai"]
    )
    units["central_a"].service_area.add(counties["hongyuan"], counties["maerkang"])
    units["sub_a"].service_area.add(counties["hongyuan"])
    units["branch_b"].service_area.add(counties["furong"])
    campaign = f.CampaignFactory(starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 31))
    # 95 came, of whom 80 herders and 60 women: groups overlap, people reached is 95.
    _event(
        campaign,
        units["sub_a"],
        counties["hongyuan"],
        "approved",
        95,
        {"farmers_herders": 80, "women": 60},
        venue_type="village",
    )
    _event(
        campaign,
        units["central_a"],
        counties["maerkang"],
        "reported",
        40,
        {"elderly": 25, "women": 30},
    )
    _event(
        campaign,
        units["central_a"],
        counties["maerkang"],
        "planned",
        starts_at=dt.datetime(2025, 3, 2, 10, tzinfo=BEIJING),
    )
    _event(
        campaign,
        units["branch_b"],
        counties["furong"],
        "approved",
        300,
        {"women": 180, "new_urban_residents": 200},
    )
    f.CampaignTargetFactory(
        campaign=campaign,
        org_unit=units["branch_a"],
        events=10,
        people_reached=1000,
        counties_covered=2,
        special_area_counties_covered=2,
    )
    f.CampaignTargetFactory(
        campaign=campaign, org_unit=units["branch_b"], events=2, people_reached=300
    )

    def member(unit, username):
        user = f.UserFactory(username=username)
        f.MembershipFactory(user=user, org_unit=units[unit], role=Membership.Role.REVIEWER)
        return user

    return CoverageWorld(
        units=units,
        campaign=campaign,
        prefecture=prefecture,
        counties=counties,
        hq_reviewer=member("hq", "hq-reviewer"),
        branch_reviewer=member("branch_a", "sc-reviewer"),
        other_branch_reviewer=member("branch_b", "hn-reviewer"),
    )
