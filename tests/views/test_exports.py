"""Starting the regulator sheet and the coverage summary from the coverage page."""

import html
import re

import pytest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.models import Job
from tests.downloads import attachment_name
from tests.printing.pdf_tools import pdf_page_count
from tests.regulator_world import export_job_run, regulator_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _signed_in_url(client, world, *, unit="branch_a", kind="regulator_sheet", campaign=None):
    """The export's address, with the client signed in as branch A's reviewer."""
    client.force_login(world.branch_reviewer)
    campaign_pk = campaign or world.campaign.pk
    return reverse("coverage_export_start", args=[campaign_pk, world.units[unit].pk, kind])


@pytest.mark.parametrize("kind", ["regulator_sheet", "coverage_summary"])
def test_an_export_starts_a_job_with_the_pages_filters_and_shows_its_progress(
    client, regulator_world, kind, django_capture_on_commit_callbacks
):
    url = _signed_in_url(client, regulator_world, kind=kind)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"starts_on": "2025-03-01", "channel": "offline", "include_reported": "on"}
        )

    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("job_detail", args=[job.pk])
    assert (job.kind, job.owner, job.org_unit) == (
        kind,
        regulator_world.branch_reviewer,
        regulator_world.units["branch_a"],
    )
    assert job.params == {
        "campaign_id": regulator_world.campaign.pk,
        "include_reported": True,
        "starts_on": "2025-03-01",
        "channel": "offline",
    }
    assert (job.status, job.error_code) == ("succeeded", "")


def _ready_words(job: Job, folder) -> str:
    """What the finished job should say, counted from the file it made."""
    if job.kind == "coverage_summary":
        pdf = folder / "summary.pdf"
        pdf.write_bytes(job.result.read())
        return f"PDF ready: {pdf_page_count(pdf)} pages, {filesizeformat(pdf.stat().st_size)}."
    book = load_workbook(job.result.open("rb"))
    units = book["统计表"].max_row - 3 - 1 - 3  # header rows, totals, the empty row and notes
    events = book["活动明细"].max_row - 1
    return f"Regulator sheet ready: {units} units, {events} events counted."


@pytest.mark.parametrize("kind", ["regulator_sheet", "coverage_summary"])
def test_a_finished_export_says_what_it_made_and_leads_back_to_the_filtered_page(
    client, regulator_world, kind, settings, tmp_path, django_capture_on_commit_callbacks
):
    url = _signed_in_url(client, regulator_world, kind=kind)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    filters = {"starts_on": "2025-03-01", "channel": "offline", "include_reported": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, filters)
    page = client.get(response.url).content.decode()

    assert _ready_words(Job.objects.get(), tmp_path) in page
    assert "<progress" not in page
    back = re.search(r'<p class="job-origin"><a href="([^"]+)">← Back to the coverage page', page)
    again = client.get(html.unescape(back.group(1)))
    assert again.status_code == 200
    chosen = again.context["form"].cleaned_data
    assert (chosen["starts_on"].isoformat(), chosen["channel"]) == ("2025-03-01", "offline")
    assert chosen["include_reported"] is True


@pytest.mark.parametrize(
    ("unit", "kind", "campaign"),
    [
        ("branch_b", "regulator_sheet", None),  # another branch: as if it did not exist
        ("hq", "coverage_summary", None),  # above the reviewer's unit
        ("branch_a", "events_export", None),  # not a coverage export
        ("branch_a", "regulator_sheet", 999_999),  # no such campaign
    ],
)
def test_an_export_out_of_scope_or_of_nothing_is_404_without_a_job(
    client, regulator_world, unit, kind, campaign
):
    url = _signed_in_url(client, regulator_world, unit=unit, kind=kind, campaign=campaign)

    assert client.post(url).status_code == 404
    assert not Job.objects.exists()


def test_an_export_with_a_malformed_filter_is_refused_without_a_job(client, regulator_world):
    url = _signed_in_url(client, regulator_world)

    response = client.post(url, {"starts_on": "next tuesday", "venue_type": "moon"})

    assert response.status_code == 400
    assert not Job.objects.exists()


def test_an_export_is_started_by_post_only_and_signed_in(client, regulator_world):
    url = _signed_in_url(client, regulator_world)

    assert client.get(url).status_code == 405
    client.logout()
    response = client.post(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("kind", "prefix", "extension"),
    [
        ("regulator_sheet", "监管统计表", "xlsx"),
        ("coverage_summary", "覆盖情况摘要", "pdf"),
    ],
)
def test_an_export_downloads_with_the_campaigns_and_units_names_in_full(
    client, regulator_world, kind, prefix, extension
):
    campaign = regulator_world.campaign
    campaign.name = "2025年3·15消费者权益保护教育宣传周 “金融知识进万家”/四川藏区专场"
    campaign.save()
    job = export_job_run(
        regulator_world, kind, owner=regulator_world.branch_reviewer, unit="branch_a"
    )
    client.force_login(regulator_world.branch_reviewer)

    response = client.get(reverse("job_download", args=[job.pk]))

    assert attachment_name(response) == (
        f"{prefix}-2025年3·15消费者权益保护教育宣传周 “金融知识进万家”_四川藏区专场-四川分公司"
        f".{extension}"
    )
