"""Starting the regulator sheet and the coverage summary from the coverage page."""

import pytest
from django.urls import reverse

from campaigns.models import Job
from tests.downloads import attachment_name
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
