"""The regulator sheet job: its workbook as openpyxl and as LibreOffice read it."""

import pytest
from openpyxl import load_workbook

from campaigns.exporters.disclosure import SMALL_COUNT, small_count_shown
from campaigns.exporters.regulator import SCREENING_NOTE
from campaigns.models import Job
from tests.libreoffice import SOFFICE, libreoffice_csv
from tests.regulator_world import (
    export_job_run,
    regulator_world_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db


def _run(world, **arguments) -> Job:
    return export_job_run(world, Job.Kind.REGULATOR_SHEET, **arguments)


def _rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _summary_rows(workbook) -> dict[str, dict]:
    """The units' rows (and the totals) of the summary sheet, by the first column."""
    rows = _rows(workbook["统计表"])
    headers = rows[2]
    units = rows[3 : [row[0] for row in rows].index("合计") + 1]  # the note follows
    return {row[0]: dict(zip(headers, row, strict=True)) for row in units}


def test_the_sheet_has_a_row_per_branch_and_bold_totals(regulator_world):
    job = _run(regulator_world)

    workbook = load_workbook(job.result.open("rb"))
    assert workbook.sheetnames == ["统计表", "消保举措", "活动明细"]
    summary = workbook["统计表"]
    assert regulator_world.campaign.name in summary["A1"].value
    assert summary["A2"].value == "活动日期：不限；仅统计已通过的活动"
    assert summary.freeze_panes == "A4"
    rows = _summary_rows(workbook)
    assert list(rows) == ["四川分公司", "湖南分公司", "合计"]
    assert rows["湖南分公司"]["其中：农牧民"] == 60
    assert rows["合计"]["发放宣传资料（份）"] == 200
    assert rows["合计"]["覆盖县（区）数"] == 4
    assert summary.cell(row=6, column=1).font.b
    assert summary.cell(row=6, column=6).data_type == "n"  # numbers stay numbers


def test_head_counts_and_online_reach_are_apart_and_the_groups_are_of_whom(regulator_world):
    rows = _summary_rows(load_workbook(_run(regulator_world).result.open("rb")))

    # Sichuan: 35 came to the village event (30 women, 10 elderly) and 25 to the school talk
    # (20 students); its livestream reached 500. No column adds the groups, or reach to
    # head counts.
    sichuan = rows["四川分公司"]
    assert (sichuan["线下参加人数"], sichuan["线上触达人次"]) == (60, 500)
    assert (sichuan["其中：妇女"], sichuan["其中：老年人"], sichuan["其中：青少年和学生"]) == (
        30,
        10,
        20,
    )
    assert (rows["合计"]["线下参加人数"], rows["合计"]["线上触达人次"]) == (120, 500)
    headers = list(sichuan)
    assert not any("合计" in header or header == "触达人数" for header in headers)
    groups = [header for header in headers if header.startswith("其中：")]
    assert len(groups) == 11
    assert headers.index("线下参加人数") + 1 == headers.index(groups[0])


def test_the_sheet_says_the_groups_are_part_of_the_head_count_and_overlap(regulator_world):
    summary = load_workbook(_run(regulator_world).result.open("rb"))["统计表"]

    notes = [row[0] for row in _rows(summary) if row[0] and "线下参加人数为" in row[0]]
    assert len(notes) == 1
    assert "一人可同时属于几类受众" in notes[0]
    assert "不应相加" in notes[0]
    assert "与线下参加人数分列" in notes[0]


def test_screening_figures_from_one_to_four_are_shown_as_less_than_five(regulator_world):
    rows = _summary_rows(load_workbook(_run(regulator_world).result.open("rb")))

    assert (rows["四川分公司"]["筛查人数"], rows["四川分公司"]["转诊人数"]) == ("<5", "<5")


def test_a_total_over_a_hidden_figure_is_hidden_and_the_other_rows_stay_exact(regulator_world):
    rows = _summary_rows(load_workbook(_run(regulator_world).result.open("rb")))

    # Totals (33, 9) less Hunan's 30 and 8 would give Sichuan's 3 and 1 back.
    assert (rows["湖南分公司"]["筛查人数"], rows["湖南分公司"]["转诊人数"]) == (30, 8)
    assert (rows["合计"]["筛查人数"], rows["合计"]["转诊人数"]) == ("×", "×")


def test_a_unit_shows_the_same_on_its_own_sheet_as_on_its_parents(regulator_world):
    hq = _summary_rows(load_workbook(_run(regulator_world).result.open("rb")))
    job = _run(regulator_world, owner=regulator_world.branch_reviewer, unit="branch_a")

    rows = _summary_rows(load_workbook(job.result.open("rb")))

    # The branch's own school talk had no screening; its sub-branch screened 3, referred 1,
    # the only figures under the branch that are not 0: its total is "<5" as on HQ's sheet.
    assert (rows["四川分公司"]["筛查人数"], rows["四川分公司"]["转诊人数"]) == (0, 0)
    assert (rows["阿坝中心支公司"]["筛查人数"], rows["阿坝中心支公司"]["转诊人数"]) == ("<5", "<5")
    assert (rows["合计"]["筛查人数"], rows["合计"]["转诊人数"]) == ("<5", "<5")
    assert (hq["四川分公司"]["筛查人数"], hq["四川分公司"]["转诊人数"]) == ("<5", "<5")


def test_the_sheet_says_how_its_figures_were_hidden_below_the_table(regulator_world):
    summary = load_workbook(_run(regulator_world).result.open("rb"))["统计表"]

    notes = [row[0] for row in _rows(summary) if row[0] and row[0].startswith("筛查、转诊人数")]
    assert notes == [SCREENING_NOTE]
    assert "对照上下级机构的统计表" in notes[0]
    assert "1 至 4 都仍有可能" in notes[0]


@pytest.mark.parametrize(
    ("count", "shown"),
    [(None, None), (0, 0), (1, SMALL_COUNT), (4, SMALL_COUNT), (5, 5), (30, 30)],
)
def test_only_one_to_four_are_hidden(count, shown):
    assert small_count_shown(count) == shown


def test_a_branch_reviewers_sheet_holds_only_their_subtree(regulator_world):
    job = _run(regulator_world, owner=regulator_world.branch_reviewer, unit="branch_a")

    workbook = load_workbook(job.result.open("rb"))
    cells = {str(v) for sheet in workbook for row in _rows(sheet) for v in row if v is not None}
    assert {"四川分公司", "阿坝中心支公司", "红原牧区金融知识宣讲"} <= cells
    assert not cells & {"湖南分公司", "长沙中心支公司", "=1+1", "芙蓉区"}
    assert job.result.name.endswith("监管统计表-2025年315消费者权益保护教育宣传周-四川分公司.xlsx")


def test_the_events_sheet_lists_each_counted_event_with_the_filters_applied(regulator_world):
    job = _run(regulator_world, channel="offline", include_reported=True)

    workbook = load_workbook(job.result.open("rb"))
    events = _rows(workbook["活动明细"])
    assert events[0][:4] == ["活动名称", "机构", "县（区）代码", "县（区）"]
    titles = [row[0] for row in events[1:]]
    assert sorted(titles) == sorted(
        ["若尔盖校园讲座", "红原牧区金融知识宣讲", "待审核的活动", "=1+1"]
    )
    village = next(row for row in events if row[0] == "红原牧区金融知识宣讲")
    assert village[4:12] == ["是", None, None, "乡村/农牧区", "讲座", "线下", village[10], "已通过"]
    assert events[0][12:14] == ["线下参加人数", "线上触达人次"]
    assert village[12:14] == [35, None]
    assert workbook["活动明细"]["A2"].data_type == "s"
    assert "渠道：线下" in workbook["统计表"]["A2"].value
    assert workbook["统计表"]["A2"].value.endswith("统计已通过和已上报的活动")
    assert job.progress == 100


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (Debian's libreoffice-calc) is missing")
def test_libreoffice_reads_headers_figures_totals_and_formula_like_text_as_text(
    regulator_world, tmp_path
):
    job = _run(regulator_world)
    xlsx = tmp_path / "sheet.xlsx"
    xlsx.write_bytes(job.result.read())

    sheets = libreoffice_csv(xlsx, tmp_path)

    summary, events = sheets["统计表"], sheets["活动明细"]
    assert summary[2][:6] == [
        "机构",
        "线上活动数",
        "线下活动数",
        "参与网点数",
        "参与人员数",
        "线下参加人数",
    ]
    assert summary[2][6:17] == [
        "其中：老年人",
        "其中：青少年和学生",
        "其中：妇女",
        "其中：少数民族",
        "其中：农牧民",
        "其中：新市民",
        "其中：外出务工人员",
        "其中：残障人士",
        "其中：在华外籍人士",
        "其中：企业职工",
        "其中：其他",
    ]
    assert summary[2][17:] == [
        "线上触达人次",
        "发放宣传资料（份）",
        "合作服务（次）",
        "筛查人数",
        "转诊人数",
        "覆盖县（区）数",
        "覆盖特殊地区县（区）数",
    ]
    by_unit = {row[0]: row for row in summary[3:]}
    assert by_unit["四川分公司"][:6] == ["四川分公司", "1", "2", "3", "10", "60"]
    assert by_unit["四川分公司"][17] == "500"
    assert by_unit["四川分公司"][20:22] == ["<5", "<5"]
    assert by_unit["湖南分公司"][20:22] == ["30", "8"]
    assert by_unit["合计"][:6] == ["合计", "1", "3", "7", "16", "120"]
    assert by_unit["合计"][20:22] == ["×", "×"]
    assert by_unit["合计"][-2:] == ["4", "2"]
    titles = [row[0] for row in events[1:]]
    assert "=1+1" in titles
    assert "2" not in titles
