"""A campaign whose events, across both branches, feed every column of the regulator sheet."""

import datetime as dt
from dataclasses import dataclass

import pytest

from campaigns.models import Channel, Event, Membership
from campaigns.models.events import AUDIENCE_COLUMNS
from tests import factories as f
from tests.events_world import BEIJING, member


@dataclass
class RegulatorWorld:
    units: dict
    campaign: object
    counties: dict
    events: dict
    hq_reviewer: object
    branch_reviewer: object


def regulator_event(campaign, unit, county, *, audience=None, **fields):
    """An event with its audience counts, and people_reached as the report service keeps it.

    An in-person event with audience groups needs a head count of at least each of them:
    give ``head_count``, or it is the largest group (everyone came from one group at most)."""
    fields.setdefault("status", Event.Status.APPROVED)
    if audience and fields.get("channel", Channel.OFFLINE) == Channel.OFFLINE:
        fields.setdefault("head_count", max(audience.values()))
    fields.setdefault("starts_at", dt.datetime(2025, 3, 12, 10, tzinfo=BEIJING))
    event = f.EventFactory(campaign=campaign, org_unit=unit, county=county, **fields)
    for group, count in (audience or {}).items():
        f.AudienceCountFactory(event=event, group=group, count=count)
    event.record_audience(audience or {})
    event.save(update_fields=[*AUDIENCE_COLUMNS, "people_reached"])
    return event


# Named apart from its function so that test modules can import it without shadowing.
@pytest.fixture(name="regulator_world")
def regulator_world_fixture(org_tree):
    units = org_tree
    for name in ("branch_a", "central_a", "sub_a", "branch_b", "central_b"):
        units[name].name = {
            "branch_a": "四川分公司",
            "central_a": "阿坝中心支公司",
            "sub_a": "红原支公司",
            "branch_b": "湖南分公司",
            "central_b": "长沙中心支公司",
        }[name]
        units[name].save()
    counties = {
        "hongyuan": f.RegionFactory(code="513233", name_zh="红原县", ethnic_area=True),
        "maerkang": f.RegionFactory(code="513201", name_zh="马尔康市"),
        "ruoergai": f.RegionFactory(code="513232", name_zh="若尔盖县", remote_area=True),
        "furong": f.RegionFactory(code="430102", name_zh="芙蓉区"),
    }
    campaign = f.CampaignFactory(name="2025年3·15消费者权益保护教育宣传周")
    event = regulator_event
    events = {
        # Branch A, through its central sub-branch: a village stall with a small screening.
        # 35 came, of whom 30 women and 10 elderly: the groups overlap.
        "village": event(
            campaign,
            units["central_a"],
            counties["hongyuan"],
            title="红原牧区金融知识宣讲",
            venue_type="village",
            head_count=35,
            audience={"women": 30, "elderly": 10},
            outlets_count=2,
            staff_count=5,
        ),
        # Its sub-branch, online: people reached is the online reach, no audience groups.
        "livestream": event(
            campaign,
            units["sub_a"],
            counties["maerkang"],
            title="直播：识别养老诈骗",
            channel=Channel.LIVESTREAM,
            format="livestream",
            online_reach=500,
            staff_count=2,
        ),
        # The branch's own event.
        "own": event(
            campaign,
            units["branch_a"],
            counties["ruoergai"],
            title="若尔盖校园讲座",
            venue_type="campus",
            head_count=25,
            audience={"youth": 20},
            outlets_count=1,
            staff_count=3,
        ),
        # Waiting for review: counted only when reported events are.
        "reported": event(
            campaign,
            units["central_a"],
            counties["hongyuan"],
            title="待审核的活动",
            status=Event.Status.REPORTED,
            head_count=7,
            audience={"women": 7},
            staff_count=1,
        ),
        # Branch B; its title would be a formula if written carelessly.
        "formula": event(
            campaign,
            units["central_b"],
            counties["furong"],
            title="=1+1",
            head_count=60,
            audience={"farmers_herders": 60},
            outlets_count=4,
            staff_count=6,
        ),
        # Never counted: planned, or of another campaign.
        "planned": event(
            campaign,
            units["sub_b"],
            counties["furong"],
            title="计划中的活动",
            status=Event.Status.PLANNED,
        ),
        "elsewhere": event(f.CampaignFactory(), units["central_a"], counties["hongyuan"]),
    }
    f.MaterialUseFactory(event=events["village"], copies=120)
    f.MaterialUseFactory(event=events["formula"], copies=80)
    f.PartnerServiceFactory(event=events["village"], screened=3, referred=1)
    f.PartnerServiceFactory(
        event=events["village"],
        service_type="counselling",
        screening_type="",
        screened=None,
        referred=None,
    )
    f.PartnerServiceFactory(event=events["formula"], screened=30, referred=8)
    f.PartnerServiceFactory(event=events["reported"], screened=2, referred=0)
    return RegulatorWorld(
        units=units,
        campaign=campaign,
        counties=counties,
        events=events,
        hq_reviewer=member(units["hq"], Membership.Role.REVIEWER, "hq-reviewer"),
        branch_reviewer=member(units["branch_a"], Membership.Role.REVIEWER, "sc-reviewer"),
    )


def export_job_run(world, kind: str, *, owner=None, unit: str = "hq", **params):
    """Run an export job of ``kind`` over the world's campaign, as a worker would; it must
    succeed."""
    from campaigns.models import Job
    from campaigns.services.jobs import job_execute

    job = f.JobFactory(
        kind=kind,
        owner=owner or world.hq_reviewer,
        org_unit=world.units[unit],
        params={"campaign_id": world.campaign.pk, "include_reported": False, **params},
    )
    job_execute(job_id=job.pk)
    job = Job.objects.get(pk=job.pk)
    assert (job.status, job.error_code) == ("succeeded", "")
    return job
