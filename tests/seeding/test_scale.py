"""seed_scale: a deterministic data set over every county, on top of the seeded org tree."""

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Sum

from campaigns.models import AudienceCount, CampaignTarget, Event, OrgUnit, Region
from campaigns.models.events import AUDIENCE_COLUMNS
from campaigns.seeding.scale import (
    SCALE_CAMPAIGN_NAME,
    SCALE_CODE_PREFIX,
    ScaleSeedError,
    seed_scale,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

EVENTS = 300
# The seeded tree below has 5 units; 12 asks for one central sub-branch (Chengdu; Aba has
# one already) and 6 sub-branches.
UNITS = 12


@pytest.fixture
def seeded_tree(db):
    """A few real regions and the seeded kinds of unit: HQ, two branches, the Aba central
    sub-branch and the Hongyuan sub-branch. Beijing's districts sit right below the province."""
    region = f.RegionFactory
    sichuan = region(code="510000", name_zh="四川省", level=Region.Level.PROVINCE)
    beijing = region(code="110000", name_zh="北京市", level=Region.Level.PROVINCE)
    chengdu = region(code="510100", name_zh="成都市", level=Region.Level.PREFECTURE, parent=sichuan)
    aba = region(code="513200", name_zh="阿坝州", level=Region.Level.PREFECTURE, parent=sichuan)
    counties = {
        code: region(code=code, name_zh=name, parent=parent, remote_area=parent == aba)
        for code, name, parent in [
            ("110101", "东城区", beijing),
            ("110102", "西城区", beijing),
            ("110105", "朝阳区", beijing),
            ("510104", "锦江区", chengdu),
            ("510105", "青羊区", chengdu),
            ("510106", "金牛区", chengdu),
            ("510107", "武侯区", chengdu),
            ("513201", "马尔康市", aba),
            ("513222", "理县", aba),
            ("513233", "红原县", aba),
        ]
    }
    hq = f.OrgUnitFactory(code="HQ", kind=OrgUnit.Kind.HQ)
    units = {"HQ": hq}
    for code, kind, parent, prefix in [
        ("BJ", OrgUnit.Kind.BRANCH, "HQ", "11"),
        ("SC", OrgUnit.Kind.BRANCH, "HQ", "51"),
        ("SC-ABA", OrgUnit.Kind.CENTRAL_SUB_BRANCH, "SC", "5132"),
        ("SC-ABA-HY", OrgUnit.Kind.SUB_BRANCH, "SC-ABA", "513233"),
    ]:
        units[code] = f.OrgUnitFactory(code=code, kind=kind, parent=units[parent])
        units[code].service_area.set(
            [county for county_code, county in counties.items() if county_code.startswith(prefix)]
        )
    f.PartnerFactory(org_unit=units["SC-ABA"], name="马尔康市总工会")
    return counties


def _scale_events():
    return Event.objects.filter(campaign__name=SCALE_CAMPAIGN_NAME)


def _fingerprint():
    return list(
        _scale_events()
        .order_by("title")
        .values_list(
            "title", "county__code", "status", "head_count", "people_reached", "org_unit__code"
        )
    )


def test_builds_the_asked_numbers_of_events_and_org_units(seeded_tree):
    report = seed_scale(events=EVENTS, units=UNITS)

    assert _scale_events().count() == report.events == EVENTS
    assert OrgUnit.objects.count() == report.org_units == UNITS
    assert report.new_org_units == UNITS - 5


def test_every_county_gets_an_event(seeded_tree):
    seed_scale(events=EVENTS, units=UNITS)

    covered = set(_scale_events().values_list("county__code", flat=True))
    assert covered == set(seeded_tree)


def test_reported_offline_events_count_ten_or_eleven_audience_groups(seeded_tree):
    seed_scale(events=EVENTS, units=UNITS)

    rows = dict(
        _scale_events().annotate(groups=Count("audience_counts")).values_list("pk", "groups")
    )
    counted = set(
        _scale_events()
        .filter(channel="offline", status__in=["reported", "approved", "returned"])
        .values_list("pk", flat=True)
    )
    assert counted
    assert {rows[pk] for pk in counted} <= {10, 11}
    assert {rows[pk] for pk in rows.keys() - counted} == {0}


def test_reported_in_person_events_have_a_head_count_at_least_each_group(seeded_tree):
    seed_scale(events=EVENTS, units=UNITS)

    reported = _scale_events().filter(
        channel="offline", status__in=["reported", "approved", "returned"]
    )
    assert not reported.filter(head_count__isnull=True).exists()
    over = AudienceCount.objects.filter(
        event__campaign__name=SCALE_CAMPAIGN_NAME, count__gt=F("event__head_count")
    )
    assert not over.exists()
    for column in AUDIENCE_COLUMNS:  # the copies the database checks against the head count
        assert not reported.filter(**{f"{column}__gt": F("head_count")}).exists()
    # The groups overlap: for most events they add up to more than came.
    sums = reported.annotate(groups=Sum("audience_counts__count")).filter(
        groups__gt=F("head_count")
    )
    assert sums.count() > reported.count() / 2
    assert not _scale_events().exclude(channel="offline").filter(head_count__isnull=False).exists()
    assert not _scale_events().filter(head_count_derived=True).exists()


def test_every_event_satisfies_the_databases_rules(seeded_tree):
    seed_scale(events=EVENTS, units=UNITS)

    for event in _scale_events():
        event.validate_constraints()


def test_people_reached_is_the_head_count_or_the_online_reach(seeded_tree):
    seed_scale(events=EVENTS, units=UNITS)

    for event in _scale_events():
        assert event.people_reached == event.reached()
    offline = _scale_events().filter(channel="offline")
    assert offline.filter(people_reached__gt=0).exists()
    counted = offline.filter(head_count__isnull=False)
    assert counted.filter(people_reached=F("head_count")).count() == counted.count()
    assert _scale_events().exclude(channel="offline").filter(people_reached__gt=0).exists()


def test_new_units_get_the_path_save_would_give_them(seeded_tree):
    seed_scale(events=EVENTS, units=UNITS)

    new_units = list(OrgUnit.objects.filter(code__startswith=SCALE_CODE_PREFIX))
    for unit in new_units:
        assert unit.path == f"{unit.parent.path}{unit.pk:07d}."
    sample = new_units[-1]
    sample.save()
    sample.refresh_from_db()
    assert sample.path == f"{sample.parent.path}{sample.pk:07d}."
    assert all(unit.is_within(OrgUnit.objects.get(code="HQ")) for unit in new_units)


def test_sub_branches_spread_round_robin_over_prefectures(seeded_tree):
    seed_scale(events=EVENTS, units=UNITS)

    parents = dict(
        OrgUnit.objects.filter(code__startswith=SCALE_CODE_PREFIX).values_list(
            "code", "parent__code"
        )
    )
    assert parents == {
        "SCALE-510100": "SC",
        "SCALE-110101": "BJ",
        "SCALE-110102": "BJ",
        "SCALE-510104": "SCALE-510100",
        "SCALE-510105": "SCALE-510100",
        "SCALE-513201": "SC-ABA",
        "SCALE-513222": "SC-ABA",
    }
    assert list(
        OrgUnit.objects.get(code="SCALE-510100").service_area.values_list("code", flat=True)
    ) == ["510104", "510105", "510106", "510107"]


def test_events_belong_to_the_deepest_unit_serving_their_county(seeded_tree):
    seed_scale(events=EVENTS, units=UNITS)

    owners = set(_scale_events().values_list("county__code", "org_unit__code"))
    assert owners == {
        ("110101", "SCALE-110101"),
        ("110102", "SCALE-110102"),
        ("110105", "BJ"),
        ("510104", "SCALE-510104"),
        ("510105", "SCALE-510105"),
        ("510106", "SCALE-510100"),
        ("510107", "SCALE-510100"),
        ("513201", "SCALE-513201"),
        ("513222", "SCALE-513222"),
        ("513233", "SC-ABA-HY"),
    }


def test_branches_and_central_sub_branches_get_targets(seeded_tree):
    seed_scale(events=EVENTS, units=UNITS)

    targets = CampaignTarget.objects.filter(campaign__name=SCALE_CAMPAIGN_NAME)
    assert set(targets.values_list("org_unit__code", flat=True)) == {
        "BJ",
        "SC",
        "SC-ABA",
        "SCALE-510100",
    }
    aba = targets.get(org_unit__code="SC-ABA")
    assert (aba.counties_covered, aba.special_area_counties_covered) == (3, 3)


def test_running_again_with_the_same_seed_rebuilds_the_same_data(seeded_tree):
    seed_scale(events=EVENTS, units=UNITS)
    first = _fingerprint()
    rows = (AudienceCount.objects.count(), CampaignTarget.objects.count())

    seed_scale(events=EVENTS, units=UNITS)

    assert _fingerprint() == first
    assert (AudienceCount.objects.count(), CampaignTarget.objects.count()) == rows
    assert OrgUnit.objects.count() == UNITS


def test_another_seed_gives_other_data(seeded_tree):
    seed_scale(events=EVENTS, units=UNITS)
    first = _fingerprint()

    seed_scale(events=EVENTS, units=UNITS, seed=316)

    assert _fingerprint() != first


def test_other_campaigns_are_left_alone(seeded_tree):
    real = f.EventFactory(county=seeded_tree["513233"], org_unit=OrgUnit.objects.get(code="SC"))
    f.AudienceCountFactory(event=real)

    seed_scale(events=EVENTS, units=UNITS)
    seed_scale(events=10, units=UNITS)

    assert Event.objects.exclude(campaign__name=SCALE_CAMPAIGN_NAME).get() == real
    assert real.audience_counts.count() == 1


def test_a_campaign_with_real_events_is_refused(seeded_tree):
    real = f.EventFactory(county=seeded_tree["513233"], org_unit=OrgUnit.objects.get(code="SC"))

    with pytest.raises(ScaleSeedError, match="did not make"):
        seed_scale(events=10, units=UNITS, campaign_name=real.campaign.name)

    assert Event.objects.get() == real


def test_more_units_than_counties_allow_are_refused(seeded_tree):
    with pytest.raises(ScaleSeedError, match="At most 15 org units"):
        seed_scale(events=10, units=16)

    assert not OrgUnit.objects.filter(code__startswith=SCALE_CODE_PREFIX).exists()


def test_command_asks_for_load_seeds_when_regions_are_missing(db):
    with pytest.raises(CommandError, match="load_seeds"):
        call_command("seed_scale", "--events", "10")


def test_command_prints_progress_and_a_summary(seeded_tree, capsys):
    call_command("seed_scale", "--events", "20", "--units", str(UNITS))

    out = capsys.readouterr().out
    assert "events: 20/20" in out
    assert "seed_scale: 20 events" in out
