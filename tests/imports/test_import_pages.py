"""The import page: template download, upload, the job and the sheet it hands back."""

import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.imports.events_sheet import column_labels
from campaigns.imports.jobs import PROBLEMS_SHOWN
from campaigns.imports.sheets import MAX_UPLOAD_BYTES
from campaigns.models import AuditEntry, Event, Job
from tests.downloads import attachment_name
from tests.imports.test_events_import import GOOD, sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(user)
        return client

    return sign_in


def _upload(client, world, data: bytes, name="events.xlsx", **fields):
    return client.post(
        reverse("events_import", args=[world.units["central_a"].pk]),
        {"campaign": world.campaign.pk, "sheet": SimpleUploadedFile(name, data), **fields},
    )


def test_the_template_downloads_with_the_units_counties(signed_in, world):
    response = signed_in(world.organizer).get(
        reverse("events_import_template", args=[world.units["central_a"].pk])
    )
    assert attachment_name(response) == f"活动导入模板-{world.units['central_a'].name}.xlsx"
    book = load_workbook(io.BytesIO(response.content))
    assert [cell.value for cell in book["选项"]["E"] if cell.value][1:] == ["513233 红原县"]


def test_the_templates_own_county_choices_are_read_back_by_the_import(
    signed_in, world, django_capture_on_commit_callbacks
):
    client = signed_in(world.organizer)
    template = client.get(reverse("events_import_template", args=[world.units["central_a"].pk]))
    choices = [cell.value for cell in load_workbook(io.BytesIO(template.content))["选项"]["E"]]
    choice = choices[1]
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, world, sheet(GOOD | {"county": choice}))
    assert Job.objects.get(kind=Job.Kind.EVENTS_IMPORT).status == Job.Status.SUCCEEDED
    assert Event.objects.get(external_ref="HY-2024-001").county == world.county


def test_a_clean_sheet_is_imported_by_a_job(signed_in, world, django_capture_on_commit_callbacks):
    client = signed_in(world.organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, world, sheet(GOOD))
    job = Job.objects.get(kind=Job.Kind.EVENTS_IMPORT)
    assert response.url == reverse("job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.message == "1 events added, 0 updated. No report was sent for review."
    assert Event.objects.get(external_ref="HY-2024-001").status == Event.Status.PLANNED
    assert not any(settings.MEDIA_ROOT.joinpath("imports").glob("*.xlsx"))  # upload removed
    page = client.get(response.url).content.decode()
    assert "1 events added, 0 updated. No report was sent for review." in page
    assert "<progress" not in page
    import_page = reverse("events_import", args=[world.units["central_a"].pk])
    assert f'<a href="{import_page}">← Back to the import page</a>' in page


def test_a_faulty_sheet_comes_back_with_its_problems_and_saves_nothing(
    signed_in, world, django_capture_on_commit_callbacks
):
    client = signed_in(world.organizer)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, world, sheet(GOOD | {"audience_women": "很多"}))
    job = Job.objects.get(kind=Job.Kind.EVENTS_IMPORT)
    assert job.status == Job.Status.REFUSED
    assert job.message == "1 problem found; nothing was saved. The sheet lists it."
    download = client.get(reverse("job_download", args=[job.pk]))
    listing = load_workbook(io.BytesIO(b"".join(download.streaming_content)))["问题清单"]
    assert listing["B2"].value == 3
    assert not Event.objects.filter(external_ref="HY-2024-001").exists()


def test_a_file_that_is_no_workbook_is_refused_next_to_the_field(signed_in, world):
    response = _upload(signed_in(world.organizer), world, b"title,date\n", name="events.xlsx")
    assert "This is not an Excel workbook (.xlsx)." in response.content.decode()
    assert not Job.objects.exists()


def test_a_file_too_large_is_refused_next_to_the_field_and_not_kept(signed_in, world):
    too_large = b"PK\x03\x04" + b"\0" * MAX_UPLOAD_BYTES
    response = _upload(signed_in(world.organizer), world, too_large)
    assert "The file is larger than 10 MB; split the sheet." in response.content.decode()
    assert not Job.objects.exists()
    assert not any(settings.MEDIA_ROOT.joinpath("imports").glob("*"))


def test_an_upload_is_in_the_audit_log_with_its_file_and_campaign(signed_in, world):
    response = _upload(signed_in(world.organizer), world, sheet(GOOD), name="红原三月.xlsx")
    job = Job.objects.get(kind=Job.Kind.EVENTS_IMPORT)
    assert response.url == reverse("job_detail", args=[job.pk])
    entry = AuditEntry.objects.get(action="campaigns.job.events_sheet_uploaded")
    assert (entry.actor, entry.object_id, entry.org_unit) == (
        world.organizer,
        str(job.pk),
        world.units["central_a"],
    )
    assert (entry.data["file"], entry.data["campaign"], entry.data["submitted"]) == (
        "红原三月.xlsx",
        world.campaign.pk,
        False,
    )


def test_a_translator_cannot_open_the_import_page(signed_in, world):
    url = reverse("events_import", args=[world.units["central_a"].pk])
    assert signed_in(world.translator).get(url).status_code == 403


def test_another_branch_gets_404(signed_in, world):
    url = reverse("events_import", args=[world.units["central_a"].pk])
    assert signed_in(world.other_organizer).get(url).status_code == 404


def test_the_submit_box_is_offered_and_off_by_default(signed_in, world):
    response = signed_in(world.organizer).get(
        reverse("events_import", args=[world.units["central_a"].pk])
    )
    page = response.content.decode()
    assert "Submit these reports for review" in page
    box = re.search(r'<input type="checkbox" name="submit"[^>]*>', page).group(0)
    assert "checked" not in box


def test_ticking_submit_sends_the_reports_and_the_job_says_so(
    signed_in, world, django_capture_on_commit_callbacks
):
    client = signed_in(world.organizer)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, world, sheet(GOOD), name="红原三月.xlsx", submit="on")
    job = Job.objects.get(kind=Job.Kind.EVENTS_IMPORT)
    assert job.message == "1 events added, 0 updated. 1 report sent for review."
    event = Event.objects.get(external_ref="HY-2024-001")
    assert event.status == Event.Status.REPORTED
    created = AuditEntry.objects.get(action="campaigns.event.import_created")
    assert (created.object_id, created.data["file"]) == (str(event.pk), "红原三月.xlsx")


def test_a_refused_import_is_its_own_outcome_listing_its_first_problems(
    signed_in, world, django_capture_on_commit_callbacks
):
    client = signed_in(world.organizer)
    faults = [GOOD | {"external_ref": f"R{n}", "audience_women": "很多"} for n in range(25)]
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, world, sheet(*faults))
    job = Job.objects.get(kind=Job.Kind.EVENTS_IMPORT)

    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()

    assert job.status == Job.Status.REFUSED
    assert "Checked: 25 problems, nothing saved." in page
    assert "succeeded" not in page
    assert page.count("A whole number of 0 or more, or empty if not counted.") == PROBLEMS_SHOWN
    women = column_labels()["audience_women"]
    assert f"<td>3</td><td>{women}</td>" in page
    assert "and 5 more, in the marked workbook." in page
    assert reverse("job_download", args=[job.pk]) in page
    assert "<progress" not in page
    assert reverse("events_import", args=[world.units["central_a"].pk]) in page
    listing = client.get(reverse("job_list")).content.decode()
    assert "checked: nothing saved" in listing
    assert reverse("job_download", args=[job.pk]) in listing
