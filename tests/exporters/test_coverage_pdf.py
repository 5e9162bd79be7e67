"""The coverage summary job: an A4 PDF with the per-unit tables and charts, read by poppler."""

import shutil
import subprocess
from pathlib import Path

import pytest

from campaigns.models import Job
from tests.regulator_world import (
    export_job_run,
    regulator_world_fixture,  # noqa: F401
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("pdfinfo") is None, reason="poppler-utils (pdfinfo, pdftotext) is missing"
    ),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _summary_pdf(world, tmp_path, *, owner=None, unit="hq", **params) -> Path:
    job = export_job_run(world, Job.Kind.COVERAGE_SUMMARY, owner=owner, unit=unit, **params)
    assert job.result.name.endswith(".pdf")
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(job.result.read())
    return pdf


def _poppler(*command) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


def test_the_summary_is_an_a4_pdf_naming_the_campaign_and_its_units(regulator_world, tmp_path):
    pdf = _summary_pdf(regulator_world, tmp_path)

    info = _poppler("pdfinfo", str(pdf))
    page_size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    assert page_size.split(":", 1)[1].split() == ["595.276", "x", "841.89", "pts", "(A4)"]
    text = _poppler("pdftotext", "-layout", str(pdf), "-")
    assert regulator_world.campaign.name in text
    assert {"四川分公司", "湖南分公司", "合计"} <= set(text.split())
    assert "第 1 页，共" in text


def test_the_summary_keeps_head_counts_and_online_reach_apart(regulator_world, tmp_path):
    text = _poppler("pdftotext", "-layout", str(_summary_pdf(regulator_world, tmp_path)), "-")

    lines = text.splitlines()
    labels = next(number for number, line in enumerate(lines) if "线上触达人次" in line)
    values = next(
        line for line in lines[labels + 1 :] if line.split() and line.split()[0].isdigit()
    )
    # The key figures: 4 events; 120 came to the in-person ones, the livestream reached 500.
    assert lines[labels].split()[:3] == ["活动（场）", "线下参加人数", "线上触达人次"]
    assert values.split()[:3] == ["4", "120", "500"]
    flat = "".join(text.split())
    assert "触达人数" not in flat
    # The audience groups are "of whom" the head count, and say they do not add up.
    assert "线下参加人数中：各类受众人数" in flat
    assert "一人可同时属于几类受众" in flat
    assert "线下参加人数中各类受众的人数（人，一人可属几类，不相加）" in flat


def test_the_summary_hides_small_screening_figures_and_the_totals_over_them(
    regulator_world, tmp_path
):
    text = _poppler("pdftotext", "-layout", str(_summary_pdf(regulator_world, tmp_path)), "-")

    totals = next(line for line in text.splitlines() if line.split()[:1] == ["合计"])
    sichuan = next(line for line in text.splitlines() if line.split()[:1] == ["四川分公司"])
    hunan = next(line for line in text.splitlines() if line.split()[:1] == ["湖南分公司"])
    # Sichuan's 3 screened and 1 referred are "<5"; totals less Hunan's exact 30 and 8
    # would give them back, so the totals are hidden.
    assert sichuan.split().count("<5") == 2
    assert {"30", "8"} <= set(hunan.split())
    assert totals.split().count("×") == 2
    assert "对照上下级机构的统计表" in "".join(text.split())


def test_the_summary_hides_small_screening_figures_and_other_branches(regulator_world, tmp_path):
    pdf = _summary_pdf(
        regulator_world, tmp_path, owner=regulator_world.branch_reviewer, unit="branch_a"
    )

    text = _poppler("pdftotext", "-layout", str(pdf), "-")
    assert "阿坝中心支公司" in text
    sub_branch = next(line for line in text.splitlines() if "阿坝中心支公司" in line)
    totals = next(line for line in text.splitlines() if line.split()[:1] == ["合计"])
    assert sub_branch.split().count("<5") == 2
    # The only figures under the branch that are not 0: its totals are "<5" too, as the
    # branch's row on headquarters' summary.
    assert totals.split().count("<5") == 2
    assert "湖南分公司" not in text


def test_tibetan_names_are_drawn_in_noto_serif_tibetan(regulator_world, tmp_path):
    sub = regulator_world.units["central_a"]
    sub.name = "རྔ་བ་ ཀྲུང་ཞིན་ཡན་ལག་ཀུང་སི།"
    sub.save()

    pdf = _summary_pdf(
        regulator_world, tmp_path, owner=regulator_world.branch_reviewer, unit="branch_a"
    )

    fonts = _poppler("pdffonts", str(pdf))
    assert "Noto-Sans-CJK-SC" in fonts
    assert "Noto-Serif-Tibetan" in fonts


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is missing")
def test_the_first_page_is_rendered_for_a_person_to_look_at(regulator_world, tmp_path):
    pdf = _summary_pdf(regulator_world, tmp_path, include_reported=True)
    ARTIFACTS.mkdir(exist_ok=True)

    _poppler("pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / "coverage-summary"))

    assert (ARTIFACTS / "coverage-summary-1.png").stat().st_size > 10_000
