"""Files on an S3-compatible server (moto's, started by tests/storage/conftest.py): written by
one process and read by another, downloads checked by the portal before a signed URL is
handed out, and a retried job that replaces its file."""

import datetime as dt
import io
import os
import subprocess
import sys
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from campaigns.models import Job, PrintRun
from campaigns.pdf import RenderedPdf
from campaigns.printing import jobs as print_jobs
from campaigns.services.imports import events_import_request
from campaigns.services.jobs import job_execute
from campaigns.services.print_runs import print_run_order
from tests import factories as f
from tests.downloads import attachment_name
from tests.imports.test_events_import import GOOD, sheet
from tests.jobs.real_worker import database_url
from tests.printing.conftest import leaflet_edition

SIGNATURE = "X-Amz-Signature"


def _fetch(url: str):
    """What a browser gets from the S3-compatible server at ``url``: (headers, bytes)."""
    assert url.startswith("http://127.0.0.1:"), url  # the test's own server, nowhere else
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310
        return answer.headers, answer.read()


def _signed_url_of(response) -> str:
    """The signed URL a download redirects to, after checking that it expires soon."""
    assert response.status_code == 302, response.status_code
    assert response["Cache-Control"] == "no-store"
    url = response["Location"]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert SIGNATURE in query
    return url


def _refused_without_a_link(response) -> None:
    assert response.status_code == 404
    assert not response.has_header("Location")
    assert SIGNATURE.encode() not in response.content
    assert settings.STORAGES["default"]["OPTIONS"]["endpoint_url"].encode() not in response.content


@pytest.fixture
def branch_a_organizer(org_tree):
    return f.MembershipFactory(org_unit=org_tree["branch_a"]).user


@pytest.fixture
def branch_b_organizer(org_tree):
    return f.MembershipFactory(org_unit=org_tree["branch_b"]).user


def _worker_process(job_id: int, environ: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the job in a process of its own, as a worker on another machine would, against
    the test's database and S3-compatible server (and no local disk of the test's)."""
    command = f"from campaigns.services.jobs import job_execute; job_execute(job_id={job_id})"
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("STORAGE_")},
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_ENV": "test",
        "DATABASE_URL": database_url(),
        "DJANGO_MEDIA_ROOT": "/nonexistent/worker-media",
        **environ,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", command],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_an_export_written_by_a_worker_process_is_downloaded_through_the_web_process(
    s3, client, org_tree, branch_a_organizer
):
    f.EventFactory(org_unit=org_tree["branch_a"])
    job = f.JobFactory(
        kind="events_export", owner=branch_a_organizer, org_unit=org_tree["branch_a"]
    )

    worker = _worker_process(job.pk, s3.environ)

    assert worker.returncode == 0, worker.stderr
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert s3.stored_keys() == [job.result.name]
    client.force_login(branch_a_organizer)
    response = client.get(reverse("job_download", args=[job.pk]))
    headers, content = _fetch(_signed_url_of(response))
    assert attachment_name(headers) == job.download_name
    assert headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert content == s3.client.get_object(Bucket=s3.bucket, Key=job.result.name)["Body"].read()
    assert load_workbook(job.result.open("rb")).active.max_row == 2  # a heading, one event


def test_an_export_of_another_branch_is_refused_without_a_signed_url(
    s3, client, org_tree, branch_a_organizer, branch_b_organizer
):
    job = f.JobFactory(owner=branch_a_organizer, org_unit=org_tree["branch_a"], status="succeeded")
    job.result.save("events.xlsx", ContentFile(b"PK\x03\x04 sheet"))
    client.force_login(branch_b_organizer)

    _refused_without_a_link(client.get(reverse("job_download", args=[job.pk])))


def test_a_print_runs_pdf_is_refused_to_another_branch_and_signed_for_its_own(
    s3, client, org_tree, branch_a_organizer, branch_b_organizer
):
    print_run = f.PrintRunFactory(org_unit=org_tree["branch_a"])
    print_run.pdf.save("print-run.pdf", ContentFile(b"%PDF-1.7 run"))
    url = reverse("print_run_pdf", args=[print_run.pk])

    client.force_login(branch_b_organizer)
    _refused_without_a_link(client.get(url))

    client.force_login(branch_a_organizer)
    headers, content = _fetch(_signed_url_of(client.get(url)))
    assert content == b"%PDF-1.7 run"
    assert headers["Content-Type"] == "application/pdf"
    assert attachment_name(headers).endswith(".pdf")


def test_an_agreement_document_is_refused_to_another_branch_and_signed_for_its_own(
    s3, client, org_tree, branch_a_organizer, branch_b_organizer
):
    agreement = f.PartnerAgreementFactory(partner=f.PartnerFactory(org_unit=org_tree["branch_a"]))
    agreement.document.save("partner-1-20250101.pdf", ContentFile(b"%PDF-1.7 signed"))
    url = reverse("agreement_document", args=[agreement.pk])

    client.force_login(branch_b_organizer)
    _refused_without_a_link(client.get(url))

    client.force_login(branch_a_organizer)
    headers, content = _fetch(_signed_url_of(client.get(url)))
    assert content == b"%PDF-1.7 signed"
    assert attachment_name(headers) == "partner-1-20250101.pdf"


def test_an_event_photo_on_s3_is_streamed_by_the_portal_and_refused_to_another_branch(
    s3, client, org_tree, branch_a_organizer, branch_b_organizer
):
    photo = f.EventPhotoFactory(event=f.EventFactory(org_unit=org_tree["branch_a"]))
    assert s3.stored_keys() == sorted([photo.image.name, photo.thumbnail.name])
    url = reverse("event_photo", args=[photo.event.pk, photo.pk, "thumb"])

    client.force_login(branch_b_organizer)
    _refused_without_a_link(client.get(url))

    client.force_login(branch_a_organizer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    stored = s3.client.get_object(Bucket=s3.bucket, Key=photo.thumbnail.name)["Body"].read()
    assert b"".join(response.streaming_content) == stored


def test_a_retried_print_job_replaces_the_files_a_dead_attempt_left(
    s3, org_tree, branch_a_organizer, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(
        print_jobs, "edition_pdf", lambda **options: RenderedPdf(content=b"%PDF-1.7 new", pages=1)
    )
    with django_capture_on_commit_callbacks(execute=False):  # ordered; no worker took it yet
        print_run = print_run_order(
            user=branch_a_organizer,
            edition=leaflet_edition(org_tree["hq"]),
            org_unit=org_tree["branch_a"],
            paper_size="A5",
            layout="side_by_side",
            copies=500,
        )
    job = Job.objects.get(pk=print_run.job_id)
    # The first attempt wrote both its files, then its worker died before committing.
    year = timezone.now().year
    left_behind = [
        f"print-runs/{year}/print-run-{print_run.pk}.pdf",
        job.result.field.generate_filename(job, print_jobs.print_run_filename(print_run)),
    ]
    for key in left_behind:
        s3.client.put_object(Bucket=s3.bucket, Key=key, Body=b"%PDF-1.7 half")
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(status="running", attempts=1, heartbeat_at=long_ago)

    job_execute(job_id=job.pk, task_id="retry")

    job.refresh_from_db()
    print_run.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 2)
    assert s3.stored_keys() == sorted(left_behind) == sorted([print_run.pdf.name, job.result.name])
    for key in s3.stored_keys():
        assert s3.client.get_object(Bucket=s3.bucket, Key=key)["Body"].read() == b"%PDF-1.7 new"

    # Delivered once more after it finished and was sent again: still one file each.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, finished_at=None)
    job_execute(job_id=job.pk, task_id="again")
    assert s3.stored_keys() == sorted(left_behind)
    assert PrintRun.objects.get(pk=print_run.pk).pdf.read() == b"%PDF-1.7 new"


def test_photos_uploaded_through_the_web_are_kept_on_s3_with_their_thumbnails(s3, client, world):
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "teal").save(buffer, "JPEG")
    client.force_login(world.organizer)

    response = client.post(
        reverse("event_photo_upload", args=[world.event.pk]),
        {"photos": [SimpleUploadedFile("合影.jpg", buffer.getvalue(), content_type="image/jpeg")]},
    )

    assert response.status_code == 302
    photo = world.event.photos.get()
    assert (photo.width, photo.height) == (60, 40)
    assert s3.stored_keys() == sorted([photo.image.name, photo.thumbnail.name])
    shown = client.get(reverse("event_photo", args=[world.event.pk, photo.pk, "full"]))
    stored = s3.client.get_object(Bucket=s3.bucket, Key=photo.image.name)["Body"].read()
    assert b"".join(shown.streaming_content) == stored


def test_an_import_sheet_kept_on_s3_is_read_by_its_job_then_deleted(
    s3, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = events_import_request(
            user=world.organizer,
            org_unit=world.units["central_a"],
            campaign=world.campaign,
            sheet=ContentFile(sheet(GOOD), name="去年的活动.xlsx"),
        )

    job.refresh_from_db()
    assert job.status == "succeeded"
    assert job.params["upload"].startswith("imports/")
    # The sheet the user gave is gone; the job's result sheet is what is left.
    assert s3.stored_keys() == [job.result.name]
