"""load_seeds: county data with flags, the org tree, the 2025 campaign, handouts, demo users."""

import io
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from campaigns.models import (
    AudienceCount,
    AuditEntry,
    Campaign,
    EditionBlock,
    Event,
    Job,
    Material,
    MaterialEdition,
    MaterialUse,
    Measure,
    MeasureReturn,
    Membership,
    OrgUnit,
    PartnerService,
    Region,
    SignIn,
)
from campaigns.seeding.seeds import MODELS_COUNTED, materials_load, seeds_load
from campaigns.selectors.coverage import coverage_mix, unit_coverage
from campaigns.selectors.events import EventFilters
from campaigns.services.jobs import job_execute
from portal.access import visible_to
from portal.models import User
from tests.factories import JobFactory


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
    # 80 came, of whom 60 herders and 35 women: the groups overlap, people reached is 80.
    assert (event.head_count, event.people_reached, event.head_count_derived) == (80, 80, False)
    assert (event.audience_farmers_herders, event.audience_women) == (60, 35)
    assert MaterialUse.objects.get(event=event).copies == 200
    assert PartnerService.objects.get(event=event, service_type="health_screening").screened == 32


def test_every_seeded_in_person_event_with_figures_has_a_head_count_over_its_groups(seeded):
    for event in Event.objects.exclude(status=Event.Status.PLANNED):
        groups = [count for _group, count in event.audience_counts.values_list("group", "count")]
        assert event.head_count is not None, event.title
        assert event.head_count >= max(groups, default=0), event.title
        assert event.people_reached == event.head_count


def _seeded_aba():
    return (
        Campaign.objects.get(name__contains="金融消费者权益保护教育宣传周"),
        OrgUnit.objects.get(code="SC-ABA"),
        User.objects.get(username="hq-reviewer"),
    )


def test_the_coverage_page_counts_the_aba_event_by_its_head_count(seeded, client):
    campaign, aba, reviewer = _seeded_aba()
    arguments = {"user": reviewer, "campaign": campaign, "filters": EventFilters()}

    table = unit_coverage(**arguments, unit=aba)
    hongyuan = next(row for row in table.rows if row.label == "红原支公司")
    with translation.override("en"):  # the groups' labels, whatever an earlier test left
        mix = dict(coverage_mix(**arguments, unit=aba).audience)
    hq = unit_coverage(**arguments, unit=OrgUnit.objects.get(code="HQ"))
    sichuan = next(row for row in hq.rows if row.label == "四川分公司")

    assert hongyuan.figures.people_reached == 80  # not 60 + 35 = 95
    assert hongyuan.progress()["people_reached"] == 16  # of the 500 set for Hongyuan
    assert (mix["farmers and herders"], mix["women"]) == (60, 35)
    # Sichuan: the Hongyuan day and the general manager's reception day (26 came).
    assert sichuan.figures.people_reached == 80 + 26
    client.force_login(reviewer)
    page = client.get(reverse("coverage_unit", args=[campaign.pk, aba.pk])).text
    row = next(part for part in page.split("<tr") if "红原支公司" in part)
    assert ">80</td>" in row


def _seeded_export(kind, unit, owner, campaign):
    job = JobFactory(
        kind=kind,
        owner=owner,
        org_unit=unit,
        params={"campaign_id": campaign.pk, "include_reported": False},
    )
    job_execute(job_id=job.pk)
    job = Job.objects.get(pk=job.pk)
    assert job.status == "succeeded"
    return job


def test_the_regulator_sheet_gives_the_aba_event_its_head_count_and_groups_of_it(seeded):
    campaign, aba, reviewer = _seeded_aba()
    job = _seeded_export(Job.Kind.REGULATOR_SHEET, aba, reviewer, campaign)

    rows = list(load_workbook(job.result.open("rb"))["统计表"].iter_rows(values_only=True))
    hongyuan = dict(zip(rows[2], next(row for row in rows if row[0] == "红原支公司"), strict=True))
    assert hongyuan["线下参加人数"] == 80
    assert (hongyuan["其中：农牧民"], hongyuan["其中：妇女"]) == (60, 35)
    assert (hongyuan["线上触达人次"], hongyuan["筛查人数"]) == (0, 32)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is missing")
def test_the_pdf_summary_gives_the_aba_event_its_head_count_and_groups_of_it(seeded, tmp_path):
    campaign, aba, reviewer = _seeded_aba()
    job = _seeded_export(Job.Kind.COVERAGE_SUMMARY, aba, reviewer, campaign)
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(job.result.read())

    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout

    lines = text.splitlines()
    labels = next(number for number, line in enumerate(lines) if "线上触达人次" in line)
    values = next(
        line for line in lines[labels + 1 :] if line.split() and line.split()[0].isdigit()
    )
    assert values.split()[:3] == ["1", "80", "0"]  # one event; 80 came; nothing online
    hongyuan = [line.split() for line in lines if line.split()[:1] == ["红原支公司"]]
    # The activity table (head count 80, screened 32), then the groups: 60 herders, 35 women.
    assert "80" in hongyuan[0]
    assert hongyuan[1][1:] == ["0", "0", "35", "0", "60", "0", "0", "0", "0", "0", "0"]
    assert "95" not in " ".join(hongyuan[0] + hongyuan[1])


def test_demo_users_see_their_own_subtree(seeded):
    aba = User.objects.get(username="aba-organizer")
    hunan = User.objects.get(username="hn-reviewer")
    hq = User.objects.get(username="hq-reviewer")
    story = Event.objects.filter(campaign__name__contains="宣传周")

    def units_seen(user, events) -> set[str]:
        return set(
            events.filter(pk__in=visible_to(user, Event)).values_list("org_unit__code", flat=True)
        )

    assert units_seen(aba, story) == {"SC-ABA", "SC-ABA-HY"}
    assert units_seen(hunan, story) == {"HN-CS"}
    # The demo reception days of the measures register are scoped the same way.
    assert units_seen(hunan, Event.objects.all()) == {"HN", "HN-CS"}
    assert visible_to(hq, Event).count() == Event.objects.count()


def test_demo_users_cover_every_role_at_four_units(seeded):
    pairs = set(Membership.objects.values_list("org_unit__code", "role"))
    assert pairs == {
        (unit, role) for unit in ("HQ", "SC", "SC-ABA", "HN") for role in Membership.Role.values
    }
    assert User.objects.get(username="aba-organizer").check_password(seeded.demo_password)


def test_the_demo_native_reader_reads_tibetan_and_is_the_only_one(seeded):
    reader = User.objects.get(username="aba-native-reader")
    assert list(User.objects.filter(is_native_reader=True)) == [reader]
    assert list(reader.memberships.values_list("org_unit__code", "role")) == [
        ("SC-ABA", Membership.Role.TRANSLATOR)
    ]
    assert reader.check_password(seeded.demo_password)
    assert ("aba-native-reader", reader.memberships.get().org_unit.name) in {
        (username, unit) for username, unit, _role in seeded.demo_users
    }


HANDOUTS = {
    "金融消费者八项基本权利": ("HQ", "eight_rights", "a5_leaflet"),
    "反诈宣传折页：以案说险": ("HQ", "anti_fraud", "a4_trifold"),
    "妇女“两癌”免费筛查通知": ("SC", "other", "a3_poster"),
}
EIGHT_RIGHTS = [
    "财产安全权",
    "知情权",
    "自主选择权",
    "公平交易权",
    "依法求偿权",
    "受教育权",
    "受尊重权",
    "信息安全权",
]
# Tibetan script, plus what a handout needs around it: spaces, newlines, Arabic digits (phone
# numbers) and ASCII punctuation (the blanks to fill in, times).
TIBETAN_TEXT = re.compile(r"[\u0F00-\u0FFF \n0-9!-/:-@\[-`{-~]*")


def test_the_three_handouts_load_as_approved_first_editions(seeded):
    materials = {
        m.title_zh: (m.org_unit.code, m.topic, m.kind)
        for m in Material.objects.select_related("org_unit")
    }
    assert materials == HANDOUTS
    editions = MaterialEdition.objects.filter(material__title_zh__in=HANDOUTS)
    assert sorted(editions.values_list("number", "status")) == [(1, "approved")] * 3
    assert not editions.filter(approved_at__isnull=True).exists()
    for edition in editions:
        kinds = list(edition.blocks.values_list("kind", flat=True))
        assert kinds[0] == "heading"
        assert {"paragraph", "callout", "qr_code"} <= set(kinds)


def test_the_eight_rights_leaflet_explains_each_right_and_fits_a5(seeded):
    edition = MaterialEdition.objects.get(material__title_zh="金融消费者八项基本权利")
    (rights,) = edition.blocks.filter(kind="list")
    lines = rights.text_zh.splitlines()
    assert [line.split("：")[0] for line in lines] == EIGHT_RIGHTS
    assert len(rights.text_bo.splitlines()) == 8
    callout = edition.blocks.get(kind="callout")
    assert "12378" in callout.text_zh
    assert "12378" in callout.text_bo
    assert 350 <= sum(len(block.text_zh) for block in edition.blocks.all()) <= 500


def test_every_seeded_edition_and_block_needs_native_review(seeded):
    assert MaterialEdition.objects.count() == 3
    assert not MaterialEdition.objects.filter(needs_native_review=False).exists()
    assert EditionBlock.objects.count() > 3 * 4
    assert not EditionBlock.objects.filter(needs_native_review=False).exists()


def test_every_text_block_has_chinese_and_tibetan_and_the_qr_code_none(seeded):
    for block in EditionBlock.objects.all():
        if block.kind == EditionBlock.Kind.QR_CODE:
            assert (block.text_zh, block.text_bo) == ("", "")
        else:
            assert block.text_zh.strip(), block
            assert block.text_bo.strip(), block
            assert len(block.text_zh.splitlines()) == len(block.text_bo.splitlines()), block


def _tibetan_texts():
    for material in Material.objects.all():
        yield material.title_zh, material.title_bo
    for block in EditionBlock.objects.select_related("edition__material"):
        yield f"{block.edition.material.title_zh} #{block.position}", block.text_bo


def test_seeded_tibetan_uses_tibetan_script_with_tsheg_and_shad(seeded):
    for where, text in _tibetan_texts():
        assert TIBETAN_TEXT.fullmatch(text), where
        assert "." not in text, where  # a sentence ends with a shad, never a full stop
        assert "་་" not in text, where
        # After ང a tsheg comes before the shad (ང་།); after any other letter it does not.
        assert not re.search(r"ང།|[^ང]་།", text), where
        # No shad straight after ཀ or ག: the clause ends with the letter alone.
        assert not re.search(r"[ཀག]།", text), where
        # Syllables are joined by a tsheg, so no line ends in the middle of one.
        assert not any(line.endswith("་") for line in text.splitlines()), where
        if text and text[-1] not in "_0123456789":
            assert text.endswith("།"), where


def _handout_rows():
    return (
        list(Material.objects.values_list("pk", "org_unit__code", "title_zh", "title_bo")),
        list(MaterialEdition.objects.values_list("pk", "material_id", "number", "status")),
        list(
            EditionBlock.objects.values_list(
                "pk", "edition_id", "position", "kind", "text_zh", "text_bo", "version"
            )
        ),
    )


def test_reloading_the_handouts_twice_gives_the_same_rows(seeded):
    before = _handout_rows()
    materials_load()
    materials_load()
    assert _handout_rows() == before


def test_reloading_replaces_the_blocks_of_edition_one(seeded):
    edition = MaterialEdition.objects.get(material__title_zh="反诈宣传折页：以案说险")
    count = edition.blocks.count()
    heading = edition.blocks.get(position=1)
    EditionBlock.objects.filter(pk=heading.pk).update(text_bo="", needs_native_review=False)
    EditionBlock.objects.create(edition=edition, position=count + 1, kind="paragraph")
    MaterialEdition.objects.filter(pk=edition.pk).update(needs_native_review=False)

    editions = materials_load()

    assert editions["反诈宣传折页：以案说险"] == edition
    edition.refresh_from_db()
    assert edition.needs_native_review
    assert edition.blocks.count() == count
    restored = edition.blocks.get(position=1)
    assert (restored.pk, restored.text_bo, restored.needs_native_review) == (
        heading.pk,
        heading.text_bo,
        True,
    )
    assert restored.version == heading.version + 1


def test_a_purge_run_removes_the_seeded_old_sign_ins_and_leaves_an_audit_entry(seeded):
    assert SignIn.objects.count() == 3
    output = io.StringIO()

    call_command("purge_expired", stdout=output)

    assert list(SignIn.objects.values_list("name", flat=True)) == ["示例·央金"]
    assert "campaigns.signin: 2 deleted" in output.getvalue()
    entry = AuditEntry.objects.get(action="campaigns.signin.purged")
    assert entry.data["count"] == 2
    assert "卓玛" not in str(entry.data)
    assert "13800000001" not in str(entry.data)


def test_loading_the_seeds_again_keeps_a_native_readers_tibetan_name(seeded):
    hongyuan = Region.objects.get(code="513233")
    hongyuan.name_bo = "རྨ་ཐང་རྫོང་།"
    hongyuan.name_bo_needs_review = False
    hongyuan.name_bo_reviewed_at = timezone.now()
    hongyuan.save()

    seeds_load(demo_users=False)

    hongyuan.refresh_from_db()
    assert (hongyuan.name_bo, hongyuan.name_bo_needs_review) == ("རྨ་ཐང་རྫོང་།", False)


def test_a_production_load_has_no_demo_figures(db):
    seeds_load(demo_users=False)

    assert not MeasureReturn.objects.exists()
    assert not Event.objects.filter(
        format="gm_reception_day", campaign__name__contains="示例"
    ).exists()
    assert Measure.objects.count() == 7  # the catalogue is reference data
