"""load_seeds: real county data with flags, the org tree, the 2025 campaign, demo users."""

import pytest
from django.core.management import call_command

from campaigns.models import (
    AudienceCount,
    Event,
    MaterialUse,
    Membership,
    OrgUnit,
    PartnerService,
    Region,
)
from campaigns.services.seeds import MODELS_COUNTED, seeds_load
from portal.access import visible_to
from portal.models import User


@pytest.fixture
def seeded(db):
    return seeds_load(demo_users=True)


def _row_counts():
    return {model.__name__: model.objects.count() for model in (*MODELS_COUNTED, User)}


def test_loading_seeds_twice_changes_nothing(seeded):
    before = _row_counts()
    regions_before = list(
        Region.objects.values_list("code", "name_zh", "parent__code", "ethnic_area")
    )

    call_command("load_seeds", "--demo-users", verbosity=0)

    assert _row_counts() == before
    assert (
        list(Region.objects.values_list("code", "name_zh", "parent__code", "ethnic_area"))
        == regions_before
    )


def test_every_county_level_division_is_loaded_with_its_parents(seeded):
    counties = Region.objects.filter(level=Region.Level.COUNTY)
    assert counties.count() >= 2800
    assert Region.objects.filter(level=Region.Level.PROVINCE).count() == 31
    assert not counties.filter(parent__isnull=True).exists()
    hongyuan = Region.objects.get(code="513233")
    assert (hongyuan.name_zh, hongyuan.parent.code, hongyuan.parent.parent.code) == (
        "红原县",
        "513200",
        "510000",
    )


def test_all_thirteen_counties_of_aba_are_ethnic_areas(seeded):
    aba = Region.objects.filter(level=Region.Level.COUNTY, code__startswith="5132")
    assert aba.count() == 13
    assert all(aba.values_list("ethnic_area", flat=True))


@pytest.mark.parametrize(
    ("code", "ethnic"),
    [
        ("540102", True),  # 城关区, Tibet Autonomous Region
        ("150781", True),  # 满洲里市, Inner Mongolia Autonomous Region
        ("433130", True),  # 龙山县, 湘西土家族苗族自治州
        ("422802", True),  # 利川市, 恩施土家族苗族自治州
        ("430102", False),  # 芙蓉区, Changsha
        ("510104", False),  # 锦江区, Chengdu
    ],
)
def test_ethnic_area_flag_follows_the_autonomous_ancestor_rule(seeded, code, ethnic):
    assert Region.objects.get(code=code).ethnic_area is ethnic


def test_sample_counties_carry_special_area_flags(seeded):
    hongyuan = Region.objects.get(code="513233")
    assert hongyuan.remote_area
    assert hongyuan.old_revolutionary_area
    assert hongyuan.ethnic_area
    assert Region.objects.get(code="430181").old_revolutionary_area  # 浏阳市


def test_tibetan_county_names_are_marked_for_native_review(seeded):
    with_tibetan = Region.objects.exclude(name_bo="")
    assert with_tibetan.filter(code__startswith="5132").count() >= 12
    assert with_tibetan.filter(code__startswith="54", level=Region.Level.COUNTY).count() >= 70
    assert not with_tibetan.filter(name_bo_needs_review=False).exists()


def test_org_tree_has_32_branches_serving_every_county_once(seeded):
    branches = OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH)
    assert branches.count() == 32
    served = Region.objects.filter(serving_units__kind=OrgUnit.Kind.BRANCH)
    assert (
        served.count() == served.distinct().count() == Region.objects.filter(level="county").count()
    )


def test_aba_units_sit_in_the_tree_and_serve_their_counties(seeded):
    aba = OrgUnit.objects.get(code="SC-ABA")
    hongyuan = OrgUnit.objects.get(code="SC-ABA-HY")
    assert aba.parent.code == "SC"
    assert hongyuan.parent == aba
    assert aba.service_area.count() == 13
    assert list(hongyuan.service_area.values_list("code", flat=True)) == ["513233"]
    assert OrgUnit.objects.get(code="HN-CS").parent.code == "HN"


def test_hongyuan_pasture_day_is_seeded_as_the_story_tells_it(seeded):
    event = Event.objects.get(county__code="513233")
    counts = dict(AudienceCount.objects.filter(event=event).values_list("group", "count"))
    assert counts == {"farmers_herders": 60, "women": 35}
    assert MaterialUse.objects.get(event=event).copies == 200
    assert PartnerService.objects.get(event=event, service_type="health_screening").screened == 32


def test_demo_users_see_their_own_subtree(seeded):
    aba = User.objects.get(username="aba-organizer")
    hunan = User.objects.get(username="hn-reviewer")
    hq = User.objects.get(username="hq-reviewer")
    assert set(visible_to(aba, Event).values_list("org_unit__code", flat=True)) == {
        "SC-ABA",
        "SC-ABA-HY",
    }
    assert set(visible_to(hunan, Event).values_list("org_unit__code", flat=True)) == {"HN-CS"}
    assert visible_to(hq, Event).count() == Event.objects.count()


def test_demo_users_cover_every_role_at_four_units(seeded):
    pairs = set(Membership.objects.values_list("org_unit__code", "role"))
    assert pairs == {
        (unit, role) for unit in ("HQ", "SC", "SC-ABA", "HN") for role in Membership.Role.values
    }
    assert User.objects.get(username="aba-organizer").check_password(seeded.demo_password)
